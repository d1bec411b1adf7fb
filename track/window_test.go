package track

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
)

// windowLibrary ranks one collection by a model with a 7-day window and,
// in another activity, by one the library does not list (all time).
const windowLibrary = `placements:
  - {id: hero, content: html}
models:
  - {id: week, window: 7d}
offers:
  - {id: a, content: {hero: {html: A}}}
  - {id: b, content: {hero: {html: B}}}
collections:
  - {id: all, offers: [a, b]}
fallbacks:
  - {id: fb, content: {hero: {html: F}}}
activities:
  - {id: recent, fallback: fb, placements: {hero: {criteria: [{collection: all, rank: 'model:week'}]}}}
  - {id: ever, fallback: fb, placements: {hero: {criteria: [{collection: all, rank: 'model:ever'}]}}}
`

// TestModelWindow, on bbolt and on a real Redis: events recorded on
// several UTC days by event time; a model with a 7-day window sums the
// days ending with the decision time's, a model without one all of them.
func TestModelWindow(t *testing.T) {
	lib, err := decide.LoadFiles([]decide.File{{Name: "lib.yaml", Data: []byte(windowLibrary)}})
	if err != nil {
		t.Fatal(err)
	}
	if m := lib.Model("week"); m == nil || m.Window != 7 {
		t.Fatalf("model week = %+v, want a 7-day window", m)
	}
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	// Impressions and clicks of offer a in the hero, by days before day
	// (b gets none).
	imps := map[int]int{0: 3, 6: 2, 7: 4, 30: 5}
	clicks := map[int]int{0: 1, 7: 2}
	var events []Event
	n := 0
	add := func(typ string, ago, count int) {
		for range count {
			n++
			events = append(events, Event{Type: typ, Time: day.AddDate(0, 0, -ago).Add(time.Duration(n) * time.Minute),
				Prop: Proposition{Campaign: "c", Recipient: fmt.Sprintf("r%d", n), Activity: "recent", Placement: "hero", Offer: "a"}})
		}
	}
	for ago, c := range imps {
		add(Impression, ago, c)
	}
	for ago, c := range clicks {
		add(Click, ago, c)
	}
	stores := map[string]func(t *testing.T) string{
		"bolt":  func(t *testing.T) string { return "bolt:" + filepath.Join(t.TempDir(), "state.db") },
		"redis": func(t *testing.T) string { return redistest.Start(t).URL(t) },
	}
	for name, url := range stores {
		t.Run(name, func(t *testing.T) {
			s, err := capstore.Open(url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			rec := &Recorder{Store: s, Now: func() time.Time { return day.Add(12 * time.Hour) }}
			st, err := rec.Record(ctx, append([]Event(nil), events...))
			if err != nil {
				t.Fatal(err)
			}
			if c, _, _ := Tally(st); c != len(events) {
				t.Fatalf("%d of %d events counted", c, len(events))
			}
			for _, tc := range []struct {
				at           time.Time
				model        string
				imps, clicks int64
			}{
				{day.Add(10 * time.Hour), "week", 3 + 2, 1},             // days -6..0
				{day.Add(-time.Second), "week", 2 + 4, 2},               // the day before: days -7..-1
				{day.AddDate(0, 0, 7), "week", 0, 0},                    // a week later: nothing left in it
				{day.Add(10 * time.Hour), "ever", 3 + 2 + 4 + 5, 1 + 2}, // all time
				{day.AddDate(0, 0, 7), "ever", 3 + 2 + 4 + 5, 1 + 2},    // all time, whenever
				{day.Add(10 * time.Hour), "not-in-the-library", 14, 3},  // a model no criterion uses: all time
			} {
				stats, err := decide.LoadStats(ctx, s, lib, tc.at)
				if err != nil {
					t.Fatal(err)
				}
				i, c := stats.Feedback(tc.model, "a", "hero")
				if i != tc.imps || c != tc.clicks {
					t.Errorf("model %s at %s: %d impressions, %d clicks; want %d, %d", tc.model, tc.at.Format(time.RFC3339), i, c, tc.imps, tc.clicks)
				}
				if i, c := stats.Feedback(tc.model, "b", "hero"); i != 0 || c != 0 {
					t.Errorf("model %s: offer b has %d impressions, %d clicks; want none", tc.model, i, c)
				}
			}
		})
	}
}
