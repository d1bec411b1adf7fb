package batch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/recipients"
)

// orderRecipients is enough generated recipients for two of the sample
// library's total caps to run out: gold-double-points' (500) around the
// 4150th recipient, wine-tasting's (200, offered from then on) around the
// 6200th.
const orderRecipients = 7000

// orderConfig is a packed run of the sample newsletter over the
// generated recipients in store, with batches small enough and deciders
// enough (Workers/4) that several batches are decided at once while the
// total caps run out.
func orderConfig(t *testing.T, path, store string) runConfig {
	cfg := config(t, newsletter, path)
	cfg.Pack, cfg.BatchSize, cfg.Workers = 200, 8, 16
	cfg.Store = store
	return cfg
}

// sameBytes fails the test unless runs a and b wrote the same
// decisions.ndjson and the same parts and index.
func sameBytes(t *testing.T, a, b runConfig, what string) {
	t.Helper()
	da, err := os.ReadFile(filepath.Join(a.Out, decisionsFile))
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(b.Out, decisionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(da, db) {
		la, lb := bytes.Split(da, []byte("\n")), bytes.Split(db, []byte("\n"))
		differ := 0
		for i := range min(len(la), len(lb)) {
			if !bytes.Equal(la[i], lb[i]) {
				if differ == 0 {
					t.Errorf("%s: decisions.ndjson line %d differs:\n%s\n%s", what, i+1, la[i], lb[i])
				}
				differ++
			}
		}
		t.Errorf("%s: decisions.ndjson differs on %d of %d lines (%d and %d lines)", what, differ, len(la), len(la), len(lb))
	}
	fa, fb := messageFiles(t, a.Out), messageFiles(t, b.Out)
	for name, w := range fa {
		if !bytes.Equal(fb[name], w) {
			t.Errorf("%s: messages/%s differs (%d bytes, %d bytes)", what, name, len(w), len(fb[name]))
		}
	}
	if len(fa) != len(fb) {
		t.Errorf("%s: messages/ holds %d files and %d", what, len(fa), len(fb))
	}
}

// TestSameRunSameBytes, on bbolt and on a real Redis: the same command
// run twice on fresh stores writes the same bytes, decisions and parts,
// although its total caps run out while several deciders hold batches
// (which batch reaches the store first used to decide who got the last
// units of a cap); and a run interrupted after one cap ran out, then
// completed, writes the same bytes as the run never stopped.
func TestSameRunSameBytes(t *testing.T) {
	path := generated(t, orderRecipients, gen.Options{Seed: 1})
	for name, store := range liveStores {
		t.Run(name, func(t *testing.T) {
			first := orderConfig(t, path, store(t))
			if _, err := runBatch(context.Background(), first); err != nil {
				t.Fatalf("Run: %v", err)
			}
			d := readDecisions(t, first.Out)
			if len(d) != orderRecipients {
				t.Fatalf("the run decided %d recipients, want %d", len(d), orderRecipients)
			}
			// Both caps ran out: there was something to contest.
			given := map[string]int{}
			for _, line := range d {
				for _, p := range line.Propositions {
					for _, o := range p.Offers {
						given[o.ID]++
					}
				}
			}
			if given["gold-double-points"] != 500 || given["wine-tasting"] != 200 {
				t.Fatalf("the run gave gold-double-points %d times and wine-tasting %d, want their caps, 500 and 200",
					given["gold-double-points"], given["wine-tasting"])
			}
			again := orderConfig(t, path, store(t))
			if _, err := runBatch(context.Background(), again); err != nil {
				t.Fatalf("Run again: %v", err)
			}
			sameBytes(t, first, again, "a second run")

			stopped := orderConfig(t, path, store(t))
			// Stopped after the first cap ran out, so that the next
			// attempt starts with batches reserved but not journaled,
			// and meets the second cap running out with a Reserver that
			// has not learned that the first one did.
			runStopped(t, stopped, 4500)
			if n := len(readDecisions(t, stopped.Out)); n < 4500 || n >= orderRecipients {
				t.Fatalf("the stopped run decided %d recipients, want from 4500 to fewer than %d", n, orderRecipients)
			}
			stopped.onCommit = nil
			if _, err := runBatch(context.Background(), stopped); err != nil {
				t.Fatalf("Run after the stop: %v", err)
			}
			sameBytes(t, first, stopped, "a run stopped and completed")
		})
	}
}

// TestStreamBatchesResume: an attempt that completes a stopped run forms
// the batches the run never stopped formed, less the recipients done
// (and none left empty), so that the same recipients reserve together;
// each batch's turn is the previous one's end.
func TestStreamBatchesResume(t *testing.T) {
	var recs []*recipients.Record
	for i := range 10 {
		recs = append(recs, &recipients.Record{ID: fmt.Sprint("r", i), Line: i + 1})
	}
	batchesOf := func(done []string) [][]string {
		d := &resumed{done: newFingerprints(), badLines: newFingerprints()}
		for _, id := range done {
			d.done.add(id)
		}
		d.done.seal()
		r := &Runner{Source: Records(slices.Values(recs))}
		ch := make(chan batch, 10)
		if err := r.stream(context.Background(), d, 4, nil, ch, nil); err != nil {
			t.Fatal(err)
		}
		close(ch)
		var out [][]string
		var prev chan struct{}
		for b := range ch {
			var ids []string
			for _, rec := range b.recs {
				ids = append(ids, rec.ID)
			}
			out = append(out, ids)
			if prev != nil && b.turn != (<-chan struct{})(prev) {
				t.Errorf("batch %v does not take its turn from the one before", ids)
			}
			prev = b.done
		}
		return out
	}
	if got, want := batchesOf(nil), [][]string{{"r0", "r1", "r2", "r3"}, {"r4", "r5", "r6", "r7"}, {"r8", "r9"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("batches of a first attempt = %v, want %v", got, want)
	}
	got := batchesOf([]string{"r0", "r1", "r2", "r3", "r4", "r6", "r9"})
	if want := [][]string{{"r5", "r7"}, {"r8"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("batches of a resumed attempt = %v, want %v", got, want)
	}
}
