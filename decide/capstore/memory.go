package capstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/offermail/offermail/decide"
)

// Memory is a store held in memory, for tests and dry runs. One mutex makes
// every call atomic, so it is exact under any concurrency within a process;
// it is not shared between processes and is lost on exit.
type Memory struct {
	cfg config

	mu         sync.Mutex
	closed     bool
	counters   map[string]counter
	ledger     map[string]map[string][]byte // campaign → recipient → record
	suppressed map[string][]byte            // recipient → encoded entry
}

var _ decide.Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store. It honours WithClock and
// WithRetention.
func NewMemory(opts ...Option) *Memory {
	return &Memory{
		cfg:        newConfig(opts),
		counters:   make(map[string]counter),
		ledger:     make(map[string]map[string][]byte),
		suppressed: make(map[string][]byte),
	}
}

// Counts implements decide.Store.
func (m *Memory) Counts(ctx context.Context, keys []string) ([]int64, error) {
	now := m.cfg.nowMillis()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("counts: %w", ErrClosed)
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		c, ok := m.counters[k]
		out[i] = readCount(c, ok, now)
	}
	return out, nil
}

// Reserve implements decide.Store.
func (m *Memory) Reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	if err := validate(rs); err != nil {
		return nil, fmt.Errorf("reserve: %w", err)
	}
	now := m.cfg.nowMillis()
	out := make([]decide.Outcome, len(rs))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("reserve: %w", ErrClosed)
	}
	if err := applyBatch(memTxn{m}, rs, now, m.cfg.retain.Milliseconds(), out); err != nil {
		return nil, fmt.Errorf("reserve: %w", err)
	}
	return out, nil
}

// Records implements decide.Store.
func (m *Memory) Records(ctx context.Context, campaign string, recipients []string) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("records: %w", ErrClosed)
	}
	out := make([][]byte, len(recipients))
	byRecipient := m.ledger[campaign]
	for i, r := range recipients {
		if rec, ok := byRecipient[r]; ok {
			out[i] = append([]byte{}, rec...)
		}
	}
	return out, nil
}

// Add implements decide.Store.
func (m *Memory) Add(ctx context.Context, deltas []decide.Delta) error {
	if err := validateDeltas(deltas); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	now := m.cfg.nowMillis()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("add: %w", ErrClosed)
	}
	for _, d := range deltas {
		// memTxn never fails.
		_ = applyDelta(memTxn{m}, d.Key, d.N, now)
	}
	return nil
}

// Close implements decide.Store. The contents are dropped.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.counters, m.ledger, m.suppressed = nil, nil, nil
	return nil
}

// memTxn applies a batch to the maps; the caller holds the mutex, which is
// what makes the batch atomic.
type memTxn struct{ m *Memory }

func (t memTxn) record(campaign, recipient string) ([]byte, bool, error) {
	rec, ok := t.m.ledger[campaign][recipient]
	return rec, ok, nil
}

func (t memTxn) putRecord(campaign, recipient string, rec []byte) error {
	byRecipient := t.m.ledger[campaign]
	if byRecipient == nil {
		byRecipient = make(map[string][]byte)
		t.m.ledger[campaign] = byRecipient
	}
	// The caller owns rec and may reuse it once Reserve returns.
	byRecipient[recipient] = append([]byte{}, rec...)
	return nil
}

func (t memTxn) counter(key string) (counter, bool, error) {
	c, ok := t.m.counters[key]
	return c, ok, nil
}

func (t memTxn) putCounter(key string, c counter) error {
	t.m.counters[key] = c
	return nil
}
