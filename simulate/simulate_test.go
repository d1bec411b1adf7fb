package simulate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// realRun runs the fixture's campaign for real over the first n of its
// recipients into a directory of its own, counting in store, and returns
// its report.
func (f *fixture) realRun(t *testing.T, store string, n int) *batch.Report {
	t.Helper()
	path := filepath.Join(t.TempDir(), "some.ndjson")
	all, err := os.ReadFile(f.recipients)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(all, []byte("\n"))
	write(t, path, string(bytes.Join(lines[:n], nil)))
	src, closer, err := recipients.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	st, err := capstore.Open(store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &batch.Runner{
		Project: f.project, Template: f.tpl, Campaign: render.Campaign{ID: "real"}, At: decisionAt,
		Source: src, Store: st, Dir: filepath.Join(t.TempDir(), "out"), Workers: 4,
		Describe: batch.Description{Delivery: "files"},
	}
	if err := r.Open(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("real run: %v", err)
	}
	return rep
}

// checkCapped checks a simulation of 300 recipients over a store where
// the scarce offer (total cap 2) was counted `counted` times already.
func checkCapped(t *testing.T, out string, counted int) {
	t.Helper()
	granted := 2 - counted
	r := readReport(t, out)
	if !r.Simulated || r.Rendered != 300 || r.Recipients.Decided != 300 || r.Recipients.Written != 0 || r.Recipients.Sent != 0 {
		t.Errorf("report.json: simulated %v, rendered %d, decided %d, written %d, sent %d; want true, 300, 300, 0, 0",
			r.Simulated, r.Rendered, r.Recipients.Decided, r.Recipients.Written, r.Recipients.Sent)
	}
	if len(r.Placements) != 2 || len(r.Variants) != 2 {
		t.Fatalf("report.json has %d placements and %d variant lists, want 2 and 2", len(r.Placements), len(r.Variants))
	}
	hero, side := r.Placements[0], r.Placements[1]
	if hero.Offers["scarce"] != granted || hero.Offers["plenty"] != 300-granted {
		t.Errorf("hero offers = %v, want scarce %d (a total cap of 2, %d counted before), plenty %d", hero.Offers, granted, counted, 300-granted)
	}
	// The side shows scarce or the fallback: scarce is a duplicate for
	// the recipients who have it in the hero, capped for the others.
	if side.Offers["scarce"] != 0 || side.Fallbacks["fb"] != 300 {
		t.Errorf("side offers %v, fallbacks %v; want no offer and fb 300", side.Offers, side.Fallbacks)
	}
	if r.CapRefusals["scarce"] != 300-granted || len(r.CapRefusals) != 1 {
		t.Errorf("cap_refusals = %v, want scarce %d", r.CapRefusals, 300-granted)
	}
	hv := r.Variants[0]
	var labels []string
	total := 0
	for _, v := range hv.Variants {
		labels = append(labels, v.Offers...)
		total += v.Recipients
		if v.Example == "" || v.Excerpt == "" {
			t.Errorf("hero variant %v has example %q, excerpt %q; want both", v.Offers, v.Example, v.Excerpt)
		}
	}
	slices.Sort(labels)
	wantLabels := []string{"plenty", "scarce"}
	if granted == 0 {
		wantLabels = []string{"plenty"}
	}
	if hv.Placement != "hero" || hv.Count != len(wantLabels) || !slices.Equal(labels, wantLabels) || total != 300 {
		t.Errorf("hero variants: count %d, offers %v over %d recipients; want %d, %v over 300", hv.Count, labels, total, len(wantLabels), wantLabels)
	}
	sv := r.Variants[1]
	if sv.Count != 1 || sv.Variants[0].Fallback != "fb" || sv.Variants[0].Recipients != 300 || sv.Variants[0].Excerpt != "Fallback" {
		t.Errorf("side variants = %+v, want one: fallback fb, 300 recipients, excerpt Fallback", sv)
	}
}

// TestSimulateTotalCapBolt: over a bbolt store, a total cap of 2 grants 2
// of 300 recipients, whatever the workers do, and the store file stays
// byte for byte what it was; a real run afterwards still gets both.
func TestSimulateTotalCapBolt(t *testing.T) {
	f := newFixture(t, 300)
	path := filepath.Join(f.dir, "state.db")
	st, err := capstore.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	// Something in the file, so that a write would show.
	if err := st.Add(context.Background(), []decide.Delta{{Key: "fb|click|plenty|hero", N: 3}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	before := fileHash(t, path)

	base, err := capstore.Open("bolt:"+path, capstore.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(f.dir, "sim")
	cfg := f.config(t, out)
	cfg.Base = base
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	base.Close()
	checkCapped(t, out, 0)
	if after := fileHash(t, path); after != before {
		t.Errorf("the store file changed during the simulation (sha256 %x, was %x)", after, before)
	}

	rep := f.realRun(t, "bolt:"+path, 300)
	if got := rep.Placements[0].Offers["scarce"]; got != 2 {
		t.Errorf("a real run after the simulation showed scarce %d times, want 2: the simulation counted", got)
	}
}

// TestSimulateTotalCapRedis: over a real Redis store where a real run
// counted scarce once, the simulation grants the one left, and no key of
// the store changes.
func TestSimulateTotalCapRedis(t *testing.T) {
	f := newFixture(t, 300)
	srv := redistest.Start(t)
	url := srv.URL(t)
	if rep := f.realRun(t, url, 1); rep.Placements[0].Offers["scarce"] != 1 {
		t.Fatalf("the real run of 1 recipient showed scarce %d times, want 1", rep.Placements[0].Offers["scarce"])
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	before := dumpRedis(t, rdb)

	base, err := capstore.Open(url, capstore.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	out := filepath.Join(f.dir, "sim")
	cfg := f.config(t, out)
	cfg.Base = base
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkCapped(t, out, 1)
	after := dumpRedis(t, rdb)
	if len(after) != len(before) {
		t.Errorf("the simulation changed the number of keys in Redis from %d to %d", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("the simulation changed Redis key %q", k)
		}
	}
}

// dumpRedis is every key of the server with its serialized value.
func dumpRedis(t *testing.T, rdb *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("Redis holds no key: the real run counted nothing")
	}
	m := map[string]string{}
	for _, k := range keys {
		v, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		m[k] = v
	}
	return m
}

// TestSimulateAgain: a second simulation into the same directory starts
// afresh (the same counts, not doubled); a directory of a real run is
// refused and left as it was.
func TestSimulateAgain(t *testing.T) {
	f := newFixture(t, 300)
	out := filepath.Join(f.dir, "sim")
	for range 2 {
		if _, err := Run(context.Background(), f.config(t, out)); err != nil {
			t.Fatalf("Run: %v", err)
		}
		checkCapped(t, out, 0)
	}

	real := filepath.Join(f.dir, "real")
	write(t, filepath.Join(real, "run.json"), `{"campaign":"real","delivery":"files"}`)
	write(t, filepath.Join(real, "decisions.ndjson"), "{}\n")
	_, err := Run(context.Background(), f.config(t, real))
	if !errors.Is(err, ErrRealRun) {
		t.Fatalf("Run into a real run's directory = %v, want ErrRealRun", err)
	}
	if data, _ := os.ReadFile(filepath.Join(real, "decisions.ndjson")); string(data) != "{}\n" {
		t.Errorf("the real run's decisions.ndjson changed to %q", data)
	}
}
