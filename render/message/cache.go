package message

import "sync"

// cache is a bounded map from inputs (as strings) to what was derived
// from them, safe for concurrent use. A batch renders one template for millions of
// recipients, so the same few style sheets and style attributes come back
// again and again; an input that depends on the recipient would instead
// fill an unbounded map.
//
// It keeps two generations of at most size entries each: a hit in the
// older one moves the entry to the newer, and when the newer is full it
// becomes the older and the older is dropped. Entries in use survive;
// the others go within two generations. That is most of what an LRU list
// gives, without a write on every hit.
type cache[V any] struct {
	size int

	mu       sync.RWMutex
	cur, old map[string]V
}

func newCache[V any](size int) *cache[V] {
	return &cache[V]{size: size, cur: make(map[string]V)}
}

// get returns the value for k, calling build(k) outside the lock when k is
// not cached. Concurrent misses on one key may build it more than once;
// build must return equivalent values for equal keys.
func (c *cache[V]) get(k string, build func(string) V) V {
	c.mu.RLock()
	v, ok := c.cur[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	return c.miss(k, build)
}

// getBytes is get for a key being assembled in a buffer: a hit costs no
// allocation.
func (c *cache[V]) getBytes(k []byte, build func(string) V) V {
	c.mu.RLock()
	v, ok := c.cur[string(k)]
	c.mu.RUnlock()
	if ok {
		return v
	}
	return c.miss(string(k), build)
}

func (c *cache[V]) miss(k string, build func(string) V) V {
	c.mu.Lock()
	if v, ok := c.cur[k]; ok {
		c.mu.Unlock()
		return v
	}
	if v, ok := c.old[k]; ok {
		c.add(k, v)
		c.mu.Unlock()
		return v
	}
	c.mu.Unlock()

	v := build(k)
	c.mu.Lock()
	c.add(k, v)
	c.mu.Unlock()
	return v
}

// add stores k in the newer generation; c.mu must be held.
func (c *cache[V]) add(k string, v V) {
	if len(c.cur) >= c.size {
		c.old, c.cur = c.cur, make(map[string]V, c.size)
	}
	c.cur[k] = v
}

// len returns the number of entries held, for tests.
func (c *cache[V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.old)
}
