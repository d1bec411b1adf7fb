package capstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The layouts of the counters bucket.
//
// Format 1 keeps each counter under its key, as decide writes it, with a
// value of 16 bytes (the count and the deadline, big-endian int64). A
// counter key repeats a long prefix — "cap|new-member-welcome|profile|all|*|"
// before the recipient id — and profile caps give every recipient counters
// of their own, so that format spent about 80 bytes per counter, twice as
// much as the ledger record of a recipient.
//
// Format 2, that of files created since, splits a key after its last "|"
// and replaces what comes before by a number of its own, kept in the
// prefixes bucket (prefix → uvarint number, numbers from 1; a key without
// "|" has number 0): the stored key is the uvarint number then the rest
// of the key. The value is the count as a varint then the deadline as a
// uvarint, 2 to 8 bytes. Keys of one prefix stay together and in the
// order of their rest, so a batch of new recipients still appends to the
// end of each prefix's range instead of touching pages all over the file.
// A counter then costs about 30 bytes.
//
// A file keeps the format it was created with: files of format 1 are
// read and written as such, so a run interrupted before the upgrade
// resumes on its store.
var (
	formatV1       = []byte("offermail-capstore/1")
	formatV2       = []byte("offermail-capstore/2")
	bucketPrefixes = []byte("prefixes")
)

// boltLayout stores counters in one format.
type boltLayout struct {
	v2 bool
	// prefixes caches the committed numbers of key prefixes (format 2).
	mu       sync.RWMutex
	prefixes map[string]uint64
}

func newLayout(format []byte) (*boltLayout, error) {
	switch {
	case bytes.Equal(format, formatV1):
		return &boltLayout{}, nil
	case bytes.Equal(format, formatV2):
		return &boltLayout{v2: true, prefixes: map[string]uint64{}}, nil
	}
	return nil, fmt.Errorf("unknown format %q, want %q (or %q)", format, formatV2, formatV1)
}

// splitKey cuts a counter key after its last "|".
func splitKey(key string) (prefix, rest string) {
	i := strings.LastIndexByte(key, '|')
	return key[:i+1], key[i+1:]
}

// lookup returns the number of prefix, reading the bucket of tx when it
// is not cached; ok is false when the prefix has none yet.
func (l *boltLayout) lookup(tx *bolt.Tx, prefix string) (uint64, bool) {
	if prefix == "" {
		return 0, true
	}
	l.mu.RLock()
	n, ok := l.prefixes[prefix]
	l.mu.RUnlock()
	if ok {
		return n, true
	}
	v := tx.Bucket(bucketPrefixes).Get([]byte(prefix))
	if v == nil {
		return 0, false
	}
	n, k := binary.Uvarint(v)
	if k != len(v) {
		return 0, false
	}
	l.remember(map[string]uint64{prefix: n})
	return n, true
}

// remember caches numbers that are committed.
func (l *boltLayout) remember(m map[string]uint64) {
	l.mu.Lock()
	for p, n := range m {
		l.prefixes[p] = n
	}
	l.mu.Unlock()
}

// storedKey appends the key under which counter key is stored; ok is
// false in format 2 when its prefix has no number yet (the counter does
// not exist).
func (l *boltLayout) storedKey(dst []byte, tx *bolt.Tx, key string) ([]byte, bool) {
	if !l.v2 {
		return append(dst, key...), true
	}
	prefix, rest := splitKey(key)
	n, ok := l.lookup(tx, prefix)
	if !ok {
		return dst, false
	}
	return append(binary.AppendUvarint(dst, n), rest...), true
}

// appendValue appends the stored value of c.
func (l *boltLayout) appendValue(dst []byte, c counter) []byte {
	if !l.v2 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(c.n))
		return binary.BigEndian.AppendUint64(dst, uint64(c.deadline))
	}
	return binary.AppendUvarint(binary.AppendVarint(dst, c.n), uint64(c.deadline))
}

// decode reads a stored value.
func (l *boltLayout) decode(b []byte) (counter, error) {
	if !l.v2 {
		if len(b) != 16 {
			return counter{}, fmt.Errorf("counter value of %d bytes, want 16", len(b))
		}
		return counter{n: int64(binary.BigEndian.Uint64(b[0:8])), deadline: int64(binary.BigEndian.Uint64(b[8:16]))}, nil
	}
	n, k := binary.Varint(b)
	d, k2 := binary.Uvarint(b[max(k, 0):])
	if k <= 0 || k2 <= 0 || k+k2 != len(b) || d > 1<<62 {
		return counter{}, fmt.Errorf("counter value %x is not a count and a deadline", b)
	}
	return counter{n: n, deadline: int64(d)}, nil
}

// newPrefix gives prefix a number in tx (format 2), to be remembered
// once tx commits.
func newPrefix(tx *bolt.Tx, prefix string) (uint64, error) {
	b := tx.Bucket(bucketPrefixes)
	n, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	return n, b.Put([]byte(prefix), binary.AppendUvarint(nil, n))
}
