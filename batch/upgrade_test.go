package batch

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/campaign"
)

// TestResumeAcrossUpgrade: a run interrupted by the version that recorded
// whole decisions as JSON in the ledger is completed by this one, which
// records compact ones. The recipients the old version had decided but not
// journalled are replayed from their JSON records: nothing is counted
// twice, and decisions and messages are those of a run that was never
// interrupted.
func TestResumeAcrossUpgrade(t *testing.T) {
	const n, oldDone, oldDecided = 200, 80, 140
	all := generated(t, n, gen.Options{Seed: 7})
	ctx := context.Background()

	// The reference: one uninterrupted run.
	ref := config(t, newsletter, all)
	if _, err := runBatch(ctx, ref); err != nil {
		t.Fatal(err)
	}

	// The old version's interrupted run: it decided the first oldDecided
	// recipients (ledger and counters) and journalled the first oldDone.
	grown := firstLines(t, all, oldDecided)
	cfg := config(t, newsletter, grown)
	if _, err := runBatch(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	rewriteLedgerAsJSON(t, cfg)
	lines := readLines(t, filepath.Join(cfg.Out, decisionsFile))
	journal := bytes.Join(lines[:oldDone], []byte("\n"))
	if err := os.WriteFile(filepath.Join(cfg.Out, decisionsFile), append(journal, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, line := range lines[oldDone:] {
		d := decisionOfLine(t, line)
		os.Remove(filepath.Join(cfg.Out, messagesDir, FileName(d.Recipient, "eml")))
	}

	// This version completes it, the recipients file having grown to
	// all of them.
	data, err := os.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(grown, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := runBatch(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attempt.Replayed != oldDecided-oldDone {
		t.Errorf("replayed %d recipients, want the %d the old version decided but did not journal", rep.Attempt.Replayed, oldDecided-oldDone)
	}
	if got, want := readDecisions(t, cfg.Out), readDecisions(t, ref.Out); !reflect.DeepEqual(got, want) {
		t.Errorf("decisions differ from an uninterrupted run's")
	}
	if got, want := messageFiles(t, cfg.Out), messageFiles(t, ref.Out); !reflect.DeepEqual(got, want) {
		t.Errorf("messages differ from an uninterrupted run's")
	}
	if got, want := counterValues(t, cfg.Out), counterValues(t, ref.Out); !reflect.DeepEqual(got, want) {
		t.Errorf("counters = %v\nwant %v (an uninterrupted run's)", got, want)
	}
}

// firstLines writes the first n lines of path to a new file.
func firstLines(t *testing.T, path string, n int) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	out := filepath.Join(t.TempDir(), "first.ndjson")
	if err := os.WriteFile(out, bytes.Join(lines[:n], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// rewriteLedgerAsJSON turns every record of the run's ledger into what
// the version before compact records wrote: the JSON of the decision.
func rewriteLedgerAsJSON(t *testing.T, cfg runConfig) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(cfg.Out, "state.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	scopes := campaign.Scopes(cfg.Template)
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("ledger")).Bucket([]byte(cfg.Campaign.ID))
		records := map[string][]byte{}
		b.ForEach(func(k, v []byte) error {
			d, err := cfg.Project.Library.Replay(v, scopes...)
			if err != nil {
				t.Fatalf("record of %s: %v", k, err)
			}
			if records[string(k)], err = d.AppendJSON(nil); err != nil {
				t.Fatal(err)
			}
			return nil
		})
		for k, v := range records {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// counterValues reads the values of the run's cap counters.
func counterValues(t *testing.T, out string) map[string]int64 {
	t.Helper()
	db, err := bolt.Open(filepath.Join(out, "state.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := map[string]int64{}
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("counters")).ForEach(func(k, v []byte) error {
			got[string(k)] = int64(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	return got
}

func decisionOfLine(t *testing.T, line []byte) decisionLineJSON {
	t.Helper()
	var d decisionLineJSON
	if err := json.Unmarshal(line, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
