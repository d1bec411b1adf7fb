package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/batch/gen"
)

// TestReportMerge: three shards of a run, one after the other on one
// store, merged, give the counts of one run over every recipient.
func TestReportMerge(t *testing.T) {
	dir := t.TempDir()
	recipientsFile := filepath.Join(dir, "r.ndjson")
	f, err := os.Create(recipientsFile)
	if err != nil {
		t.Fatal(err)
	}
	gen.Write(f, 240, gen.Options{Seed: 3, BadEvery: 40})
	f.Close()
	// A copy of the library: the single run counts in the library's own store.
	base := []string{"batch", "--library", sampleLibrary(t), "--template", "../../templates/newsletter.hbs", "--recipients", recipientsFile,
		"--campaign", "merge", "--at", at}
	runOut := func(out string, extra ...string) {
		t.Helper()
		code, stdout, stderr := run(t, append(append(base, "--out", out), extra...)...)
		if code != exitOK && code != exitRejected {
			t.Fatalf("batch %v = %d\n%s%s", extra, code, stdout, stderr)
		}
	}
	runOut(filepath.Join(dir, "single"))
	shared := "bolt:" + filepath.Join(dir, "shared.db")
	var outs []string
	for k := 1; k <= 3; k++ {
		out := filepath.Join(dir, fmt.Sprintf("shard-%d", k))
		runOut(out, "--shard", fmt.Sprintf("%d/3", k), "--store", shared)
		outs = append(outs, out)
	}
	merged := filepath.Join(dir, "merged.json")
	code, stdout, stderr := run(t, append([]string{"report", "merge", "--out", merged, filepath.Join(outs[0], "report.json")}, outs[1:]...)...)
	if code != exitOK || !strings.Contains(stdout, "3 shards merged, 240 recipients") {
		t.Fatalf("report merge = %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	got, want := readReport(t, merged), readReport(t, filepath.Join(dir, "single", "report.json"))
	if got.Totals != want.Totals || !reflect.DeepEqual(got.Rejects, want.Rejects) || !reflect.DeepEqual(got.Placements, want.Placements) {
		t.Errorf("merged report counts\n%+v %v %+v\nwant one run's\n%+v %v %+v", got.Totals, got.Rejects, got.Placements, want.Totals, want.Rejects, want.Placements)
	}
	if got.Totals.Rejected == 0 || got.Shard != "" || got.Attempts != 3 {
		t.Errorf("merged: %d rejected (want some), shard %q (want none: complete), %d attempts (want 3)", got.Totals.Rejected, got.Shard, got.Attempts)
	}

	// What cannot be merged.
	other := filepath.Join(dir, "other")
	runOut(other, "--shard", "1/2", "--store", "bolt:"+filepath.Join(dir, "other.db"))
	unknown := filepath.Join(dir, "unknown.json")
	data, _ := os.ReadFile(filepath.Join(outs[0], "report.json"))
	os.WriteFile(unknown, []byte(strings.Replace(string(data), "{", `{"capRefusals": {},`, 1)), 0o644)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a shard missing", []string{outs[0], outs[2]}, exitInvalid, "shard 2 of 3 missing"},
		{"a shard twice", []string{outs[0], outs[1], outs[2], outs[1]}, exitInvalid, "are both shard 2/3"},
		{"another N", []string{outs[0], other}, exitInvalid, "is a shard of 3"},
		{"a whole run", []string{filepath.Join(dir, "single"), outs[0]}, exitInvalid, "is not a shard"},
		{"a member it does not know", []string{unknown, outs[1], outs[2]}, exitInvalid, "capRefusals"},
		{"no report", []string{filepath.Join(dir, "nowhere")}, exitInvalid, "not found"},
		{"nothing", nil, exitUsage, "needs the report.json"},
	} {
		code, stdout, stderr := run(t, append([]string{"report", "merge"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: report merge = %d, want %d with %q\nstdout: %s\nstderr: %s", tt.name, code, tt.code, tt.want, stdout, stderr)
		}
	}
	// --partial merges what there is and says which shards.
	code, stdout, _ = run(t, "report", "merge", "--partial", outs[0], outs[2])
	var partial batch.Report
	if code != exitOK || json.Unmarshal([]byte(stdout), &partial) != nil || partial.Shard != "1,3/3" {
		t.Errorf("report merge --partial = %d, shard %q; want 0 and 1,3/3\n%s", code, partial.Shard, stdout)
	}
}

func readReport(t *testing.T, path string) *batch.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := batch.ReadReport(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
