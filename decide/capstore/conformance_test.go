package capstore

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/offermail/offermail/decide"
)

// opener opens a fresh, empty store for one test; the store is closed
// when the test ends.
type opener func(t *testing.T, opts ...Option) decide.Store

func openMemory(t *testing.T, opts ...Option) decide.Store {
	s := NewMemory(opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

func openBolt(t *testing.T, opts ...Option) decide.Store {
	s, err := OpenBolt(filepath.Join(t.TempDir(), "caps.db"), opts...)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func redisOpener(srv *redisServer) opener {
	return func(t *testing.T, opts ...Option) decide.Store {
		s, err := OpenRedis(srv.url(t), opts...)
		if err != nil {
			t.Fatalf("OpenRedis: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestMemoryConformance(t *testing.T) { runConformance(t, openMemory) }

func TestBoltConformance(t *testing.T) { runConformance(t, openBolt) }

func TestRedisConformance(t *testing.T) { runConformance(t, redisOpener(startRedis(t))) }

// runConformance is the behaviour every store must have: decide.Store's
// contract, case by case.
func runConformance(t *testing.T, open opener) {
	t.Run("CountsUnknown", func(t *testing.T) { testCountsUnknown(t, open) })
	t.Run("Committed", func(t *testing.T) { testCommitted(t, open) })
	t.Run("Replayed", func(t *testing.T) { testReplayed(t, open) })
	t.Run("Exhausted", func(t *testing.T) { testExhausted(t, open) })
	t.Run("SamePairInBatch", func(t *testing.T) { testSamePairInBatch(t, open) })
	t.Run("Limits", func(t *testing.T) { testLimits(t, open) })
	t.Run("BatchOrder", func(t *testing.T) { testBatchOrder(t, open) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
	t.Run("Windows", func(t *testing.T) { testWindows(t, open) })
	t.Run("Forms", func(t *testing.T) { testForms(t, open) })
	t.Run("Records", func(t *testing.T) { testRecords(t, open) })
	t.Run("Bytes", func(t *testing.T) { testBytes(t, open) })
	t.Run("LargeBatch", func(t *testing.T) { testLargeBatch(t, open) })
	t.Run("Add", func(t *testing.T) { testAdd(t, open) })
	t.Run("Invalid", func(t *testing.T) { testInvalid(t, open) })
	t.Run("Exact", func(t *testing.T) { testExact(t, open) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, open) })
}

// mustReserve reserves rs and checks the statuses.
func mustReserve(t *testing.T, s decide.Store, rs []decide.Reservation, want ...decide.Status) []decide.Outcome {
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

func wantCounts(t *testing.T, s decide.Store, keys []string, want ...int64) {
	t.Helper()
	got, err := s.Counts(context.Background(), keys)
	if err != nil {
		t.Fatalf("Counts(%q): %v", keys, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Counts(%q) = %v, want %v", keys, got, want)
	}
}

func wantRecords(t *testing.T, s decide.Store, campaign string, recipients []string, want ...[]byte) {
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

func testCountsUnknown(t *testing.T, open opener) {
	s := open(t)
	wantCounts(t, s, []string{"cap|x|total|all|*|*", "never"}, 0, 0)
	wantCounts(t, s, nil)
}

func testCommitted(t *testing.T, open opener) {
	s := open(t)
	rs := []decide.Reservation{reservation("c1", "u1", "rec-u1", counterOf("a", 10, 1), counterOf("b", 10, 3))}
	out := mustReserve(t, s, rs, decide.Committed)
	if out[0].Record != nil || out[0].Exhausted != nil {
		t.Errorf("Reserve = %+v, want a bare Committed", out[0])
	}
	wantCounts(t, s, []string{"a", "b"}, 1, 3)
	wantRecords(t, s, "c1", []string{"u1"}, []byte("rec-u1"))
}

func testReplayed(t *testing.T, open opener) {
	s := open(t)
	mustReserve(t, s, []decide.Reservation{reservation("c1", "u1", "first", counterOf("a", 10, 1))}, decide.Committed)
	// The same pair with other counters and another record: the first
	// decision stands and nothing is counted.
	again := []decide.Reservation{reservation("c1", "u1", "second", counterOf("a", 10, 1), counterOf("b", 10, 1))}
	out := mustReserve(t, s, again, decide.Replayed)
	if string(out[0].Record) != "first" {
		t.Errorf("Reserve replayed record = %q, want %q", out[0].Record, "first")
	}
	wantCounts(t, s, []string{"a", "b"}, 1, 0)
	wantRecords(t, s, "c1", []string{"u1"}, []byte("first"))

	// An empty record is still a record.
	mustReserve(t, s, []decide.Reservation{reservation("c1", "u2", "")}, decide.Committed)
	out = mustReserve(t, s, []decide.Reservation{reservation("c1", "u2", "x")}, decide.Replayed)
	if out[0].Record == nil || len(out[0].Record) != 0 {
		t.Errorf("Reserve replayed empty record = %q (nil %v), want empty and not nil", out[0].Record, out[0].Record == nil)
	}
	// Another campaign is another ledger.
	mustReserve(t, s, []decide.Reservation{reservation("c2", "u1", "c2", counterOf("a", 10, 1))}, decide.Committed)
	wantCounts(t, s, []string{"a"}, 2)
}

func testExhausted(t *testing.T, open opener) {
	s := open(t)
	mustReserve(t, s, []decide.Reservation{reservation("c", "u1", "r1", counterOf("a", 1, 1), counterOf("c", 1, 1))}, decide.Committed)
	// b has room, a and c do not: nothing of u2 is counted or recorded,
	// and the refusing keys come back in the reservation's order.
	u2 := reservation("c", "u2", "r2", counterOf("c", 1, 1), counterOf("b", 5, 1), counterOf("a", 1, 1))
	out := mustReserve(t, s, []decide.Reservation{u2}, decide.Exhausted)
	if want := []string{"c", "a"}; !slices.Equal(out[0].Exhausted, want) {
		t.Errorf("Reserve exhausted keys = %q, want %q", out[0].Exhausted, want)
	}
	wantCounts(t, s, []string{"a", "b", "c"}, 1, 0, 1)
	wantRecords(t, s, "c", []string{"u2"}, nil)
	// Exhausted is not remembered: with room, the pair commits.
	u2.Counters = u2.Counters[1:2]
	mustReserve(t, s, []decide.Reservation{u2}, decide.Committed)
	wantCounts(t, s, []string{"b"}, 1)
}

func testSamePairInBatch(t *testing.T, open opener) {
	s := open(t)
	rs := []decide.Reservation{
		reservation("c", "u1", "A", counterOf("a", 10, 1)),
		reservation("c", "u1", "B", counterOf("a", 10, 1)),
	}
	out := mustReserve(t, s, rs, decide.Committed, decide.Replayed)
	if string(out[1].Record) != "A" {
		t.Errorf("Reserve second record = %q, want %q", out[1].Record, "A")
	}
	wantCounts(t, s, []string{"a"}, 1)
}

func testRecords(t *testing.T, open opener) {
	s := open(t)
	mustReserve(t, s, []decide.Reservation{
		reservation("c", "u1", "one"),
		reservation("c", "u3", "three"),
		reservation("other", "u2", "elsewhere"),
	}, decide.Committed, decide.Committed, decide.Committed)
	wantRecords(t, s, "c", []string{"u1", "u2", "u3", "u1"}, []byte("one"), nil, []byte("three"), []byte("one"))
	wantRecords(t, s, "none", []string{"u1"}, nil)
	wantRecords(t, s, "c", nil)
}

func testInvalid(t *testing.T, open opener) {
	s := open(t)
	tests := []struct {
		name string
		r    decide.Reservation
	}{
		{"empty campaign", reservation("", "u", "r")},
		{"empty recipient", reservation("c", "", "r")},
		{"empty key", reservation("c", "u", "r", counterOf("", 1, 1))},
		{"zero increment", reservation("c", "u", "r", counterOf("k", 1, 0))},
	}
	for _, tt := range tests {
		good := reservation("c", "good", "r", counterOf("k", 10, 1))
		out, err := s.Reserve(context.Background(), []decide.Reservation{good, tt.r})
		if err == nil {
			t.Errorf("%s: Reserve = %v, want an error", tt.name, statuses(out))
		}
	}
	// A refused batch applies nothing, not even its valid reservations.
	wantCounts(t, s, []string{"k"}, 0)
	wantRecords(t, s, "c", []string{"good"}, nil)
	if err := s.Add(context.Background(), []decide.Delta{{Key: "", N: 1}}); err == nil {
		t.Errorf("Add(empty key) = nil, want an error")
	}
}

func testClosed(t *testing.T, open opener) {
	s := open(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	if _, err := s.Reserve(ctx, []decide.Reservation{reservation("c", "u", "r")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Reserve after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Counts(ctx, []string{"k"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Counts after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Records(ctx, "c", []string{"u"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Records after Close = %v, want ErrClosed", err)
	}
	if err := s.Add(ctx, []decide.Delta{{Key: "k", N: 1}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}
