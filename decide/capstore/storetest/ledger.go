package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/offermail/offermail/decide"
)

// The ledger side of the suite: what Reserve does with one pair, records,
// invalid reservations, and a closed store.

func testCountsUnknown(t *testing.T, open Opener) {
	s := open(t, Options{})
	WantCounts(t, s, []string{"cap|x|total|all|*|*", "never"}, 0, 0)
	WantCounts(t, s, nil)
}

func testCommitted(t *testing.T, open Opener) {
	s := open(t, Options{})
	rs := []decide.Reservation{reservation("c1", "u1", "rec-u1", counterOf("a", 10, 1), counterOf("b", 10, 3))}
	out := Reserve(t, s, rs, decide.Committed)
	if out[0].Record != nil || out[0].Exhausted != nil {
		t.Errorf("Reserve = %+v, want a bare Committed", out[0])
	}
	WantCounts(t, s, []string{"a", "b"}, 1, 3)
	WantRecords(t, s, "c1", []string{"u1"}, []byte("rec-u1"))
}

func testReplayed(t *testing.T, open Opener) {
	s := open(t, Options{})
	Reserve(t, s, []decide.Reservation{reservation("c1", "u1", "first", counterOf("a", 10, 1))}, decide.Committed)
	// The same pair with other counters and another record: the first
	// decision stands and nothing is counted.
	again := []decide.Reservation{reservation("c1", "u1", "second", counterOf("a", 10, 1), counterOf("b", 10, 1))}
	out := Reserve(t, s, again, decide.Replayed)
	if string(out[0].Record) != "first" {
		t.Errorf("Reserve replayed record = %q, want %q", out[0].Record, "first")
	}
	WantCounts(t, s, []string{"a", "b"}, 1, 0)
	WantRecords(t, s, "c1", []string{"u1"}, []byte("first"))

	// An empty record is still a record.
	Reserve(t, s, []decide.Reservation{reservation("c1", "u2", "")}, decide.Committed)
	out = Reserve(t, s, []decide.Reservation{reservation("c1", "u2", "x")}, decide.Replayed)
	if out[0].Record == nil || len(out[0].Record) != 0 {
		t.Errorf("Reserve replayed empty record = %q (nil %v), want empty and not nil", out[0].Record, out[0].Record == nil)
	}
	// Another campaign is another ledger.
	Reserve(t, s, []decide.Reservation{reservation("c2", "u1", "c2", counterOf("a", 10, 1))}, decide.Committed)
	WantCounts(t, s, []string{"a"}, 2)
}

func testExhausted(t *testing.T, open Opener) {
	s := open(t, Options{})
	Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r1", counterOf("a", 1, 1), counterOf("c", 1, 1))}, decide.Committed)
	// b has room, a and c do not: nothing of u2 is counted or recorded,
	// and the refusing keys come back in the reservation's order.
	u2 := reservation("c", "u2", "r2", counterOf("c", 1, 1), counterOf("b", 5, 1), counterOf("a", 1, 1))
	out := Reserve(t, s, []decide.Reservation{u2}, decide.Exhausted)
	if want := []string{"c", "a"}; !slices.Equal(out[0].Exhausted, want) {
		t.Errorf("Reserve exhausted keys = %q, want %q", out[0].Exhausted, want)
	}
	WantCounts(t, s, []string{"a", "b", "c"}, 1, 0, 1)
	WantRecords(t, s, "c", []string{"u2"}, nil)
	// Exhausted is not remembered: with room, the pair commits.
	u2.Counters = u2.Counters[1:2]
	Reserve(t, s, []decide.Reservation{u2}, decide.Committed)
	WantCounts(t, s, []string{"b"}, 1)
}

func testSamePairInBatch(t *testing.T, open Opener) {
	s := open(t, Options{})
	rs := []decide.Reservation{
		reservation("c", "u1", "A", counterOf("a", 10, 1)),
		reservation("c", "u1", "B", counterOf("a", 10, 1)),
	}
	out := Reserve(t, s, rs, decide.Committed, decide.Replayed)
	if string(out[1].Record) != "A" {
		t.Errorf("Reserve second record = %q, want %q", out[1].Record, "A")
	}
	WantCounts(t, s, []string{"a"}, 1)
}

func testRecords(t *testing.T, open Opener) {
	s := open(t, Options{})
	Reserve(t, s, []decide.Reservation{
		reservation("c", "u1", "one"),
		reservation("c", "u3", "three"),
		reservation("other", "u2", "elsewhere"),
	}, decide.Committed, decide.Committed, decide.Committed)
	WantRecords(t, s, "c", []string{"u1", "u2", "u3", "u1"}, []byte("one"), nil, []byte("three"), []byte("one"))
	WantRecords(t, s, "none", []string{"u1"}, nil)
	WantRecords(t, s, "c", nil)
}

func testInvalid(t *testing.T, open Opener) {
	s := open(t, Options{})
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
	WantCounts(t, s, []string{"k"}, 0)
	WantRecords(t, s, "c", []string{"good"}, nil)
	if err := s.Add(context.Background(), []decide.Delta{{Key: "", N: 1}}); err == nil {
		t.Errorf("Add(empty key) = nil, want an error")
	}
}

func testClosed(t *testing.T, open Opener) {
	s := open(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	if _, err := s.Reserve(ctx, []decide.Reservation{reservation("c", "u", "r")}); err == nil {
		t.Errorf("Reserve after Close = nil, want an error")
	}
	if _, err := s.Counts(ctx, []string{"k"}); err == nil {
		t.Errorf("Counts after Close = nil, want an error")
	}
	if _, err := s.Records(ctx, "c", []string{"u"}); err == nil {
		t.Errorf("Records after Close = nil, want an error")
	}
	if err := s.Add(ctx, []decide.Delta{{Key: "k", N: 1}}); err == nil {
		t.Errorf("Add after Close = nil, want an error")
	}
	if _, err := s.Suppressed(ctx, []string{"u"}); err == nil {
		t.Errorf("Suppressed after Close = nil, want an error")
	}
	if _, err := s.Suppress(ctx, []decide.Suppression{{Recipient: "u"}}); err == nil {
		t.Errorf("Suppress after Close = nil, want an error")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

// testRelease: a release (decide.ReleaseLedger) gives counters back once,
// never below 0, and negative increments are a release's only.
func testRelease(t *testing.T, open Opener) {
	s := open(t, Options{})
	Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r1", counterOf("a", 2, 1), counterOf("b", 5, 2))}, decide.Committed)
	Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r2", counterOf("a", 2, 1))}, decide.Committed)
	Reserve(t, s, []decide.Reservation{reservation("c", "u3", "r3", counterOf("a", 2, 1))}, decide.Exhausted)

	rel := decide.ReleaseLedger("c")
	back := reservation(rel, "u1", "", counterOf("a", 2, -1), counterOf("b", 5, -2))
	Reserve(t, s, []decide.Reservation{back}, decide.Committed)
	WantCounts(t, s, []string{"a", "b"}, 1, 0)
	// Done again (a resumed run), it counts nothing.
	Reserve(t, s, []decide.Reservation{back}, decide.Replayed)
	WantCounts(t, s, []string{"a", "b"}, 1, 0)
	// The room it gave back is taken by the next recipient.
	Reserve(t, s, []decide.Reservation{reservation("c", "u3", "r3", counterOf("a", 2, 1))}, decide.Committed)
	WantCounts(t, s, []string{"a"}, 2)

	// Below 0 is refused like a passed limit: nothing of it is applied.
	over := reservation(rel, "u2", "", counterOf("a", 2, -1), counterOf("b", 5, -1))
	out := Reserve(t, s, []decide.Reservation{over}, decide.Exhausted)
	if !slices.Equal(out[0].Exhausted, []string{"b"}) {
		t.Errorf("release below 0: refused %q, want [b]", out[0].Exhausted)
	}
	WantCounts(t, s, []string{"a", "b"}, 2, 0)
	WantRecords(t, s, rel, []string{"u1", "u2"}, []byte{}, nil)

	// Outside a release ledger a negative increment is invalid.
	if out, err := s.Reserve(context.Background(), []decide.Reservation{reservation("c", "u4", "r", counterOf("a", 2, -1))}); err == nil {
		t.Errorf("negative increment outside a release: Reserve = %v, want an error", statuses(out))
	}
	WantCounts(t, s, []string{"a"}, 2)
}
