package capstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/offermail/offermail/decide"
)

// The exactness scenario: many callers race for a total cap of exactLimit
// among exactRecipients distinct recipients.
const (
	exactCampaign   = "exact"
	exactKey        = "cap|hot|total|all|*|*"
	exactLimit      = 100
	exactRecipients = 1000
)

func exactRecipient(i int) string { return fmt.Sprintf("u%04d", i) }

// reserveExact has workers goroutines reserve, one recipient at a time,
// every i in ids, and returns the recipients that were committed.
func reserveExact(ctx context.Context, s decide.Store, ids []int, workers int) ([]string, error) {
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

// checkExact checks the store after the race: the counter is at the limit
// and the ledger holds exactly the committed recipients.
func checkExact(t *testing.T, s decide.Store, committed []string) {
	t.Helper()
	if len(committed) != exactLimit {
		t.Errorf("committed %d reservations, want exactly %d", len(committed), exactLimit)
	}
	wantCounts(t, s, []string{exactKey}, exactLimit)
	all := make([]string, exactRecipients)
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
func testExact(t *testing.T, open opener) {
	s := open(t)
	ids := make([]int, exactRecipients)
	for i := range ids {
		ids[i] = i
	}
	committed, err := reserveExact(context.Background(), s, ids, 64)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	checkExact(t, s, committed)
}

// TestRedisExactProcesses: four processes of 16 goroutines each share one
// server; the cap still holds exactly.
func TestRedisExactProcesses(t *testing.T) {
	srv := startRedis(t)
	url := srv.url(t)
	const procs = 4
	var (
		mu        sync.Mutex
		committed []string
		wg        sync.WaitGroup
	)
	for p := range procs {
		cmd := helperCmd(t, "exact", "CAPSTORE_URL="+url,
			"CAPSTORE_PROC="+strconv.Itoa(p), "CAPSTORE_PROCS="+strconv.Itoa(procs))
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatalf("start helper %d: %v", p, err)
		}
		wg.Go(func() {
			err := cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("helper %d: %v", p, err)
				return
			}
			sc := bufio.NewScanner(&stdout)
			for sc.Scan() {
				committed = append(committed, sc.Text())
			}
		})
	}
	wg.Wait()
	s, err := OpenRedis(url)
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	checkExact(t, s, committed)
}

// exactHelper is one process of TestRedisExactProcesses: it reserves the
// recipients i with i%procs == proc and prints those committed.
func exactHelper() error {
	proc, err1 := strconv.Atoi(os.Getenv("CAPSTORE_PROC"))
	procs, err2 := strconv.Atoi(os.Getenv("CAPSTORE_PROCS"))
	if err1 != nil || err2 != nil || procs < 1 {
		return fmt.Errorf("CAPSTORE_PROC and CAPSTORE_PROCS must be numbers")
	}
	s, err := Open(os.Getenv("CAPSTORE_URL"))
	if err != nil {
		return err
	}
	defer s.Close()
	var ids []int
	for i := proc; i < exactRecipients; i += procs {
		ids = append(ids, i)
	}
	committed, err := reserveExact(context.Background(), s, ids, 16)
	if err != nil {
		return err
	}
	for _, u := range committed {
		fmt.Println(u)
	}
	return nil
}
