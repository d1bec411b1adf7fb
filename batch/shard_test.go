package batch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
)

// smallCapsProject loads the sample library with smaller total caps, so
// that a few hundred recipients contest them.
func smallCapsProject(t *testing.T, doublePoints, wine int) *campaign.Project {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(root, "templates/library/*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(data), "{scope: total, limit: 500}", fmt.Sprintf("{scope: total, limit: %d}", doublePoints), 1)
		s = strings.Replace(s, "{scope: total, limit: 200}", fmt.Sprintf("{scope: total, limit: %d}", wine), 1)
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(s), 0o644)
	}
	p, err := campaign.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestShardsEqualOneRun: four shards running at once on one Redis store
// decide and write what one run does. Which recipients win a contested
// total cap depends on timing, so for them only the cap's count is
// compared; every other recipient's decision and message are identical.
// Running each shard again changes nothing.
func TestShardsEqualOneRun(t *testing.T) {
	addr := redistest.Start(t).Addr
	const doublePoints, wine = 60, 15
	p := smallCapsProject(t, doublePoints, wine)
	recipients := generated(t, 1200, gen.Options{Seed: 11, BadEvery: 100, OddEvery: 53})
	base := config(t, newsletter, recipients)
	base.Project = p
	base.Template, _ = p.LoadTemplate(newsletter)
	dir := t.TempDir()

	single := base
	single.Out, single.Store = filepath.Join(dir, "single"), "redis://"+addr+"/0?namespace=single"
	if _, err := runBatch(context.Background(), single); err != nil {
		t.Fatalf("single run: %v", err)
	}
	shards := make([]runConfig, 4)
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for k := range shards {
		shards[k] = base
		shards[k].Shard = Shard{k + 1, len(shards)}
		shards[k].Out, shards[k].Store = filepath.Join(dir, fmt.Sprint("shard", k+1)), "redis://"+addr+"/0?namespace=sharded"
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = runBatch(context.Background(), shards[k])
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v", k+1, err)
		}
	}

	want, wantFiles := readDecisions(t, single.Out), messageFiles(t, single.Out)
	got, gotFiles := map[string]decisionLineJSON{}, map[string][]byte{}
	var gotRejects []rejectLine
	for _, s := range shards {
		for id, d := range readDecisions(t, s.Out) {
			if _, dup := got[id]; dup {
				t.Errorf("%s was decided by two shards", id)
			}
			got[id] = d
		}
		for name, data := range messageFiles(t, s.Out) {
			gotFiles[name] = data
		}
		gotRejects = append(gotRejects, readRejects(t, s.Out)...)
	}
	if len(got) != len(want) || len(gotFiles) != len(wantFiles) {
		t.Errorf("shards decided %d and wrote %d files, one run %d and %d", len(got), len(gotFiles), len(want), len(wantFiles))
	}
	if !sameRejects(gotRejects, readRejects(t, single.Out)) {
		t.Errorf("shards rejected %+v, one run %+v", gotRejects, readRejects(t, single.Out))
	}

	capped := map[string]bool{}
	for _, id := range p.Library.OfferIDs() {
		for _, c := range p.Library.Offer(id).Caps {
			if c.Scope == decide.ScopeTotal {
				capped[id] = true
			}
		}
	}
	granted := map[string][2]int{}
	same := 0
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s was decided by one run but by no shard", id)
			continue
		}
		for offer := range capped {
			granted[offer] = [2]int{granted[offer][0] + count(w, offer), granted[offer][1] + count(g, offer)}
		}
		if contested(w, capped) || contested(g, capped) {
			continue
		}
		same++
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: one run decided %+v, its shard %+v", id, w, g)
		}
		name := FileName(id, "eml")
		if !bytes.Equal(wantFiles[name], gotFiles[name]) {
			t.Errorf("%s differs between one run and its shard", name)
		}
	}
	t.Logf("%d of %d recipients compared in full; total caps granted (one run, shards): %v", same, len(want), granted)
	if same < len(want)/2 {
		t.Errorf("only %d of %d recipients were compared in full; the caps contest too many", same, len(want))
	}
	for offer, limit := range map[string]int{"gold-double-points": doublePoints, "wine-tasting": wine} {
		if g := granted[offer]; g[0] != limit || g[1] != limit {
			t.Errorf("%s granted %d times by one run and %d by the shards, want %d each", offer, g[0], g[1], limit)
		}
	}
	for _, ns := range []string{"single", "sharded"} {
		store, err := capstore.Open("redis://" + addr + "/0?namespace=" + ns)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := decide.CounterKey(p.Library.Offer("gold-double-points").Caps[0], "gold-double-points", "hero", "", decisionAt)
		if n, err := store.Counts(context.Background(), []string{key}); err != nil || n[0] != doublePoints {
			t.Errorf("%s counter %s = %v, %v; want %d", ns, key, n, err, doublePoints)
		}
		store.Close()
	}

	for k, s := range shards {
		before := len(readDecisions(t, s.Out))
		rep, err := runBatch(context.Background(), s)
		if err != nil {
			t.Errorf("shard %d again: %v", k+1, err)
			continue
		}
		if rep.Attempt.Recipients != 0 || rep.Totals.Decided != before || len(readDecisions(t, s.Out)) != before {
			t.Errorf("shard %d again: %v, attempt %+v, decided %d; want nothing new over %d", k+1, err, rep.Attempt, rep.Totals.Decided, before)
		}
	}
}

func count(d decisionLineJSON, offer string) int {
	n := 0
	for _, p := range d.Propositions {
		for _, o := range p.Offers {
			if o.ID == offer {
				n++
			}
		}
	}
	return n
}

func contested(d decisionLineJSON, capped map[string]bool) bool {
	for offer := range capped {
		if count(d, offer) > 0 {
			return true
		}
	}
	return false
}

func sameRejects(a, b []rejectLine) bool {
	set := map[rejectLine]int{}
	for _, r := range a {
		set[r]++
	}
	for _, r := range b {
		set[r]--
	}
	for _, n := range set {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}
