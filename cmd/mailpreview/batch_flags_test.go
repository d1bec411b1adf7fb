//go:build unix

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBatchFlagErrors: flags that cannot work, and a directory that
// belongs to another run or holds other things, are errors worded in the
// flags, with the exit code of a usage error or of invalid input.
func TestBatchFlagErrors(t *testing.T) {
	const at = "2026-12-02T09:00:00Z"
	out := filepath.Join(t.TempDir(), "out")
	lib := sampleLibrary(t)
	base := []string{"batch", "--library", lib, "--template", "../../templates/newsletter.hbs",
		"--recipients", "../../testdata/recipients/sample.ndjson", "--campaign", "winter", "--out", out, "--at", at}
	if code, _, stderr := run(t, base...); code != exitRejected {
		t.Fatalf("batch = %d, want %d: %s", code, exitRejected, stderr)
	}
	fresh := replaceArg(base, out, filepath.Join(t.TempDir(), "fresh"))
	foreign := filepath.Join(t.TempDir(), "foreign")
	// Runs refused before their store is opened name a library of their
	// own, whose store must not come to be.
	unused := sampleLibrary(t)
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), nil, 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"format", slices.Concat(fresh, []string{"--format", "pdf"}), exitUsage, "--format must be eml, html or json"},
		{"memory store", slices.Concat(fresh, []string{"--store", "memory:"}), exitUsage, "forgets"},
		{"unknown store", slices.Concat(fresh, []string{"--store", "mysql://x"}), exitUsage, "use bolt:PATH or redis://"},
		{"recipients format", replaceArg(fresh, "../../testdata/recipients/sample.ndjson", "r.xml"), exitUsage, ".ndjson, .jsonl, .json (one object per line) or .csv"},
		{"missing recipients", replaceArg(fresh, "../../testdata/recipients/sample.ndjson", "nope.ndjson"), exitInvalid, "recipients file nope.ndjson not found"},
		{"another format", slices.Concat(base, []string{"--format", "html"}), exitUsage, `--format "eml", not "html"`},
		{"another time", replaceArg(base, at, "2026-12-02T10:00:00Z"), exitUsage, "this run decides at 2026-12-02T09:00:00Z, not --at 2026-12-02T10:00:00Z"},
		{"another recipients file", replaceArg(base, "../../testdata/recipients/sample.ndjson", "../../testdata/recipients/sample.csv"), exitUsage, "--recipients"},
		{"another store", slices.Concat(base, []string{"--store", "bolt:" + filepath.Join(t.TempDir(), "x.db")}), exitUsage, "--store"},
		{"a directory holding other things", replaceArg(replaceArg(base, out, foreign), lib, unused), exitUsage, "holds notes.txt but no run.json: give --out a new or empty directory"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, tt.args...)
		if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("%s: batch = %d, want %d with %q\nstdout: %s\nstderr: %s", tt.name, code, tt.code, tt.want, stdout, stderr)
		}
	}
	// Sending a template without from: is refused before anything is
	// decided, so no decision is recorded that no line mirrors.
	noFrom := filepath.Join(t.TempDir(), "nofrom.hbs")
	os.WriteFile(noFrom, []byte("---\nsubject: Hi\n---\n<p>Hi {{profile.firstName}}</p>\n"), 0o644)
	sendOut := filepath.Join(t.TempDir(), "send")
	args := slices.Concat(replaceArg(replaceArg(replaceArg(base, "../../templates/newsletter.hbs", noFrom), out, sendOut), lib, unused), []string{"--smtp", "smtp://127.0.0.1:1"})
	if code, _, stderr := run(t, args...); code != exitInvalid || !strings.Contains(stderr, "nofrom.hbs has no from: in its front matter") {
		t.Errorf("batch --smtp without from: = %d, %s; want %d and an error naming the template", code, stderr, exitInvalid)
	}
	if _, err := os.Stat(libraryStore(unused)); !os.IsNotExist(err) {
		t.Errorf("the store was created (%v), and maybe written, although nothing could be sent or the directory was refused: the store must not be opened before the directory and the template are checked", err)
	}
}
