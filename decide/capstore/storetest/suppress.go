package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// testSuppression: the suppression list keeps each recipient once, with
// its first entry; Suppressed and Suppressions see what Suppress added and
// Unsuppress removed; bad entries are refused whole.
func testSuppression(t *testing.T, open Opener) {
	s := open(t, Options{})
	ctx := context.Background()
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	want := func(ids []string, on ...bool) {
		t.Helper()
		got, err := s.Suppressed(ctx, ids)
		if err != nil {
			t.Fatalf("Suppressed(%q): %v", ids, err)
		}
		if !slices.Equal(got, on) {
			t.Errorf("Suppressed(%q) = %v, want %v", ids, got, on)
		}
	}
	want([]string{"u1", "u2"}, false, false)
	n, err := s.Suppress(ctx, []decide.Suppression{
		{Recipient: "u1", Time: at, Reason: "unsubscribe"},
		{Recipient: "ü 2|x", Time: at.Add(time.Hour), Reason: "manual"},
		{Recipient: "u1", Time: at.Add(time.Minute), Reason: "again in the same call"},
	})
	if err != nil || n != 2 {
		t.Fatalf("Suppress = %d, %v; want 2 added", n, err)
	}
	if n, err := s.Suppress(ctx, []decide.Suppression{{Recipient: "u1", Time: at.Add(24 * time.Hour), Reason: "later"}}); err != nil || n != 0 {
		t.Errorf("Suppress of a recipient already on the list = %d, %v; want 0 added", n, err)
	}
	want([]string{"u1", "u2", "ü 2|x", "u1"}, true, false, true, true)

	var list []decide.Suppression
	if err := s.Suppressions(ctx, func(e decide.Suppression) error { list = append(list, e); return nil }); err != nil {
		t.Fatalf("Suppressions: %v", err)
	}
	slices.SortFunc(list, func(a, b decide.Suppression) int { return cmpString(a.Recipient, b.Recipient) })
	wantList := []decide.Suppression{
		{Recipient: "u1", Time: at, Reason: "unsubscribe"},
		{Recipient: "ü 2|x", Time: at.Add(time.Hour), Reason: "manual"},
	}
	if len(list) != len(wantList) {
		t.Fatalf("Suppressions = %+v, want %+v", list, wantList)
	}
	for i := range list {
		if list[i].Recipient != wantList[i].Recipient || !list[i].Time.Equal(wantList[i].Time) || list[i].Reason != wantList[i].Reason {
			t.Errorf("Suppressions[%d] = %+v, want %+v (the first entry is kept)", i, list[i], wantList[i])
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.Suppressions(ctx, func(decide.Suppression) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Suppressions with fn failing = %v after %d calls, want fn's error after 1", err, calls)
	}

	if n, err := s.Unsuppress(ctx, []string{"u1", "u2"}); err != nil || n != 1 {
		t.Errorf("Unsuppress(u1, u2) = %d, %v; want 1 removed", n, err)
	}
	want([]string{"u1", "ü 2|x"}, false, true)
	if n, err := s.Suppress(ctx, []decide.Suppression{{Recipient: "u1", Time: at, Reason: "back"}}); err != nil || n != 1 {
		t.Errorf("Suppress after Unsuppress = %d, %v; want 1 added", n, err)
	}

	if _, err := s.Suppress(ctx, []decide.Suppression{{Recipient: "u9", Time: at}, {Recipient: "", Time: at}}); err == nil {
		t.Errorf("Suppress with an empty recipient = nil error, want one")
	}
	want([]string{"u9"}, false)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
