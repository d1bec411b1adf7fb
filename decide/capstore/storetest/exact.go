package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/offermail/offermail/decide"
)

// The exactness scenario: many callers race for a total cap of 100 among
// ExactRecipients distinct recipients (0 to ExactRecipients-1), each also
// capped at one for itself. The suite runs it with 64 goroutines; a store
// that several processes share runs it with ReserveExact in each process,
// on its share of the recipients, and CheckExact once they are done.
const ExactRecipients = 1000

const (
	exactCampaign = "exact"
	exactKey      = "cap|hot|total|all|*|*"
	exactLimit    = 100
)

func exactRecipient(i int) string { return fmt.Sprintf("u%04d", i) }

// ReserveExact has workers goroutines reserve, one recipient at a time,
// the recipients ids of the exactness scenario, and returns those that
// were committed. The first error, if any, comes back with them.
func ReserveExact(ctx context.Context, s decide.Store, ids []int, workers int) ([]string, error) {
	var (
		next      atomic.Int64
		mu        sync.Mutex
		committed []string
		firstErr  error
		wg        sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					return
				}
				u := exactRecipient(ids[i])
				r := decide.Reservation{
					Campaign: exactCampaign, Recipient: u, Record: []byte("rec-" + u),
					Counters: []decide.Counter{
						{Key: exactKey, Limit: exactLimit, N: 1},
						{Key: "cap|hot|profile|all|*|" + u, Limit: 1, N: 1},
					},
				}
				out, err := s.Reserve(ctx, []decide.Reservation{r})
				mu.Lock()
				switch {
				case err != nil:
					firstErr = cmpErr(firstErr, err)
				case out[0].Status == decide.Committed:
					committed = append(committed, u)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return committed, firstErr
}

func cmpErr(have, err error) error {
	if have != nil {
		return have
	}
	return err
}

// CheckExact checks the store after the exactness scenario: the total
// counter is at its limit and the ledger holds exactly the recipients
// committed, all callers together.
func CheckExact(t testing.TB, s decide.Store, committed []string) {
	t.Helper()
	if len(committed) != exactLimit {
		t.Errorf("committed %d reservations, want exactly %d", len(committed), exactLimit)
	}
	WantCounts(t, s, []string{exactKey}, exactLimit)
	all := make([]string, ExactRecipients)
	for i := range all {
		all[i] = exactRecipient(i)
	}
	recs, err := s.Records(context.Background(), exactCampaign, all)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	var recorded []string
	for i, rec := range recs {
		if rec != nil {
			recorded = append(recorded, all[i])
		}
	}
	slices.Sort(committed)
	if !slices.Equal(recorded, committed) {
		t.Errorf("ledger holds %d recipients, committed %d; they differ: ledger %q, committed %q",
			len(recorded), len(committed), recorded, committed)
	}
}

// testExact: 64 goroutines of one process against one store.
func testExact(t *testing.T, open Opener) {
	s := open(t, Options{})
	ids := make([]int, ExactRecipients)
	for i := range ids {
		ids[i] = i
	}
	committed, err := ReserveExact(context.Background(), s, ids, 64)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	CheckExact(t, s, committed)
}
