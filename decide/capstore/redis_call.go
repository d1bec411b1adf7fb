package capstore

import (
	"encoding/binary"
	"fmt"
	"slices"

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
	rs       []decide.Reservation
	ledgers  []string // prefixed ledger keys
	expires  []int64  // distinct Expires (ms), in order of first use
	windows  []string // the window of each Expire
	deadline []int64  // the deadline of each Expire for this call
	// keys are the distinct counter keys, grouped by the place a key is
	// looked for first: the lifetime hash (group "") or the window of the
	// key's first Expire in the batch. The script reads each group with
	// one HMGET of consecutive arguments.
	keys   []string
	groups []string // "" or a window
	sizes  []int    // the number of keys of each group
	pack   []byte   // the reservations, MessagePack
}

// newScriptCall encodes rs, which must respect the bounds above.
func newScriptCall(ns string, rs []decide.Reservation, now, retain int64) *scriptCall {
	c := &scriptCall{ns: ns, rs: rs, groups: []string{""}, sizes: []int{0}}
	entries := 0
	for i := range rs {
		entries += len(rs[i].Counters)
	}
	// First pass: number keys and Expires in order of first use.
	var (
		cIndex  = make(map[string]int, entries)
		tIndex  = make(map[int64]int, 2)
		lIndex  = make(map[string]int, 1)
		keys    = make([]string, 0, entries)
		group   = make([]int, 0, entries) // of each key
		perKey  = make([]int, 0, entries) // key number of each entry
		perT    = make([]int, 0, entries) // Expire index of each entry
		perResv = make([]int, 0, len(rs)) // ledger index of each reservation
	)
	for i := range rs {
		li, ok := lIndex[rs[i].Campaign]
		if !ok {
			c.ledgers = append(c.ledgers, ledgerKey(ns, rs[i].Campaign))
			li = len(c.ledgers)
			lIndex[rs[i].Campaign] = li
		}
		perResv = append(perResv, li)
		for _, k := range rs[i].Counters {
			ti, g := 0, 0
			if !k.Expire.IsZero() {
				ms := expireMillis(k.Expire)
				if ti, ok = tIndex[ms]; !ok {
					w := windowName(ms)
					c.expires = append(c.expires, ms)
					c.windows = append(c.windows, w)
					c.deadline = append(c.deadline, deadlineOf(k.Expire, now, retain))
					ti = len(c.expires)
					tIndex[ms] = ti
					if !slices.Contains(c.groups, w) {
						c.groups = append(c.groups, w)
						c.sizes = append(c.sizes, 0)
					}
				}
				g = slices.Index(c.groups, c.windows[ti-1])
			}
			ki, seen := cIndex[k.Key]
			if !seen {
				ki = len(keys)
				cIndex[k.Key] = ki
				keys = append(keys, k.Key)
				group = append(group, g)
				c.sizes[g]++
			}
			perKey = append(perKey, ki)
			perT = append(perT, ti)
		}
	}
	// Number the keys group by group.
	next := make([]int, len(c.groups))
	for g := 1; g < len(next); g++ {
		next[g] = next[g-1] + c.sizes[g-1]
	}
	final := make([]int, len(keys))
	c.keys = make([]string, len(keys))
	for ki, g := range group {
		final[ki] = next[g]
		c.keys[next[g]] = keys[ki]
		next[g]++
	}
	// Second pass: the reservations.
	c.pack = packArray(make([]byte, 0, 8*len(rs)+16*entries), 2*len(rs)+4*entries)
	e := 0
	for i := range rs {
		c.pack = packInt(c.pack, int64(perResv[i]))
		c.pack = packInt(c.pack, int64(len(rs[i].Counters)))
		for _, k := range rs[i].Counters {
			c.pack = packInt(c.pack, int64(final[perKey[e]]+1))
			c.pack = packInt(c.pack, k.Limit)
			c.pack = packInt(c.pack, k.N)
			c.pack = packInt(c.pack, int64(perT[e]))
			e++
		}
	}
	return c
}

// keysAndArgs returns KEYS and ARGV for a call that passes every window
// in known and those of the batch's Expires.
func (c *scriptCall) keysAndArgs(now int64, known []string) (keys []string, args []any) {
	windows := mergeWindows(known, c.groups[1:])
	keys = make([]string, 0, 2+len(c.ledgers)+len(windows))
	keys = append(keys, countersKey(c.ns), registryKey(c.ns))
	keys = append(keys, c.ledgers...)
	for _, w := range windows {
		keys = append(keys, windowKey(c.ns, w))
	}
	place := func(w string) int64 { return int64(indexOf(windows, w) + 1) }

	h := packArray(make([]byte, 0, 32+24*len(windows)+16*len(c.expires)+8*len(c.groups)),
		6+len(windows)+2*len(c.expires)+2*len(c.groups))
	for _, n := range []int{len(c.ledgers), len(windows), len(c.expires), len(c.keys), len(c.rs), len(c.groups)} {
		h = packInt(h, int64(n))
	}
	for _, w := range windows {
		h = packString(h, w)
	}
	for i, w := range c.windows {
		h = packInt(h, place(w))
		h = packInt(h, c.deadline[i])
	}
	for g, w := range c.groups {
		if g == 0 {
			h = packInt(h, 0)
		} else {
			h = packInt(h, place(w))
		}
		h = packInt(h, int64(c.sizes[g]))
	}
	// Pointers to strings, which go-redis writes like strings, fit in an
	// interface without an allocation each.
	args = make([]any, 0, 3+len(c.keys)+2*len(c.rs))
	args = append(args, now, h, c.pack)
	for i := range c.keys {
		args = append(args, &c.keys[i])
	}
	for i := range c.rs {
		args = append(args, &c.rs[i].Recipient)
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
