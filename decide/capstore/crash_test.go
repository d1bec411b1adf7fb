package capstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"

	"github.com/offermail/offermail/internal/redistest"
)

// The crash scenario: a child process reserves batches as fast as it can
// and is killed with SIGKILL at random moments. Each record lists the
// counters its reservation incremented, so after every kill the store can
// be checked to hold no counted-but-unrecorded or recorded-but-uncounted
// reservation.
const (
	crashCampaign   = "crash"
	crashRecipients = 20000
	crashCapped     = "crash|capped"
	crashCapLimit   = 2500
	crashRounds     = 5
)

func crashRecipient(i int) string { return "r" + strconv.Itoa(i) }

// crashWindowEnd is far enough ahead that no clock reaches it.
var crashWindowEnd = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func TestBoltCrash(t *testing.T) {
	url := "bolt:" + filepath.Join(t.TempDir(), "crash.db")
	runCrash(t, url)
}

func TestRedisCrash(t *testing.T) {
	runCrash(t, redistest.Start(t).URL(t))
}

func runCrash(t *testing.T, url string) {
	rng := rand.New(rand.NewPCG(20260615, 1))
	for round := range crashRounds {
		cmd := helperCmd(t, "crash", "CAPSTORE_URL="+url, "CAPSTORE_SEED="+strconv.Itoa(round))
		if err := cmd.Start(); err != nil {
			t.Fatalf("start helper: %v", err)
		}
		time.Sleep(time.Duration(150+rng.IntN(450)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatalf("kill helper: %v", err)
		}
		// A helper that exited by itself failed; its stderr tells why.
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: helper ended with %v before it was killed", round, err)
		}

		s, err := Open(url)
		if err != nil {
			t.Fatalf("round %d: open after kill: %v", round, err)
		}
		n := checkCrashInvariant(t, s)
		s.Close()
		t.Logf("round %d: %d reservations recorded, all counted exactly", round, n)
		if round == crashRounds-1 && n == 0 {
			t.Errorf("no reservation was recorded in %d rounds", crashRounds)
		}
	}
}

// checkCrashInvariant compares every counter with the sum of what the
// recorded reservations say they added, and returns how many there are.
func checkCrashInvariant(t *testing.T, s decide.Store) int {
	t.Helper()
	ctx := context.Background()
	all := make([]string, crashRecipients)
	for i := range all {
		all[i] = crashRecipient(i)
	}
	recs, err := s.Records(ctx, crashCampaign, all)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	want := map[string]int64{"crash|total": 0, crashCapped: 0, "crash|day": 0}
	for _, u := range all {
		want["crash|p|"+u] = 0
	}
	n := 0
	for i, rec := range recs {
		if rec == nil {
			continue
		}
		n++
		for _, kv := range strings.Split(string(rec), ",") {
			k, v, ok := strings.Cut(kv, "=")
			add, err := strconv.ParseInt(v, 10, 64)
			if _, known := want[k]; !ok || err != nil || !known {
				t.Fatalf("record of %s = %q, not what the helper writes", all[i], rec)
			}
			want[k] += add
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	got, err := s.Counts(ctx, keys)
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	bad := 0
	for i, k := range keys {
		if got[i] != want[k] && bad < 10 {
			bad++
			t.Errorf("counter %s = %d, recorded reservations added %d", k, got[i], want[k])
		}
	}
	if want[crashCapped] > crashCapLimit {
		t.Errorf("counter %s = %d, over its limit %d", crashCapped, want[crashCapped], crashCapLimit)
	}
	return n
}

// crashHelper reserves random batches from four goroutines until killed.
func crashHelper() error {
	seed, err := strconv.ParseUint(os.Getenv("CAPSTORE_SEED"), 10, 64)
	if err != nil {
		return fmt.Errorf("CAPSTORE_SEED: %w", err)
	}
	s, err := Open(os.Getenv("CAPSTORE_URL"))
	if err != nil {
		return err
	}
	fmt.Println("open")
	var (
		wg   sync.WaitGroup
		errs = make(chan error, 4)
	)
	for g := range uint64(4) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, g))
			for {
				if _, err := s.Reserve(context.Background(), crashBatch(rng, 32)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	return <-errs
}

func crashBatch(rng *rand.Rand, n int) []decide.Reservation {
	rs := make([]decide.Reservation, n)
	for i := range rs {
		u := crashRecipient(rng.IntN(crashRecipients))
		cs := []decide.Counter{
			{Key: "crash|total", Limit: 1 << 40, N: 1},
			{Key: "crash|p|" + u, Limit: 1, N: 1},
			{Key: "crash|day", Limit: 1 << 40, N: 1 + rng.Int64N(3), Expire: crashWindowEnd},
		}
		// Half of them also meet a cap that runs out during the test.
		if rng.IntN(2) == 0 {
			cs = append(cs, decide.Counter{Key: crashCapped, Limit: crashCapLimit, N: 1 + rng.Int64N(2)})
		}
		parts := make([]string, len(cs))
		for j, c := range cs {
			parts[j] = c.Key + "=" + strconv.FormatInt(c.N, 10)
		}
		rs[i] = decide.Reservation{Campaign: crashCampaign, Recipient: u, Counters: cs, Record: []byte(strings.Join(parts, ","))}
	}
	return rs
}

// helperMain runs the test binary as a helper process.
func helperMain(mode string) int {
	var err error
	switch mode {
	case "crash":
		err = crashHelper()
	case "exact":
		err = exactHelper()
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "capstore helper %s: %v\n", mode, err)
		return 1
	}
	return 0
}
