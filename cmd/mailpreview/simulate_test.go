package main

import (
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateCommand: simulate over the counters of a real run's bbolt
// store prints what each placement shows, exits 3 for the sample's two bad
// records as batch does, writes report.json and report.html, and leaves
// the store file as it was. Its --out refuses the real run's directory,
// and a --store that does not exist is a usage error (a dry run creates
// nothing). batch writes report.html too.
func TestSimulateCommand(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "state.db")
	realOut := filepath.Join(dir, "real")
	newsletter := filepath.Join(tplDir, "newsletter.hbs")
	sample := "../../testdata/recipients/sample.ndjson"
	code, _, errOut := run(t, "batch", "--library", library, "--template", newsletter, "--recipients", sample,
		"--campaign", "winter", "--out", realOut, "--store", "bolt:"+store, "--at", at)
	if code != exitRejected {
		t.Fatalf("batch = %d, want %d\n%s", code, exitRejected, errOut)
	}
	if _, err := os.Stat(filepath.Join(realOut, "report.html")); err != nil {
		t.Errorf("batch wrote no report.html: %v", err)
	}
	hash := func() [32]byte {
		data, err := os.ReadFile(store)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(data)
	}
	before := hash()

	out := filepath.Join(dir, "sim")
	code, stdout, errOut := run(t, "simulate", "--library", library, "--template", newsletter, "--recipients", sample,
		"--campaign", "winter", "--out", out, "--store", "bolt:"+store, "--at", at)
	if code != exitRejected {
		t.Fatalf("simulate = %d, want %d\n%s%s", code, exitRejected, stdout, errOut)
	}
	for _, want := range []string{
		"winter: simulated 20 recipients, 2 rejected (rejects.ndjson); nothing sent or counted\n",
		"  winter-sale/hero: ", "  winter-sale/sidebar: ", "  winter-sale/banner: ",
		"report " + out + "/report.html (and report.json)\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("simulate printed\n%s\nwhich lacks %q", stdout, want)
		}
	}
	if hash() != before {
		t.Errorf("simulate changed the store file")
	}
	var rep struct {
		Simulated bool   `json:"simulated"`
		Delivery  string `json:"delivery"`
		Store     string `json:"store"`
		Rendered  int    `json:"rendered"`
		Variants  []struct {
			Placement string `json:"placement"`
			Count     int    `json:"count"`
		} `json:"variants"`
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Simulated || rep.Delivery != "simulate" || rep.Rendered != 20 || len(rep.Variants) != 3 || !strings.Contains(rep.Store, store) {
		t.Errorf("report.json: simulated %v, delivery %q, store %q, rendered %d, %d variant lists; want true, simulate, %s, 20, 3",
			rep.Simulated, rep.Delivery, rep.Store, rep.Rendered, len(rep.Variants), store)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Errorf("simulate wrote no report.html: %v", err)
	}

	code, _, errOut = run(t, "simulate", "--library", library, "--template", newsletter, "--recipients", sample,
		"--campaign", "winter", "--out", realOut, "--store", "bolt:"+store)
	if code != exitUsage || !strings.Contains(errOut, "holds a real run") {
		t.Errorf("simulate into the real run's directory = %d, %q; want %d and holds a real run", code, errOut, exitUsage)
	}
	missing := filepath.Join(dir, "none.db")
	code, _, errOut = run(t, "simulate", "--library", library, "--template", newsletter, "--recipients", sample,
		"--out", filepath.Join(dir, "sim2"), "--store", "bolt:"+missing)
	if code != exitUsage || !strings.Contains(errOut, "no store there to read") {
		t.Errorf("simulate --store of a missing file = %d, %q; want %d and no store there to read", code, errOut, exitUsage)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("simulate created %s", missing)
	}
}
