package recipients

import (
	"hash/maphash"
	"math"
)

// A recipients file repeats its values as it repeats its keys: tiers,
// countries, cities, interests, ages. Each string or number read as an
// any costs its bytes and its box — most of a record's allocations. A
// reader therefore keeps the values it met last in a small direct-mapped
// cache, and hands out the same boxed value again when the same short
// string or number comes back. Values are immutable, so sharing them
// between records is safe; the cache has a fixed size, a value that
// misses replaces the one in its slot, and a file of values that never
// repeat costs one hash per value and nothing else.

// valueSlots is the number of slots; maxCachedString bounds the strings
// kept, in bytes.
const (
	valueSlots      = 1 << 9 // the hash of number takes 9 bits
	maxCachedString = 32
)

type valueCache struct {
	seed  maphash.Seed
	slots [valueSlots]cachedValue
}

// cachedValue is a string (s, as boxed in v) or a number (bits of v's
// float64).
type cachedValue struct {
	v      any
	s      string
	bits   uint64
	number bool
}

func newValueCache() *valueCache { return &valueCache{seed: maphash.MakeSeed()} }

// slot is where the string whose bytes are raw is kept.
func (c *valueCache) slot(raw []byte) *cachedValue {
	return &c.slots[maphash.Bytes(c.seed, raw)%valueSlots]
}

// str returns the boxed string whose bytes are raw when it is cached.
func (c *valueCache) str(raw []byte) (any, bool) {
	if c == nil || len(raw) > maxCachedString {
		return nil, false
	}
	slot := c.slot(raw)
	if !slot.number && slot.v != nil && slot.s == string(raw) {
		return slot.v, true
	}
	return nil, false
}

// keepStr caches s, just read from the bytes raw, and returns it boxed.
func (c *valueCache) keepStr(raw []byte, s string) any {
	if c == nil || len(raw) > maxCachedString {
		return s
	}
	slot := c.slot(raw)
	*slot = cachedValue{v: s, s: s}
	return slot.v
}

// number returns f boxed.
func (c *valueCache) number(f float64) any {
	if c == nil {
		return f
	}
	bits := math.Float64bits(f)
	// A multiplicative hash: the high bits depend on every bit of f.
	slot := &c.slots[(bits*0x9E3779B97F4A7C15)>>(64-9)]
	if slot.number && slot.bits == bits {
		return slot.v
	}
	*slot = cachedValue{v: f, bits: bits, number: true}
	return slot.v
}
