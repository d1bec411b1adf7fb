package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// The time side of the suite: cap windows, expiry by the
// store's clock, and retention.

// testWindows crosses the end of a day, a week (Saturday to Sunday) and a
// month with a frozen clock, making keys the way the engine does.
func testWindows(t *testing.T, open Opener) {
	tests := []struct {
		name          string
		every         decide.Every
		before, after time.Time
	}{
		{"day", decide.EveryDay,
			time.Date(2026, 6, 15, 23, 59, 59, 0, time.UTC), time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC)},
		{"week", decide.EveryWeek, // 2026-06-20 is a Saturday
			time.Date(2026, 6, 20, 23, 59, 59, 0, time.UTC), time.Date(2026, 6, 21, 0, 0, 0, 0, time.UTC)},
		{"month", decide.EveryMonth,
			time.Date(2026, 1, 31, 23, 59, 59, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(tt.before)
			s := open(t, Options{Clock: clock.Now, Retention: 24 * time.Hour})
			total := decide.Cap{Scope: decide.ScopeTotal, Limit: 2, Every: tt.every}
			profile := decide.Cap{Scope: decide.ScopeProfile, Limit: 1, Every: tt.every}
			// counters is what a decision at now increments for u.
			counters := func(u string, now time.Time) []decide.Counter {
				var cs []decide.Counter
				for _, c := range []decide.Cap{total, profile} {
					key, expire := decide.CounterKey(c, "offer", "hero", u, now)
					cs = append(cs, decide.Counter{Key: key, Limit: c.Limit, N: 1, Expire: expire})
				}
				return cs
			}
			reserve := func(campaign, u string, now time.Time, want decide.Status) {
				t.Helper()
				r := decide.Reservation{Campaign: campaign, Recipient: u, Record: []byte(u), Counters: counters(u, now)}
				out, err := s.Reserve(context.Background(), []decide.Reservation{r})
				if err != nil {
					t.Fatalf("Reserve(%s at %s): %v", u, now, err)
				}
				if out[0].Status != want {
					t.Errorf("Reserve(%s in %s at %s) = %v, want %v", u, campaign, now, out[0].Status, want)
				}
			}

			reserve("first", "u1", tt.before, decide.Committed)
			reserve("first", "u2", tt.before, decide.Committed)
			reserve("first", "u3", tt.before, decide.Exhausted)
			oldTotal, oldEnd := decide.CounterKey(total, "offer", "hero", "u1", tt.before)
			if !oldEnd.Equal(tt.after) {
				t.Fatalf("CounterKey(%s) ends %s, want %s", tt.before, oldEnd, tt.after)
			}

			clock.Set(tt.after)
			newTotal, _ := decide.CounterKey(total, "offer", "hero", "u1", tt.after)
			newProfile, _ := decide.CounterKey(profile, "offer", "hero", "u1", tt.after)
			if newTotal == oldTotal {
				t.Fatalf("CounterKey at %s and %s = %q for both", tt.before, tt.after, newTotal)
			}
			WantCounts(t, s, []string{newTotal, newProfile}, 0, 0)
			// A run whose decision time stayed before the boundary keeps
			// counting in its own window, which is still full.
			WantCounts(t, s, []string{oldTotal}, 2)
			reserve("first", "u3", tt.before, decide.Exhausted)

			// The new window starts from 0, for totals and per recipient.
			reserve("second", "u1", tt.after, decide.Committed)
			reserve("second", "u3", tt.after, decide.Committed)
			reserve("second", "u4", tt.after, decide.Exhausted)
			reserve("third", "u1", tt.after, decide.Exhausted)
			WantCounts(t, s, []string{newTotal, newProfile}, 2, 1)
		})
	}
}

func testExpiry(t *testing.T, open Opener) {
	clock := NewClock(t0)
	s := open(t, Options{Clock: clock.Now, Retention: 0})
	day := decide.Counter{Key: "day", Limit: 1, N: 1, Expire: t0.Add(time.Hour)}
	Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r", day)}, decide.Committed)
	Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r", day)}, decide.Exhausted)
	WantCounts(t, s, []string{"day"}, 1)

	clock.Set(t0.Add(time.Hour))
	WantCounts(t, s, []string{"day"}, 0)
	Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r", day)}, decide.Committed)
	Reserve(t, s, []decide.Reservation{reservation("c", "u3", "r", day)}, decide.Committed)
	// With no retention, a counter whose Expire is already past never
	// holds anything: it reads as 0 and counts again and again.
	WantCounts(t, s, []string{"day"}, 0)

	// A lifetime counter never expires.
	life := counterOf("life", 1, 1)
	Reserve(t, s, []decide.Reservation{reservation("c", "u4", "r", life)}, decide.Committed)
	clock.Set(t0.AddDate(10, 0, 0))
	WantCounts(t, s, []string{"life"}, 1)
	Reserve(t, s, []decide.Reservation{reservation("c", "u5", "r", life)}, decide.Exhausted)
}

func testRetention(t *testing.T, open Opener) {
	clock := NewClock(t0)
	s := open(t, Options{Clock: clock.Now, Retention: time.Hour})
	end := t0.Add(10 * time.Minute)
	w := decide.Counter{Key: "w", Limit: 1, N: 1, Expire: end}
	Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r", w)}, decide.Committed)

	// Past the window's end but within retention the counter still holds.
	clock.Set(end.Add(59 * time.Minute))
	WantCounts(t, s, []string{"w"}, 1)
	Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r", w)}, decide.Exhausted)
	clock.Set(end.Add(time.Hour))
	WantCounts(t, s, []string{"w"}, 0)
	Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r", w)}, decide.Committed)

	// Written after its window ended (a run with a decision time in the
	// past): kept for the retention from the write on.
	late := t0.Add(48 * time.Hour)
	clock.Set(late)
	old := decide.Counter{Key: "old", Limit: 1, N: 1, Expire: t0}
	Reserve(t, s, []decide.Reservation{reservation("c", "u3", "r", old)}, decide.Committed)
	clock.Set(late.Add(30 * time.Minute))
	Reserve(t, s, []decide.Reservation{reservation("c", "u4", "r", old)}, decide.Exhausted)
	clock.Set(late.Add(time.Hour))
	WantCounts(t, s, []string{"old"}, 0)
}

// testForms: one key given different Expires is still one counter. Its
// deadline only grows, and once any caller treats it as a lifetime counter
// it is never dropped. The Expires are days apart, so that the Redis store
// keeps them in different windows.
func testForms(t *testing.T, open Opener) {
	clock := NewClock(t0)
	s := open(t, Options{Clock: clock.Now, Retention: time.Hour})
	soon, later := t0.Add(time.Hour), t0.Add(72*time.Hour)
	at := func(key string, limit int64, expire time.Time) decide.Counter {
		return decide.Counter{Key: key, Limit: limit, N: 1, Expire: expire}
	}

	// Windowed, then windowed with a later Expire: the deadline grows.
	Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r", at("k", 10, soon))}, decide.Committed)
	Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r", at("k", 10, later))}, decide.Committed)
	clock.Set(soon.Add(2 * time.Hour))
	WantCounts(t, s, []string{"k"}, 2)
	// Then as a lifetime counter: it is one from now on.
	Reserve(t, s, []decide.Reservation{reservation("c", "u3", "r", counterOf("k", 3, 1))}, decide.Committed)
	Reserve(t, s, []decide.Reservation{reservation("c", "u4", "r", at("k", 3, soon))}, decide.Exhausted)
	clock.Set(later.AddDate(1, 0, 0))
	WantCounts(t, s, []string{"k"}, 3)

	// Lifetime first: a windowed reservation counts on and keeps it.
	clock.Set(t0)
	if err := s.Add(context.Background(), []decide.Delta{{Key: "life", N: 5}}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	Reserve(t, s, []decide.Reservation{reservation("c", "u5", "r", at("life", 6, soon))}, decide.Committed)
	clock.Set(later.AddDate(1, 0, 0))
	WantCounts(t, s, []string{"life"}, 6)
	Reserve(t, s, []decide.Reservation{reservation("c", "u6", "r", at("life", 6, later.AddDate(1, 0, 0)))}, decide.Exhausted)

	// Add keeps a windowed counter's deadline.
	clock.Set(t0)
	Reserve(t, s, []decide.Reservation{reservation("c", "u7", "r", at("w", 10, later))}, decide.Committed)
	if err := s.Add(context.Background(), []decide.Delta{{Key: "w", N: 2}}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	clock.Set(later.Add(59 * time.Minute))
	WantCounts(t, s, []string{"w"}, 3)
	clock.Set(later.Add(time.Hour))
	WantCounts(t, s, []string{"w"}, 0)

	// Within one reservation and one batch the same holds.
	clock.Set(t0)
	Reserve(t, s, []decide.Reservation{
		reservation("c", "u8", "r", at("b", 10, soon), at("b", 10, later)),
		reservation("c", "u9", "r", at("b", 10, soon), counterOf("b", 10, 1)),
	}, decide.Committed, decide.Committed)
	clock.Set(later.AddDate(1, 0, 0))
	WantCounts(t, s, []string{"b"}, 4)
}
