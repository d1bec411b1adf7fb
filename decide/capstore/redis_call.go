package capstore

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/offermail/offermail/decide"
)

// Bounds of one script call. Lua's unpack, used to pass the keys of MGET,
// HMGET, HSET and MSET, fails beyond about 8000 values; distinct counters
// (two MSET values each) and reservations (two HSET values each) stay well
// below it.
const (
	maxCallCounters     = 3000
	maxCallReservations = 2000
)

func counterKey(ns, key string) string { return "{" + ns + "}:c:" + key }

func ledgerKey(ns, campaign string) string { return "{" + ns + "}:l:" + campaign }

// scriptCall builds the KEYS and ARGV of one reserveLua call.
type scriptCall struct {
	ns      string
	keyBuf  []byte         // the prefixed counter keys, one after the other
	keyEnds []int          // where each counter key ends in keyBuf
	ledgers []string       // prefixed ledger keys
	cIndex  map[string]int // counter key → 1-based index
	lIndex  map[string]int // campaign → 1-based index among ledgers
	pack    []byte         // the reservations, MessagePack
}

// newScriptCall encodes rs, which must respect the bounds above.
func newScriptCall(ns string, rs []decide.Reservation, now, retain int64) *scriptCall {
	c := &scriptCall{
		ns:     ns,
		cIndex: make(map[string]int, len(rs)*3),
		lIndex: make(map[string]int, 1),
	}
	items, size, keys := 0, 0, 0
	for i := range rs {
		items += 4 + 4*len(rs[i].Counters)
		size += 32 + len(rs[i].Recipient) + len(rs[i].Record) + 40*len(rs[i].Counters)
		for _, k := range rs[i].Counters {
			keys += len(ns) + 5 + len(k.Key)
		}
	}
	c.pack = packArray(make([]byte, 0, size), items)
	c.keyBuf = make([]byte, 0, keys)
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
	c.pack = packString(c.pack, r.Recipient)
	c.pack = packString(c.pack, r.Record)
	c.pack = packInt(c.pack, int64(len(r.Counters)))
	for _, k := range r.Counters {
		ki, ok := c.cIndex[k.Key]
		if !ok {
			c.keyBuf = append(append(append(append(c.keyBuf, '{'), c.ns...), "}:c:"...), k.Key...)
			c.keyEnds = append(c.keyEnds, len(c.keyBuf))
			ki = len(c.keyEnds)
			c.cIndex[k.Key] = ki
		}
		c.pack = packInt(c.pack, int64(ki))
		c.pack = packInt(c.pack, k.Limit)
		c.pack = packInt(c.pack, k.N)
		c.pack = packInt(c.pack, deadlineOf(k.Expire, now, retain))
	}
}

// keysAndArgs returns KEYS and ARGV for the nr reservations encoded. The
// counter keys are slices of one string: one allocation, not one per key.
func (c *scriptCall) keysAndArgs(now int64, nr int) (keys []string, args []any) {
	keys = make([]string, 0, len(c.keyEnds)+len(c.ledgers))
	all, start := string(c.keyBuf), 0
	for _, end := range c.keyEnds {
		keys = append(keys, all[start:end])
		start = end
	}
	keys = append(keys, c.ledgers...)
	return keys, []any{now, len(c.keyEnds), nr, c.pack}
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

// decodeReply turns the script's reply into outcomes for rs.
func decodeReply(reply any, rs []decide.Reservation, out []decide.Outcome) error {
	items, ok := reply.([]any)
	if !ok || len(items) != len(rs) {
		return fmt.Errorf("reserve script: unexpected reply %T of %d items for %d reservations", reply, len(items), len(rs))
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
					return fmt.Errorf("reserve script: bad counter position %v", p)
				}
				keys = append(keys, rs[i].Counters[j].Key)
			}
			out[i] = decide.Outcome{Status: decide.Exhausted, Exhausted: keys}
		default:
			return fmt.Errorf("reserve script: unexpected reply item %T", it)
		}
	}
	return nil
}

// parseRedisCounter reads a counter as the scripts write it.
func parseRedisCounter(v string) (counter, error) {
	n, d, hasDeadline := strings.Cut(v, ":")
	c := counter{}
	var err error
	if c.n, err = strconv.ParseInt(n, 10, 64); err != nil {
		return counter{}, fmt.Errorf("counter value %q: %w", v, err)
	}
	if hasDeadline {
		if c.deadline, err = strconv.ParseInt(d, 10, 64); err != nil {
			return counter{}, fmt.Errorf("counter value %q: %w", v, err)
		}
	}
	return c, nil
}
