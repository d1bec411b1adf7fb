package capstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"github.com/offermail/offermail/decide"
)

// The suppression list of every store: recipient → a small JSON value,
// {"time": …, "reason": …}. bbolt keeps it in the bucket "suppressed"
// (created by the first Suppress, so that files written before it existed
// still open read-only); Redis in the hash "{ns}:s"; Memory in a map.

var bucketSuppressed = []byte("suppressed")

const maxReasonLen = 1024

type suppressionValue struct {
	Time   time.Time `json:"time"`
	Reason string    `json:"reason,omitempty"`
}

func validateSuppressions(es []decide.Suppression) error {
	for i, e := range es {
		if err := checkID("recipient", e.Recipient); err != nil {
			return fmt.Errorf("suppression %d: %w", i, err)
		}
		if len(e.Reason) > maxReasonLen {
			return fmt.Errorf("suppression %d: %w: reason of %d bytes, at most %d", i, errInvalid, len(e.Reason), maxReasonLen)
		}
	}
	return nil
}

func encodeSuppression(e decide.Suppression) []byte {
	data, _ := json.Marshal(suppressionValue{Time: e.Time.UTC(), Reason: e.Reason})
	return data
}

func decodeSuppression(recipient string, data []byte) (decide.Suppression, error) {
	var v suppressionValue
	if err := json.Unmarshal(data, &v); err != nil {
		return decide.Suppression{}, fmt.Errorf("suppression of %q: %w", recipient, err)
	}
	return decide.Suppression{Recipient: recipient, Time: v.Time, Reason: v.Reason}, nil
}

// Suppress implements decide.SuppressionList.
func (m *Memory) Suppress(ctx context.Context, es []decide.Suppression) (int, error) {
	if err := validateSuppressions(es); err != nil {
		return 0, fmt.Errorf("suppress: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, fmt.Errorf("suppress: %w", ErrClosed)
	}
	added := 0
	for _, e := range es {
		if _, ok := m.suppressed[e.Recipient]; !ok {
			m.suppressed[e.Recipient] = encodeSuppression(e)
			added++
		}
	}
	return added, nil
}

// Unsuppress implements decide.SuppressionList.
func (m *Memory) Unsuppress(ctx context.Context, recipients []string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, fmt.Errorf("unsuppress: %w", ErrClosed)
	}
	removed := 0
	for _, r := range recipients {
		if _, ok := m.suppressed[r]; ok {
			delete(m.suppressed, r)
			removed++
		}
	}
	return removed, nil
}

// Suppressed implements decide.SuppressionList.
func (m *Memory) Suppressed(ctx context.Context, recipients []string) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("suppressed: %w", ErrClosed)
	}
	out := make([]bool, len(recipients))
	for i, r := range recipients {
		_, out[i] = m.suppressed[r]
	}
	return out, nil
}

// Suppressions implements decide.SuppressionList, in recipient order.
func (m *Memory) Suppressions(ctx context.Context, fn func(decide.Suppression) error) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return fmt.Errorf("suppressions: %w", ErrClosed)
	}
	keys := make([]string, 0, len(m.suppressed))
	vals := make(map[string][]byte, len(m.suppressed))
	for k, v := range m.suppressed {
		keys = append(keys, k)
		vals[k] = v
	}
	m.mu.Unlock()
	slices.Sort(keys)
	for _, k := range keys {
		e, err := decodeSuppression(k, vals[k])
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Suppress implements decide.SuppressionList, in one transaction.
func (s *Bolt) Suppress(ctx context.Context, es []decide.Suppression) (int, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("suppress: %w", ErrClosed)
	}
	if err := validateSuppressions(es); err != nil {
		return 0, fmt.Errorf("suppress: %w", err)
	}
	added := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSuppressed)
		if err != nil {
			return err
		}
		for _, e := range es {
			if b.Get([]byte(e.Recipient)) != nil {
				continue
			}
			if err := b.Put([]byte(e.Recipient), encodeSuppression(e)); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, s.unavailable("suppress", err)
	}
	return added, nil
}

// Unsuppress implements decide.SuppressionList.
func (s *Bolt) Unsuppress(ctx context.Context, recipients []string) (int, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("unsuppress: %w", ErrClosed)
	}
	removed := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppressed)
		if b == nil {
			return nil
		}
		for _, r := range recipients {
			if r == "" || b.Get([]byte(r)) == nil {
				continue
			}
			if err := b.Delete([]byte(r)); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	if err != nil {
		return 0, s.unavailable("unsuppress", err)
	}
	return removed, nil
}

// Suppressed implements decide.SuppressionList.
func (s *Bolt) Suppressed(ctx context.Context, recipients []string) ([]bool, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("suppressed: %w", ErrClosed)
	}
	out := make([]bool, len(recipients))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppressed)
		if b == nil {
			return nil
		}
		for i, r := range recipients {
			out[i] = r != "" && b.Get([]byte(r)) != nil
		}
		return nil
	})
	if err != nil {
		return nil, s.unavailable("suppressed", err)
	}
	return out, nil
}

// Suppressions implements decide.SuppressionList, in recipient order
// (byte order), from one read transaction.
func (s *Bolt) Suppressions(ctx context.Context, fn func(decide.Suppression) error) error {
	if s.closed.Load() {
		return fmt.Errorf("suppressions: %w", ErrClosed)
	}
	var fnErr error
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppressed)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			e, err := decodeSuppression(string(k), v)
			if err == nil {
				err = fn(e)
			}
			fnErr = err
			return err
		})
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return s.unavailable("suppressions", err)
	}
	return nil
}

// suppressedKey is the Redis hash of the suppression list.
func suppressedKey(ns string) string { return "{" + ns + "}:s" }

// Suppress implements decide.SuppressionList: HSETNX per entry, in one
// pipelined transaction.
func (s *Redis) Suppress(ctx context.Context, es []decide.Suppression) (int, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("suppress: %w", ErrClosed)
	}
	if err := validateSuppressions(es); err != nil {
		return 0, fmt.Errorf("suppress: %w", err)
	}
	key := suppressedKey(s.cfg.namespace)
	added := 0
	for len(es) > 0 {
		chunk := es[:min(len(es), readChunk)]
		es = es[len(chunk):]
		cmds, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, e := range chunk {
				p.HSetNX(ctx, key, e.Recipient, encodeSuppression(e))
			}
			return nil
		})
		if err != nil {
			return added, s.callError("suppress", ctx, err)
		}
		for _, c := range cmds {
			if c.(*redis.BoolCmd).Val() {
				added++
			}
		}
	}
	return added, nil
}

// Unsuppress implements decide.SuppressionList.
func (s *Redis) Unsuppress(ctx context.Context, recipients []string) (int, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("unsuppress: %w", ErrClosed)
	}
	key := suppressedKey(s.cfg.namespace)
	removed := 0
	for len(recipients) > 0 {
		chunk := recipients[:min(len(recipients), readChunk)]
		recipients = recipients[len(chunk):]
		n, err := s.client.HDel(ctx, key, chunk...).Result()
		if err != nil {
			return removed, s.callError("unsuppress", ctx, err)
		}
		removed += int(n)
	}
	return removed, nil
}

// Suppressed implements decide.SuppressionList.
func (s *Redis) Suppressed(ctx context.Context, recipients []string) ([]bool, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("suppressed: %w", ErrClosed)
	}
	key := suppressedKey(s.cfg.namespace)
	out := make([]bool, 0, len(recipients))
	for len(recipients) > 0 {
		chunk := recipients[:min(len(recipients), readChunk)]
		recipients = recipients[len(chunk):]
		vals, err := s.client.HMGet(ctx, key, chunk...).Result()
		if err != nil {
			return nil, s.callError("suppressed", ctx, err)
		}
		for _, v := range vals {
			out = append(out, v != nil)
		}
	}
	return out, nil
}

// Suppressions implements decide.SuppressionList with HSCAN: an entry
// added or removed while it runs may be seen or not, and Redis may return
// an entry twice while the hash is being resized, which fn is spared.
func (s *Redis) Suppressions(ctx context.Context, fn func(decide.Suppression) error) error {
	if s.closed.Load() {
		return fmt.Errorf("suppressions: %w", ErrClosed)
	}
	key := suppressedKey(s.cfg.namespace)
	seen := map[string]bool{}
	var cursor uint64
	for {
		kv, next, err := s.client.HScan(ctx, key, cursor, "", 1000).Result()
		if err != nil {
			return s.callError("suppressions", ctx, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if seen[kv[i]] {
				continue
			}
			seen[kv[i]] = true
			e, err := decodeSuppression(kv[i], []byte(kv[i+1]))
			if err == nil {
				err = fn(e)
			}
			if err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}
