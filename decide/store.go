package decide

import (
	"context"
	"errors"
	"strings"
	"time"
)

// A Store keeps the cap counters, the campaign ledger and the suppression
// list. Implementations live in package capstore (memory, bbolt, Redis);
// every one passes the same conformance suite, capstore/storetest, which
// any other store can run. A Store is safe for concurrent use by many
// goroutines, and the bbolt and Redis stores by many processes.
//
// Dry runs (decide, render, previews, snapshots) only call Counts. Real runs
// call Reserve, which is the only method that both checks caps and counts.
type Store interface {
	// Counts returns the current value of each counter key, 0 for a key
	// never incremented. Expired windowed counters read as 0.
	Counts(ctx context.Context, keys []string) ([]int64, error)

	// Reserve applies the reservations in order. Each one is atomic on its
	// own: either its pair (campaign, recipient) is already in the ledger
	// (Replayed: nothing is counted, the recorded bytes come back), or one
	// of its counters would pass its limit (Exhausted: nothing is counted or
	// recorded), or every counter is incremented and the record is written
	// to the ledger in the same step (Committed). A crash never leaves a
	// counted-but-unrecorded or recorded-but-uncounted reservation.
	//
	// The returned slice has one Outcome per reservation, in order. An error
	// means the store could not be reached or written; the caller must
	// assume nothing of the batch took effect that it cannot read back
	// (a retry is safe: committed pairs come back as Replayed).
	Reserve(ctx context.Context, rs []Reservation) ([]Outcome, error)

	// Records returns the ledger entry of each recipient of campaign, nil
	// where there is none.
	Records(ctx context.Context, campaign string, recipients []string) ([][]byte, error)

	// Add increments counters without limits and without a ledger entry.
	// It is used for feedback statistics (impressions and clicks).
	Add(ctx context.Context, deltas []Delta) error

	// SuppressionList keeps the recipients real runs skip.
	SuppressionList

	// Close releases the store.
	Close() error
}

// Counter is one cap counter that a decision increments.
type Counter struct {
	// Key names the counter; see CounterKey. Keys never contain '|' in
	// their parts, so they are safe to join.
	Key string
	// Limit is the cap's limit: the reservation is refused when the
	// counter's value plus N would be greater than Limit.
	Limit int64
	// N is the increment, at least 1 (an offer proposed in two placements
	// of one message with duplicates allowed counts twice). Only a release
	// (see ReleaseLedger) has negative increments; a store refuses one
	// that would take a counter below 0 (Exhausted, nothing released).
	N int64
	// Expire is when a windowed counter stops mattering (the end of its
	// window); zero for lifetime counters. Stores may drop the counter
	// after that time; they must not drop it before.
	Expire time.Time
}

// Reservation is the decision of one (campaign, recipient) pair: the record
// to keep in the ledger and the counters it increments.
type Reservation struct {
	Campaign  string
	Recipient string
	Counters  []Counter
	Record    []byte
}

// ReleaseLedger names the ledger that records releases of campaign's
// decisions: a recipient whose message does not render gives back the
// counters its decision reserved, with a reservation of negative
// increments under (ReleaseLedger(campaign), recipient). The ledger makes
// a release happen once: done again (a resumed run whose render fails
// again) it comes back Replayed and counts nothing. Campaign IDs never
// contain '|', so no campaign's own ledger has this name.
func ReleaseLedger(campaign string) string { return campaign + releaseSuffix }

const releaseSuffix = "|release"

// IsRelease reports whether a reservation's ledger is a ReleaseLedger,
// the only one whose counters may have negative increments.
func IsRelease(ledger string) bool { return strings.HasSuffix(ledger, releaseSuffix) }

// Status says what Reserve did with one reservation.
type Status int

const (
	// Committed: counters incremented and the record written.
	Committed Status = iota + 1
	// Replayed: the pair was already recorded; nothing was counted.
	Replayed
	// Exhausted: a counter was at its limit; nothing was counted or written.
	Exhausted
)

func (s Status) String() string {
	switch s {
	case Committed:
		return "committed"
	case Replayed:
		return "replayed"
	case Exhausted:
		return "exhausted"
	}
	return "unknown"
}

// Outcome is the result of one reservation.
type Outcome struct {
	Status Status
	// Record is the ledger entry when Status is Replayed.
	Record []byte
	// Exhausted lists the keys, in the reservation's order, whose limit
	// refused the reservation when Status is Exhausted.
	Exhausted []string
}

// Delta is an increment without a limit.
type Delta struct {
	Key string
	N   int64
}

// ErrStoreUnavailable wraps errors of a store that cannot be reached; the
// command turns it into exit code 4.
var ErrStoreUnavailable = errors.New("store unavailable")

// StoreCounts reads counters from a store one key at a time, for dry runs
// (decide, render, previews): they read counters and never write them.
func StoreCounts(s Store) Counts { return storeCounts{s} }

type storeCounts struct{ s Store }

func (c storeCounts) Count(ctx context.Context, key string) (int64, error) {
	v, err := c.s.Counts(ctx, []string{key})
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// CounterReader reads counters, many in one round trip: all that learned
// ranking's statistics (LoadStats) need of a store.
type CounterReader interface {
	Counts(ctx context.Context, keys []string) ([]int64, error)
}

// LoadStats reads from a store the feedback of every offer in every
// placement of lib, for learned ranking, as of the decision time at: a
// model with a window (`models:`) sums the per-UTC-day counters of the
// window's days ending with at's, the others read the all-time counters.
// It is one read: track.Live reads it again as it ages, for processes
// that decide for long.
func LoadStats(ctx context.Context, s CounterReader, lib *Library, at time.Time) (Stats, error) {
	var keys []string
	for _, o := range lib.OfferIDs() {
		for _, p := range lib.PlacementIDs() {
			keys = append(keys, FeedbackKey("impression", o, p), FeedbackKey("click", o, p))
		}
	}
	nAll := len(keys)
	// The windowed models' pairs of offer and placement, each day's
	// counters after the all-time ones.
	type windowed struct {
		model, key string
		first, n   int // its days' counters in keys: impression, click per day
	}
	var wins []windowed
	seen := map[[2]string]bool{}
	for _, aid := range lib.ActivityIDs() {
		for _, ap := range lib.Activity(aid).Placements {
			for _, c := range ap.Criteria {
				m := lib.Model(c.RankID)
				if c.Rank != RankModel || m == nil || m.Window == 0 || c.collection == nil {
					continue
				}
				for _, o := range c.collection.members {
					k := FeedbackKey("impression", o.ID, ap.Placement)
					if seen[[2]string{m.ID, k}] {
						continue
					}
					seen[[2]string{m.ID, k}] = true
					w := windowed{model: m.ID, key: k, first: len(keys), n: m.Window}
					for _, day := range windowDays(at, m.Window) {
						keys = append(keys, FeedbackDayKey("impression", o.ID, ap.Placement, day), FeedbackDayKey("click", o.ID, ap.Placement, day))
					}
					wins = append(wins, w)
				}
			}
		}
	}
	values, err := s.Counts(ctx, keys)
	if err != nil {
		return nil, err
	}
	st := &stats{all: map[string][2]int64{}, windowed: map[string]map[string][2]int64{}}
	for i := 0; i < nAll; i += 2 {
		if values[i] != 0 || values[i+1] != 0 {
			st.all[keys[i]] = [2]int64{values[i], values[i+1]}
		}
	}
	for _, w := range wins {
		var sum [2]int64
		for d := range w.n {
			sum[0] += values[w.first+2*d]
			sum[1] += values[w.first+2*d+1]
		}
		if st.windowed[w.model] == nil {
			st.windowed[w.model] = map[string][2]int64{}
		}
		st.windowed[w.model][w.key] = sum
	}
	return st, nil
}

// stats holds the all-time feedback, and each windowed model's own.
type stats struct {
	all      map[string][2]int64
	windowed map[string]map[string][2]int64
}

func (s *stats) Feedback(model, offer, placement string) (int64, int64) {
	k := FeedbackKey("impression", offer, placement)
	if w, ok := s.windowed[model]; ok {
		v := w[k]
		return v[0], v[1]
	}
	v := s.all[k]
	return v[0], v[1]
}
