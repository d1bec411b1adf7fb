package capstore

import (
	"encoding/binary"
	"fmt"

	"github.com/offermail/offermail/decide"
)

// Bounds of one script call. Lua's unpack, used to pass the fields of
// HMGET and HSET, fails beyond about 8000 values; distinct counters (two
// HSET values each) and reservations (two HSET values each) stay well
// below it.
const (
	maxCallCounters     = 3000
	maxCallReservations = 2000
)

// scriptCall is the encoded form of one reserveLua call. The reservations
// are packed once; the tables, which name the windows the caller knows of,
// are packed for each attempt (see Redis.run).
type scriptCall struct {
	ns       string
	nr       int
	rs       []decide.Reservation
	ledgers  []string       // prefixed ledger keys
	keys     []string       // distinct counter keys, in order of first use
	expires  []int64        // distinct Expires (ms), in order of first use
	windows  []string       // the window of each Expire
	deadline []int64        // the deadline of each Expire for this call
	cIndex   map[string]int // counter key → 1-based index
	lIndex   map[string]int // campaign → 1-based index among ledgers
	tIndex   map[int64]int  // Expire (ms) → 1-based index
	pack     []byte         // the reservations, MessagePack
}

// newScriptCall encodes rs, which must respect the bounds above.
func newScriptCall(ns string, rs []decide.Reservation, now, retain int64) *scriptCall {
	c := &scriptCall{
		ns:     ns,
		nr:     len(rs),
		rs:     rs,
		cIndex: make(map[string]int, len(rs)*3),
		lIndex: make(map[string]int, 1),
		tIndex: make(map[int64]int, 2),
	}
	items, size := 0, 0
	for i := range rs {
		items += 2 + 4*len(rs[i].Counters)
		size += 8 + 32*len(rs[i].Counters)
	}
	c.pack = packArray(make([]byte, 0, size), items)
	for i := range rs {
		c.add(&rs[i], now, retain)
	}
	return c
}

func (c *scriptCall) add(r *decide.Reservation, now, retain int64) {
	li, ok := c.lIndex[r.Campaign]
	if !ok {
		c.ledgers = append(c.ledgers, ledgerKey(c.ns, r.Campaign))
		li = len(c.ledgers)
		c.lIndex[r.Campaign] = li
	}
	c.pack = packInt(c.pack, int64(li))
	c.pack = packInt(c.pack, int64(len(r.Counters)))
	for _, k := range r.Counters {
		ki, ok := c.cIndex[k.Key]
		if !ok {
			c.keys = append(c.keys, k.Key)
			ki = len(c.keys)
			c.cIndex[k.Key] = ki
		}
		ti := 0
		if !k.Expire.IsZero() {
			ms := expireMillis(k.Expire)
			if ti, ok = c.tIndex[ms]; !ok {
				c.expires = append(c.expires, ms)
				c.windows = append(c.windows, windowName(ms))
				c.deadline = append(c.deadline, deadlineOf(k.Expire, now, retain))
				ti = len(c.expires)
				c.tIndex[ms] = ti
			}
		}
		c.pack = packInt(c.pack, int64(ki))
		c.pack = packInt(c.pack, k.Limit)
		c.pack = packInt(c.pack, k.N)
		c.pack = packInt(c.pack, int64(ti))
	}
}

// keysAndArgs returns KEYS and ARGV for a call that passes every window
// in known and those of the batch's Expires.
func (c *scriptCall) keysAndArgs(now int64, known []string) (keys []string, args []any) {
	windows := mergeWindows(known, c.windows)
	keys = make([]string, 0, 2+len(c.ledgers)+len(windows))
	keys = append(keys, countersKey(c.ns), registryKey(c.ns))
	keys = append(keys, c.ledgers...)
	for _, w := range windows {
		keys = append(keys, windowKey(c.ns, w))
	}

	size := 16 + 24*len(windows) + 16*len(c.expires)
	for _, k := range c.keys {
		size += 5 + len(k)
	}
	h := packArray(make([]byte, 0, size), 5+len(windows)+2*len(c.expires))
	for _, n := range []int{len(c.ledgers), len(windows), len(c.expires), len(c.keys), c.nr} {
		h = packInt(h, int64(n))
	}
	for _, w := range windows {
		h = packString(h, w)
	}
	for i, w := range c.windows {
		h = packInt(h, int64(indexOf(windows, w)+1))
		h = packInt(h, c.deadline[i])
	}
	args = make([]any, 0, 3+len(c.keys)+2*len(c.rs))
	args = append(args, now, h, c.pack)
	for _, k := range c.keys {
		args = append(args, k)
	}
	for i := range c.rs {
		args = append(args, c.rs[i].Recipient)
	}
	for i := range c.rs {
		args = append(args, c.rs[i].Record)
	}
	return keys, args
}

// The few MessagePack forms the script needs. Strings use fixstr, str16
// and str32 only, which every version of Redis's cmsgpack reads.

func packArray(b []byte, n int) []byte {
	if n < 1<<16 {
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func packInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v < 128:
		return append(b, byte(v))
	case v >= -32 && v < 0:
		return append(b, byte(v))
	case v >= 0 && v < 1<<32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v))
}

func packString[S ~string | ~[]byte](b []byte, s S) []byte {
	switch n := len(s); {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n < 1<<16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

// decodeOutcomes turns the outcomes the script returned into outcomes for
// rs.
func decodeOutcomes(items []any, rs []decide.Reservation, out []decide.Outcome) error {
	if len(items) != len(rs) {
		return fmt.Errorf("%w: %d outcomes for %d reservations", errScriptReply, len(items), len(rs))
	}
	for i, it := range items {
		switch v := it.(type) {
		case int64:
			out[i] = decide.Outcome{Status: decide.Committed}
		case string:
			out[i] = decide.Outcome{Status: decide.Replayed, Record: []byte(v)}
		case []any:
			keys := make([]string, 0, len(v))
			for _, p := range v {
				j, ok := p.(int64)
				if !ok || j < 0 || int(j) >= len(rs[i].Counters) {
					return fmt.Errorf("%w: counter position %v", errScriptReply, p)
				}
				keys = append(keys, rs[i].Counters[j].Key)
			}
			out[i] = decide.Outcome{Status: decide.Exhausted, Exhausted: keys}
		default:
			return fmt.Errorf("%w: outcome %T", errScriptReply, it)
		}
	}
	return nil
}
