// Package storetest is the conformance suite of decide.Store: the behaviour
// every cap and ledger store must have, case by case, for a store of
// package capstore or of anyone else. It is what testing/fstest.TestFS is
// to an fs.FS:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, o storetest.Options) decide.Store {
//			return mystore.Open(t.TempDir(), mystore.Clock(o.Clock), mystore.Retention(o.Retention))
//		})
//	}
//
// The suite checks the ledger (Committed, Replayed, Exhausted, nothing of
// a refused reservation applied, records as bytes), the counters (limits,
// order within a batch, large batches, Add), time (UTC day, week and month
// windows by the engine's counter keys, expiry by the store's clock,
// retention past a window's end, one key under several deadlines), a total
// cap raced by 64 goroutines that must grant exactly its limit, and what a
// closed store does; and the suppression list (kept once per recipient,
// with its first entry; removed; listed). ReserveExact and CheckExact run the race across
// processes for a store that several share.
package storetest

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// Options are what the suite opens a store with.
type Options struct {
	// Clock is the store's clock, which the time tests move by hand; nil
	// means the store's own defaults (its clock, its retention).
	Clock func() time.Time
	// Retention, when Clock is set, is how long the store keeps a windowed
	// counter past its Expire (0: not at all). A store must not drop a
	// counter before Expire, and must drop it Retention after.
	Retention time.Duration
}

// Opener opens a fresh, empty store with o, or fails t. The suite closes
// every store it opens.
type Opener func(t *testing.T, o Options) decide.Store

// Run runs the whole suite against the stores open opens, each case in a
// subtest of its own.
func Run(t *testing.T, open Opener) {
	opener := func(t *testing.T, o Options) decide.Store {
		s := open(t, o)
		t.Cleanup(func() { s.Close() })
		return s
	}
	for _, c := range []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"CountsUnknown", testCountsUnknown},
		{"Committed", testCommitted},
		{"Replayed", testReplayed},
		{"Exhausted", testExhausted},
		{"SamePairInBatch", testSamePairInBatch},
		{"Limits", testLimits},
		{"BatchOrder", testBatchOrder},
		{"Expiry", testExpiry},
		{"Retention", testRetention},
		{"Windows", testWindows},
		{"Forms", testForms},
		{"Records", testRecords},
		{"Bytes", testBytes},
		{"LargeBatch", testLargeBatch},
		{"Add", testAdd},
		{"Invalid", testInvalid},
		{"Release", testRelease},
		{"Exact", testExact},
		{"Suppression", testSuppression},
		{"Closed", testClosed},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, opener) })
	}
}

// Reserve reserves rs in s and fails t unless the outcomes have the
// statuses want.
func Reserve(t testing.TB, s decide.Store, rs []decide.Reservation, want ...decide.Status) []decide.Outcome {
	t.Helper()
	out, err := s.Reserve(context.Background(), rs)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if got := statuses(out); !slices.Equal(got, want) {
		t.Fatalf("Reserve statuses = %v, want %v", got, want)
	}
	return out
}

// WantCounts fails t unless the counters keys of s hold want.
func WantCounts(t testing.TB, s decide.Store, keys []string, want ...int64) {
	t.Helper()
	got, err := s.Counts(context.Background(), keys)
	if err != nil {
		t.Fatalf("Counts(%q): %v", keys, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Counts(%q) = %v, want %v", keys, got, want)
	}
}

// WantRecords fails t unless the ledger of campaign in s holds want for
// recipients (nil: no entry).
func WantRecords(t testing.TB, s decide.Store, campaign string, recipients []string, want ...[]byte) {
	t.Helper()
	got, err := s.Records(context.Background(), campaign, recipients)
	if err != nil {
		t.Fatalf("Records(%q, %q): %v", campaign, recipients, err)
	}
	if len(got) != len(want) {
		t.Fatalf("Records(%q, %q) = %d entries, want %d", campaign, recipients, len(got), len(want))
	}
	for i := range want {
		if (got[i] == nil) != (want[i] == nil) || !bytes.Equal(got[i], want[i]) {
			t.Errorf("Records(%q, %q)[%d] = %q (nil %v), want %q (nil %v)",
				campaign, recipients, i, got[i], got[i] == nil, want[i], want[i] == nil)
		}
	}
}

// Clock is a store clock a test moves by hand; safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// t0 is the time the time tests start at.
var t0 = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

func counterOf(key string, limit, n int64) decide.Counter {
	return decide.Counter{Key: key, Limit: limit, N: n}
}

func reservation(campaign, recipient, record string, cs ...decide.Counter) decide.Reservation {
	return decide.Reservation{Campaign: campaign, Recipient: recipient, Record: []byte(record), Counters: cs}
}

func statuses(out []decide.Outcome) []decide.Status {
	s := make([]decide.Status, len(out))
	for i, o := range out {
		s[i] = o.Status
	}
	return s
}
