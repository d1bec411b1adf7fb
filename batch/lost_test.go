package batch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
)

// lostConfig is a run of 1500 recipients contesting a total cap of 5
// (gold-double-points) and one of 3 (wine-tasting).
func lostConfig(t *testing.T) runConfig {
	cfg := config(t, newsletter, generated(t, 1500, gen.Options{Seed: 5}))
	cfg.Project = smallCapsProject(t, 5, 3)
	cfg.Template, _ = cfg.Project.LoadTemplate(newsletter)
	// Small batches keep most recipients undecided at the first commit.
	cfg.BatchSize = 16
	return cfg
}

// interruptedRun runs cfg in ctx and calls stop once, at its first
// journal commit (stop ends the run: it cancels ctx, or kills the store);
// it returns the run's error and decisions.ndjson.
func interruptedRun(ctx context.Context, t *testing.T, cfg runConfig, stop func()) ([]byte, error) {
	t.Helper()
	var once sync.Once
	cfg.onCommit = func() { once.Do(stop) }
	_, err := runBatch(ctx, cfg)
	decisions, _ := os.ReadFile(filepath.Join(cfg.Out, decisionsFile))
	if err == nil || len(decisions) == 0 {
		t.Fatalf("the interrupted run = %v after deciding %d bytes, want an error after deciding some", err, len(decisions))
	}
	return decisions, err
}

// wantStoreLost checks that a run of cfg stops with a StoreLostError
// naming the first line of decisions.ndjson, and leaves decisions.ndjson
// as it was.
func wantStoreLost(t *testing.T, cfg runConfig, decisions []byte) {
	t.Helper()
	_, err := runBatch(context.Background(), cfg)
	var lost *StoreLostError
	if !errors.As(err, &lost) || !errors.Is(err, ErrStoreLost) {
		t.Fatalf("Run on a store that lost its state = %v, want a StoreLostError", err)
	}
	n := bytes.Count(decisions, []byte("\n"))
	if lost.Line != 1 || lost.Missing != n || lost.Checked != n || lost.File != filepath.Join(cfg.Out, decisionsFile) {
		t.Errorf("StoreLostError = %+v, want line 1 and %d of %d missing in %s", lost, n, n, decisionsFile)
	}
	after, _ := os.ReadFile(filepath.Join(cfg.Out, decisionsFile))
	if !bytes.Equal(after, decisions) {
		t.Errorf("decisions.ndjson changed (%d bytes, was %d): the run decided on", len(after), len(decisions))
	}
}

// wantExactCaps checks that a finished run granted each total cap exactly
// its limit, each recipient once, and that the store counted as much.
func wantExactCaps(t *testing.T, cfg runConfig, store string) {
	t.Helper()
	granted := map[string]int{}
	for _, d := range readDecisions(t, cfg.Out) {
		granted["gold-double-points"] += count(d, "gold-double-points")
		granted["wine-tasting"] += count(d, "wine-tasting")
	}
	if granted["gold-double-points"] != 5 || granted["wine-tasting"] != 3 {
		t.Errorf("total caps granted %v, want gold-double-points 5 and wine-tasting 3", granted)
	}
	st, err := capstore.Open(store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := decide.CounterKey(cfg.Project.Library.Offer("gold-double-points").Caps[0], "gold-double-points", "hero", "", decisionAt)
	if n, err := st.Counts(context.Background(), []string{key}); err != nil || n[0] != 5 {
		t.Errorf("counter %s = %v, %v; want 5", key, n, err)
	}
}

// TestStoreDeletedBetweenAttempts: a run interrupted, its state.db
// deleted, and run again granted a total cap of 5 ten times (issue 13,
// item 7); now it stops, naming the first recipient the store forgot.
func TestStoreDeletedBetweenAttempts(t *testing.T) {
	cfg := lostConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	decisions, err := interruptedRun(ctx, t, cfg, cancel)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("the interrupted run = %v, want ErrInterrupted", err)
	}
	if err := os.Remove(filepath.Join(cfg.Out, "state.db")); err != nil {
		t.Fatal(err)
	}
	wantStoreLost(t, cfg, decisions)
}

// TestRedisKilledMidRun: a real redis-server killed (SIGKILL) in the
// middle of a run stops it with ErrStoreUnavailable. Restarted with its
// append-only file, the run completes and the total caps hold exactly;
// restarted empty, the run refuses to decide on (issue 13, item 7).
func TestRedisKilledMidRun(t *testing.T) {
	t.Run("persistent", func(t *testing.T) {
		srv := redistest.StartPersistent(t)
		cfg := lostConfig(t)
		cfg.Store = srv.URL(t)
		if _, err := interruptedRun(context.Background(), t, cfg, srv.Kill); !errors.Is(err, decide.ErrStoreUnavailable) {
			t.Fatalf("the run whose Redis died = %v, want ErrStoreUnavailable", err)
		}
		srv.Restart(t)
		rep, err := runBatch(context.Background(), cfg)
		if err != nil {
			t.Fatalf("the run again, Redis back with its data: %v", err)
		}
		if rep.Totals.Decided != 1500 {
			t.Errorf("decided %d, want 1500", rep.Totals.Decided)
		}
		wantExactCaps(t, cfg, cfg.Store)
	})
	t.Run("empty", func(t *testing.T) {
		srv := redistest.Start(t)
		cfg := lostConfig(t)
		cfg.Store = srv.URL(t)
		decisions, err := interruptedRun(context.Background(), t, cfg, srv.Kill)
		if !errors.Is(err, decide.ErrStoreUnavailable) {
			t.Fatalf("the run whose Redis died = %v, want ErrStoreUnavailable", err)
		}
		srv.Restart(t)
		wantStoreLost(t, cfg, decisions)
	})
}

// TestAttemptsCountEveryStart: a start that fails before it reaches the
// store (here, its bbolt file held by another process) is an attempt too:
// report.json said 2 after three starts (issue 13, item 13).
func TestAttemptsCountEveryStart(t *testing.T) {
	cfg := lostConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := interruptedRun(ctx, t, cfg, cancel); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("the interrupted run = %v, want ErrInterrupted", err)
	}
	held, err := capstore.Open("bolt:" + filepath.Join(cfg.Out, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runBatch(context.Background(), cfg); !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("a run whose store is held = %v, want ErrStoreUnavailable", err)
	}
	held.Close()
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attempts != 3 {
		t.Errorf("report attempts = %d after three starts, want 3", rep.Attempts)
	}
}
