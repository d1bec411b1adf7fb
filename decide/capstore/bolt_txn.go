package capstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// fillPercent is how full bbolt fills the pages it splits. Its default,
// half, suits keys written in random order; ledger entries and a
// campaign's counters come nearly in key order (recipients in file order,
// a batch's keys sorted), and half-full pages would double the file.
var fillPercent = 0.9

// boltTxn is the txn of applyBatch inside one bbolt read-write
// transaction.
//
// Counters are read through a cache and written once, at the end, by
// writeCounters: a total counter that every reservation of a batch
// increments is then one Get and one Put per batch, not one per
// reservation. bbolt needs keys and values given to Put to stay valid
// until the commit, so they are carved from one buffer instead of being
// allocated one by one.
type boltTxn struct {
	tx        *bolt.Tx
	layout    *boltLayout
	prefixes  map[string]uint64 // numbered in this transaction (format 2)
	counters  *bolt.Bucket
	ledger    *bolt.Bucket
	campaigns map[string]*campaignBucket // nil entry: no bucket yet
	cache     map[string]cachedCounter
	// Reads go through one cursor per bucket: Seek reuses its stack,
	// where every Bucket.Get would allocate a new cursor.
	counterCur *bolt.Cursor
	buf        []byte // for Put, valid until the commit
	scratch    []byte // for Get, reused
}

type campaignBucket struct {
	b   *bolt.Bucket
	cur *bolt.Cursor
}

// get reads key through cur.
func get(cur *bolt.Cursor, key []byte) []byte {
	k, v := cur.Seek(key)
	if !bytes.Equal(k, key) {
		return nil
	}
	return v
}

type cachedCounter struct {
	c     counter
	ok    bool // stored (or written in this transaction)
	dirty bool // to be written by writeCounters
}

func newBoltTxn(tx *bolt.Tx, layout *boltLayout) *boltTxn {
	t := &boltTxn{
		tx:        tx,
		layout:    layout,
		counters:  tx.Bucket(bucketCounters),
		ledger:    tx.Bucket(bucketLedger),
		campaigns: make(map[string]*campaignBucket, 1),
		cache:     make(map[string]cachedCounter),
	}
	t.counters.FillPercent = fillPercent
	t.counterCur = t.counters.Cursor()
	return t
}

// alloc returns n bytes that stay valid for the transaction. They are cut
// from chunks of 8 KiB: a batch of one API request needs about 2 KiB, and
// a larger chunk, cleared on every commit, would cost more than the puts.
func (t *boltTxn) alloc(n int) []byte {
	if len(t.buf) < n {
		t.buf = make([]byte, max(n, 8<<10))
	}
	b := t.buf[:n:n]
	t.buf = t.buf[n:]
	return b
}

// bytes copies s where Put may keep it.
func (t *boltTxn) bytes(s string) []byte {
	b := t.alloc(len(s))
	copy(b, s)
	return b
}

// key copies s for a Get, which does not keep it.
func (t *boltTxn) key(s string) []byte {
	t.scratch = append(t.scratch[:0], s...)
	return t.scratch
}

func (t *boltTxn) campaign(name string) *campaignBucket {
	c, ok := t.campaigns[name]
	if !ok {
		if b := t.ledger.Bucket(t.key(name)); b != nil {
			b.FillPercent = fillPercent
			c = &campaignBucket{b: b, cur: b.Cursor()}
		}
		t.campaigns[name] = c
	}
	return c
}

func (t *boltTxn) record(campaign, recipient string) ([]byte, bool, error) {
	c := t.campaign(campaign)
	if c == nil {
		return nil, false, nil
	}
	v := get(c.cur, t.key(recipient))
	return v, v != nil, nil
}

func (t *boltTxn) putRecord(campaign, recipient string, rec []byte) error {
	c := t.campaign(campaign)
	if c == nil {
		b, err := t.ledger.CreateBucket(t.bytes(campaign))
		if err != nil {
			return fmt.Errorf("ledger of campaign %q: %w", campaign, err)
		}
		b.FillPercent = fillPercent
		c = &campaignBucket{b: b, cur: b.Cursor()}
		t.campaigns[campaign] = c
	}
	v := t.alloc(len(rec))
	copy(v, rec)
	return c.b.Put(t.bytes(recipient), v)
}

func (t *boltTxn) counter(key string) (counter, bool, error) {
	if e, hit := t.cache[key]; hit {
		return e.c, e.ok, nil
	}
	var e cachedCounter
	stored, ok, err := t.storedKey(t.scratch[:0], key, false)
	if err != nil {
		return counter{}, false, err
	}
	t.scratch = stored
	if !ok {
		t.cache[key] = e
		return e.c, e.ok, nil
	}
	if v := get(t.counterCur, stored); v != nil {
		c, err := t.layout.decode(v)
		if err != nil {
			return counter{}, false, fmt.Errorf("counter %q: %w", key, err)
		}
		e = cachedCounter{c: c, ok: true}
	}
	t.cache[key] = e
	return e.c, e.ok, nil
}

func (t *boltTxn) putCounter(key string, c counter) error {
	t.cache[key] = cachedCounter{c: c, ok: true, dirty: true}
	return nil
}

// writeCounters puts every counter changed in the transaction, in key
// order: bbolt inserts into a page by shifting what follows, so keys in
// order are appends rather than moves.
func (t *boltTxn) writeCounters() error {
	keys := make([]string, 0, len(t.cache))
	for k, e := range t.cache {
		if e.dirty {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var buf [24]byte
	for _, k := range keys {
		stored, _, err := t.storedKey(buf[:0], k, true)
		if err != nil {
			return fmt.Errorf("counter %q: %w", k, err)
		}
		key := t.alloc(len(stored))
		copy(key, stored)
		enc := t.layout.appendValue(buf[:0], t.cache[k].c)
		v := t.alloc(len(enc))
		copy(v, enc)
		if err := t.counters.Put(key, v); err != nil {
			return fmt.Errorf("counter %q: %w", k, err)
		}
	}
	return nil
}

// storedKey appends the key counter key is stored under; in format 2 its
// prefix gets a number when create is set and it has none, and otherwise
// ok is false (the counter does not exist). Prefixes numbered in this
// transaction come first: the layout caches committed numbers only.
func (t *boltTxn) storedKey(dst []byte, key string, create bool) ([]byte, bool, error) {
	if !t.layout.v2 {
		return append(dst, key...), true, nil
	}
	prefix, rest := splitKey(key)
	n, ok := t.prefixes[prefix]
	if !ok {
		n, ok = t.layout.lookup(t.tx, prefix)
	}
	if !ok {
		if !create {
			return dst, false, nil
		}
		var err error
		if n, err = newPrefix(t.tx, prefix); err != nil {
			return dst, false, err
		}
		if t.prefixes == nil {
			t.prefixes = map[string]uint64{}
		}
		t.prefixes[prefix] = n
	}
	return append(binary.AppendUvarint(dst, n), rest...), true, nil
}

// committed remembers the prefixes numbered by the transaction, once it
// is on disk.
func (t *boltTxn) committed() {
	if len(t.prefixes) > 0 {
		t.layout.remember(t.prefixes)
	}
}
