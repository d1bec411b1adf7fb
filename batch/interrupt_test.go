package batch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// TestInterruptThenComplete: Ctrl-C (the context ends) after the first
// journal commit stops the run with ErrInterrupted; every recipient the
// journal calls done has its message; the same run started again
// completes it, each recipient once.
func TestInterruptThenComplete(t *testing.T) {
	const lines, bad = 800, 7 // every 101st line is bad
	path := generated(t, lines, gen.Options{Seed: 3, BadEvery: 101, OddEvery: 37})
	cfg := config(t, newsletter, path)
	// Small batches bound the work in flight far below the file: at most
	// a commit (512) plus the channels' few batches of 16 are done when
	// the run stops, whatever the timing.
	cfg.BatchSize = 16
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.onCommit = cancel
	if _, err := runBatch(ctx, cfg); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run cancelled = %v, want ErrInterrupted", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, reportFile)); !os.IsNotExist(err) {
		t.Errorf("an interrupted run wrote report.json (%v)", err)
	}
	decided := readDecisions(t, cfg.Out)
	if len(decided) == 0 || len(decided) >= lines-bad {
		t.Fatalf("the interrupted run decided %d of %d, want some but not all", len(decided), lines-bad)
	}
	files := messageFiles(t, cfg.Out)
	for id := range decided {
		if _, ok := files[FileName(id, "eml")]; !ok {
			t.Errorf("%s is in decisions.ndjson without its message file", id)
		}
	}

	cfg.onCommit = nil
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run again: %v", err)
	}
	decided = readDecisions(t, cfg.Out)
	ids := idsOf(t, messageFiles(t, cfg.Out), "eml")
	if len(decided) != lines-bad || len(ids) != lines-bad || rep.Totals.Decided != lines-bad || rep.Totals.Rejected != bad {
		t.Errorf("after completing: %d decisions, %d files, totals %+v; want %d, %d, %d rejected",
			len(decided), len(ids), rep.Totals, lines-bad, lines-bad, bad)
	}
	for id := range decided {
		if !ids[id] {
			t.Errorf("%s has no message file", id)
		}
	}
	if len(readRejects(t, cfg.Out)) != bad {
		t.Errorf("%d rejects, want %d (none twice)", len(readRejects(t, cfg.Out)), bad)
	}
}
