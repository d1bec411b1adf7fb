package capstore

import (
	"context"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// testWindows crosses the end of a day, a week (Saturday to Sunday) and a
// month with a frozen clock, making keys the way the engine does.
func testWindows(t *testing.T, open opener) {
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
			clock := newClock(tt.before)
			s := open(t, WithClock(clock.Now))
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
			wantCounts(t, s, []string{newTotal, newProfile}, 0, 0)
			// A run whose decision time stayed before the boundary keeps
			// counting in its own window, which is still full.
			wantCounts(t, s, []string{oldTotal}, 2)
			reserve("first", "u3", tt.before, decide.Exhausted)

			// The new window starts from 0, for totals and per recipient.
			reserve("second", "u1", tt.after, decide.Committed)
			reserve("second", "u3", tt.after, decide.Committed)
			reserve("second", "u4", tt.after, decide.Exhausted)
			reserve("third", "u1", tt.after, decide.Exhausted)
			wantCounts(t, s, []string{newTotal, newProfile}, 2, 1)
		})
	}
}
