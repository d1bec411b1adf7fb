package capstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/offermail/offermail/decide"
)

// Top-level buckets of the bbolt file; see the package doc.
var (
	bucketMeta     = []byte("meta")
	bucketCounters = []byte("counters")
	bucketLedger   = []byte("ledger")
	keyFormat      = []byte("format")
)

// Group commit for bbolt: one writer at a time is all bbolt allows, and
// the next batch gathers while one commits. A commit has a fixed cost
// (the dirty pages of every bucket it touches, written and fsynced) of
// about 150 µs of CPU, while one reservation costs about 5 µs: under load
// the batches that gather during a commit alone are small (3 requests on
// average at 5,000 counted API requests/s), and the commits then cost more
// than everything else. So, once a batch carried several calls (callers
// are coming concurrently), the next one waits up to boltLinger for
// boltEnough reservations. A caller that comes alone is committed at
// once. Every caller still returns only once its batch is fsynced.
const (
	boltMaxBatch = 4096
	boltLinger   = time.Millisecond
	boltEnough   = 64
	// pruneStep is how many counters each write transaction inspects for
	// expiry, so pruning costs a little on every batch and never a pause.
	pruneStep = 64
)

// Bolt is a store in a bbolt file: the embedded default. One process at a
// time may open the file (bbolt locks it). Reservations of concurrent
// callers are coalesced into one read-write transaction, one fsync.
type Bolt struct {
	cfg    config
	path   string
	db     *bolt.DB
	b      *batcher
	layout *boltLayout
	// closed makes calls after Close fail with ErrClosed rather than
	// with whatever the closed file or connection would say.
	closed atomic.Bool

	// pruneFrom is where the next prune step resumes; only flushes touch
	// it, and the batcher runs one flush at a time.
	pruneFrom []byte
}

var _ decide.Store = (*Bolt)(nil)

// OpenBolt opens or creates the bbolt store at path. If another process
// holds the file it waits WithLockTimeout and then fails with an error
// naming the file and wrapping decide.ErrStoreUnavailable.
//
// WithReadOnly opens an existing file only, read-only, sharing the lock
// with other readers: a missing file is an error wrapping ErrBadURL (a
// dry run that created a store would read every counter as 0 without a
// word), and nothing is written.
func OpenBolt(path string, opts ...Option) (*Bolt, error) {
	cfg := newConfig(opts)
	if cfg.readOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open bolt %s: %w: no store there to read (a dry run never creates one)", path, ErrBadURL)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      cfg.lockTimeout,
		FreelistType: bolt.FreelistMapType,
		ReadOnly:     cfg.readOnly,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open bolt %s: %w: %w: the file is locked by another process (waited %s)",
			path, decide.ErrStoreUnavailable, ErrLocked, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open bolt %s: %w: %w", path, decide.ErrStoreUnavailable, err)
	}
	var layout *boltLayout
	check := db.Update
	if cfg.readOnly {
		check = db.View
	}
	err = check(func(tx *bolt.Tx) (err error) {
		layout, err = initBuckets(tx, !cfg.readOnly)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	s := &Bolt{cfg: cfg, path: path, db: db, layout: layout}
	s.b = newBatcher(s.flush, batchPolicy{maxBatch: boltMaxBatch, linger: boltLinger, enough: boltEnough, lingerBusy: true, parallel: 1})
	return s, nil
}

// initBuckets finds the buckets of the file and its format, creating them
// in a new file when it may write (in format 2).
func initBuckets(tx *bolt.Tx, write bool) (*boltLayout, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil && write {
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return nil, err
		}
	}
	if meta == nil {
		return nil, errors.New("not an offermail store")
	}
	format := meta.Get(keyFormat)
	if format == nil && write {
		format = formatV2
		if err := meta.Put(keyFormat, format); err != nil {
			return nil, err
		}
	}
	layout, err := newLayout(format)
	if err != nil {
		return nil, err
	}
	buckets := [][]byte{bucketCounters, bucketLedger}
	if layout.v2 {
		buckets = append(buckets, bucketPrefixes)
	}
	for _, name := range buckets {
		if tx.Bucket(name) != nil {
			continue
		}
		if !write {
			return nil, errors.New("not an offermail store")
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return nil, err
		}
	}
	return layout, nil
}

// Path returns the file the store was opened from.
func (s *Bolt) Path() string { return s.path }

// unavailable wraps an I/O error of the file (disk full, read-only) so
// that the command can report a failed run.
func (s *Bolt) unavailable(op string, err error) error {
	return fmt.Errorf("%s: bolt %s: %w: %w", op, s.path, decide.ErrStoreUnavailable, err)
}

// Counts implements decide.Store.
func (s *Bolt) Counts(ctx context.Context, keys []string) ([]int64, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("counts: %w", ErrClosed)
	}
	now := s.cfg.nowMillis()
	out := make([]int64, len(keys))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCounters)
		var key []byte
		for i, k := range keys {
			var ok bool
			if key, ok = s.layout.storedKey(key[:0], tx, k); !ok {
				continue
			}
			v := b.Get(key)
			if v == nil {
				continue
			}
			c, err := s.layout.decode(v)
			if err != nil {
				return fmt.Errorf("counter %q: %w", k, err)
			}
			out[i] = readCount(c, true, now)
		}
		return nil
	})
	if err != nil {
		return nil, s.unavailable("counts", err)
	}
	return out, nil
}

// Reserve implements decide.Store. The reservations of one call are
// applied in one transaction, possibly together with other callers'.
func (s *Bolt) Reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	return reserveBatched(ctx, s.b, rs)
}

func (s *Bolt) flush(rs []decide.Reservation, out []decide.Outcome) error {
	now := s.cfg.nowMillis()
	var t *boltTxn
	err := s.db.Update(func(tx *bolt.Tx) error {
		t = newBoltTxn(tx, s.layout)
		if err := applyBatch(t, rs, now, s.cfg.retain.Milliseconds(), out); err != nil {
			return err
		}
		if err := t.writeCounters(); err != nil {
			return err
		}
		return s.prune(t.counters, now)
	})
	if err == nil {
		t.committed()
	}
	if err != nil {
		// Reserve names the operation.
		return fmt.Errorf("bolt %s: %w: %w", s.path, decide.ErrStoreUnavailable, err)
	}
	return nil
}

// prune deletes expired counters among the next pruneStep keys, wrapping
// around at the end of the bucket, so every expired counter is eventually
// removed by the batches that follow.
func (s *Bolt) prune(b *bolt.Bucket, now int64) error {
	var expired [][]byte
	c := b.Cursor()
	k, v := c.Seek(s.pruneFrom)
	for i := 0; k != nil && i < pruneStep; i++ {
		if cv, err := s.layout.decode(v); err == nil && cv.expired(now) {
			expired = append(expired, k)
		}
		k, v = c.Next()
	}
	// The next step starts at k; a copy, since k is only valid in tx.
	s.pruneFrom = append(s.pruneFrom[:0], k...)
	for _, k := range expired {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Records implements decide.Store.
func (s *Bolt) Records(ctx context.Context, campaign string, recipients []string) ([][]byte, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("records: %w", ErrClosed)
	}
	out := make([][]byte, len(recipients))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger).Bucket([]byte(campaign))
		if b == nil {
			return nil
		}
		for i, r := range recipients {
			if v := b.Get([]byte(r)); v != nil {
				out[i] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.unavailable("records", err)
	}
	return out, nil
}

// Add implements decide.Store.
func (s *Bolt) Add(ctx context.Context, deltas []decide.Delta) error {
	if s.closed.Load() {
		return fmt.Errorf("add: %w", ErrClosed)
	}
	if err := validateDeltas(deltas); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	now := s.cfg.nowMillis()
	var t *boltTxn
	err := s.db.Update(func(tx *bolt.Tx) error {
		t = newBoltTxn(tx, s.layout)
		for _, d := range deltas {
			if err := applyDelta(t, d.Key, d.N, now); err != nil {
				return err
			}
		}
		return t.writeCounters()
	})
	if err == nil {
		t.committed()
	}
	if err != nil {
		return s.unavailable("add", err)
	}
	return nil
}

// Close applies what is queued and closes the file.
func (s *Bolt) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.b.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close bolt %s: %w", s.path, err)
	}
	return nil
}
