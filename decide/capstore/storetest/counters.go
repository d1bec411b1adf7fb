package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/offermail/offermail/decide"
)

// The counter side of the suite: limits, order within a
// batch, sizes, and Add.

func testLimits(t *testing.T, open Opener) {
	tests := []struct {
		name         string
		start, n     int64
		limit        int64
		want         decide.Status
		wantAfterRun int64
	}{
		{"zero limit", 0, 1, 0, decide.Exhausted, 0},
		{"first of one", 0, 1, 1, decide.Committed, 1},
		{"reaches limit", 2, 1, 3, decide.Committed, 3},
		{"passes limit", 3, 1, 3, decide.Exhausted, 3},
		{"N reaches limit", 1, 2, 3, decide.Committed, 3},
		{"N passes limit", 2, 2, 3, decide.Exhausted, 2},
		{"N from zero to limit", 0, 3, 3, decide.Committed, 3},
		{"negative limit", 0, 1, -1, decide.Exhausted, 0},
	}
	s := open(t, Options{})
	for i, tt := range tests {
		key := "k" + tt.name
		if tt.start > 0 {
			if err := s.Add(context.Background(), []decide.Delta{{Key: key, N: tt.start}}); err != nil {
				t.Fatalf("Add: %v", err)
			}
		}
		r := reservation("c", string(rune('a'+i)), "r", counterOf(key, tt.limit, tt.n))
		out, err := s.Reserve(context.Background(), []decide.Reservation{r})
		if err != nil {
			t.Fatalf("%s: Reserve: %v", tt.name, err)
		}
		if out[0].Status != tt.want {
			t.Errorf("%s: Reserve(value %d, N %d, limit %d) = %v, want %v", tt.name, tt.start, tt.n, tt.limit, out[0].Status, tt.want)
		}
		WantCounts(t, s, []string{key}, tt.wantAfterRun)
	}

	// Entries of one key in one reservation add up against each limit.
	Reserve(t, s, []decide.Reservation{reservation("c", "dup1", "r", counterOf("d", 2, 1), counterOf("d", 2, 1))}, decide.Committed)
	out := Reserve(t, s, []decide.Reservation{reservation("c", "dup2", "r", counterOf("d", 3, 1), counterOf("d", 3, 1))}, decide.Exhausted)
	if want := []string{"d"}; !slices.Equal(out[0].Exhausted, want) {
		t.Errorf("Reserve exhausted keys = %q, want %q", out[0].Exhausted, want)
	}
	WantCounts(t, s, []string{"d"}, 2)
}

func testBatchOrder(t *testing.T, open Opener) {
	s := open(t, Options{})
	var rs []decide.Reservation
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		rs = append(rs, reservation("c", u, u, counterOf("total", 2, 1), counterOf("p|"+u, 1, 1)))
	}
	// Earlier reservations of a batch have the room first.
	Reserve(t, s, rs, decide.Committed, decide.Committed, decide.Exhausted, decide.Exhausted)
	WantCounts(t, s, []string{"total", "p|u1", "p|u2", "p|u3"}, 2, 1, 1, 0)
	WantRecords(t, s, "c", []string{"u1", "u2", "u3", "u4"}, []byte("u1"), []byte("u2"), nil, nil)
}

// testLargeBatch: a call much larger than any internal batch or script
// call is still applied in order, each reservation on its own.
func testLargeBatch(t *testing.T, open Opener) {
	s := open(t, Options{})
	const n, limit = 5000, 4200
	rs := make([]decide.Reservation, n)
	want := make([]decide.Status, n)
	for i := range rs {
		u := fmt.Sprintf("u%05d", i)
		rs[i] = reservation("c", u, u, counterOf("total", limit, 1), counterOf("p|"+u, 1, 1))
		want[i] = decide.Committed
		if i >= limit {
			want[i] = decide.Exhausted
		}
	}
	// A pair seen early and again past the limit comes back Replayed.
	rs[4500] = reservation("c", "u00010", "again", counterOf("total", limit, 1))
	want[4500] = decide.Replayed
	out := Reserve(t, s, rs, want...)
	if string(out[4500].Record) != "u00010" {
		t.Errorf("Reserve replayed record = %q, want %q", out[4500].Record, "u00010")
	}
	WantCounts(t, s, []string{"total", "p|u04199", "p|u04200"}, limit, 1, 0)
}

// testBytes: records and ids are bytes, whatever they hold.
func testBytes(t *testing.T, open Opener) {
	s := open(t, Options{})
	records := [][]byte{
		{},
		{0, 0xff, '\r', '\n', ':'},
		bytes.Repeat([]byte{'a'}, 31),
		bytes.Repeat([]byte{'b'}, 32),
		bytes.Repeat([]byte{0, 1, 2, 3}, 20000),
	}
	ids := []string{"plain", "with space", "ünïcode", "{brace}", "a|b:c"}
	var rs []decide.Reservation
	for i, rec := range records {
		rs = append(rs, decide.Reservation{Campaign: "{camp}", Recipient: ids[i], Record: rec,
			Counters: []decide.Counter{counterOf("k|"+ids[i], 1, 1)}})
	}
	Reserve(t, s, rs, decide.Committed, decide.Committed, decide.Committed, decide.Committed, decide.Committed)
	WantRecords(t, s, "{camp}", ids, records...)
	WantCounts(t, s, []string{"k|plain", "k|{brace}", "k|a|b:c"}, 1, 1, 1)
	out := Reserve(t, s, rs[4:], decide.Replayed)
	if !bytes.Equal(out[0].Record, records[4]) {
		t.Errorf("Reserve replayed a record of %d bytes, want the %d recorded", len(out[0].Record), len(records[4]))
	}

	// Large limits and increments.
	big := []decide.Reservation{reservation("c", "big", "r", counterOf("big", 1<<50, 1<<49), counterOf("big", 1<<50, 1<<49))}
	Reserve(t, s, big, decide.Committed)
	WantCounts(t, s, []string{"big"}, 1<<50)
}

func testAdd(t *testing.T, open Opener) {
	s := open(t, Options{})
	deltas := []decide.Delta{{Key: "fb|impression|o|p", N: 5}, {Key: "fb|click|o|p", N: 1}, {Key: "fb|impression|o|p", N: 2}}
	if err := s.Add(context.Background(), deltas); err != nil {
		t.Fatalf("Add: %v", err)
	}
	WantCounts(t, s, []string{"fb|impression|o|p", "fb|click|o|p"}, 7, 1)
	// Add ignores limits, and a reservation sees what Add counted.
	Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r", counterOf("fb|click|o|p", 1, 1))}, decide.Exhausted)
	if err := s.Add(context.Background(), []decide.Delta{{Key: "fb|click|o|p", N: 10}}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	WantCounts(t, s, []string{"fb|click|o|p"}, 11)
	WantRecords(t, s, "c", []string{"u1"}, nil)
}
