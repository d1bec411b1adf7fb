package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
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
	// recipients (ledger and counters) and journalled the first oldDone,
	// in a store of the format of its time.
	grown := firstLines(t, all, oldDecided)
	cfg := config(t, newsletter, grown)
	cfg.Store = "bolt:" + formatOneStore(t)
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
	keys := counterKeys(t, cfg, readDecisions(t, ref.Out))
	if got, want := counterValues(t, cfg.Store, keys), counterValues(t, "bolt:"+filepath.Join(ref.Out, "state.db"), keys); !reflect.DeepEqual(got, want) {
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

// formatOneStore creates an empty store file as the version before
// format 2 of the bbolt layout did.
func formatOneStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "counters", "ledger"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("offermail-capstore/1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// rewriteLedgerAsJSON turns every record of the run's ledger into what
// the version before compact records wrote: the JSON of the decision.
func rewriteLedgerAsJSON(t *testing.T, cfg runConfig) {
	t.Helper()
	db, err := bolt.Open(strings.TrimPrefix(cfg.Store, "bolt:"), 0o600, nil)
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

// counterKeys lists the cap counters the decisions imply.
func counterKeys(t *testing.T, cfg runConfig, decisions map[string]decisionLineJSON) []string {
	t.Helper()
	seen := map[string]bool{}
	var keys []string
	for id, d := range decisions {
		for _, p := range d.Propositions {
			for _, c := range p.Offers {
				for _, cp := range cfg.Project.Library.Offer(c.ID).Caps {
					k, _ := decide.CounterKey(cp, c.ID, p.Placement, id, cfg.At)
					if !seen[k] {
						seen[k] = true
						keys = append(keys, k)
					}
				}
			}
		}
	}
	if len(keys) == 0 {
		t.Fatal("the decisions imply no counter")
	}
	return keys
}

// counterValues reads counters from a store.
func counterValues(t *testing.T, store string, keys []string) []int64 {
	t.Helper()
	s, err := capstore.Open(store)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Counts(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
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
