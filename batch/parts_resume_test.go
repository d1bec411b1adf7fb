package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// TestPackResume: a packed run stopped after its first commit, then left
// with what a crash can leave besides (bytes of a message past the last
// index line, a torn index line, index lines of recipients whose
// decisions lines were not written, a part started and still empty), is
// completed by the same run with the same bytes as a run never stopped:
// each message once, in the source's order, each decision counted once.
func TestPackResume(t *testing.T) {
	path := generated(t, 600, gen.Options{Seed: 3, BadEvery: 101, OddEvery: 37})
	whole := config(t, newsletter, path)
	whole.Pack, whole.BatchSize, whole.Workers = 50, 16, 3
	if _, err := runBatch(context.Background(), whole); err != nil {
		t.Fatalf("Run: %v", err)
	}

	cfg := whole
	cfg.Out = filepath.Join(t.TempDir(), "out")
	// Stopped after the first commit that holds 3 decisions: on a loaded
	// machine the first commit (every 100ms) may come after fewer.
	runStopped(t, cfg, 3)
	dir := filepath.Join(cfg.Out, messagesDir)
	index := readLines(t, filepath.Join(dir, indexFile))
	decisions := readLines(t, filepath.Join(cfg.Out, decisionsFile))
	if len(decisions) < 3 || len(index) >= len(readLines(t, filepath.Join(whole.Out, messagesDir, indexFile))) {
		t.Fatalf("the stopped run indexed %d messages and decided %d; want some but not all", len(index), len(decisions))
	}
	// The last 3 decided recipients lose their decisions lines: the crash
	// came after the parts and index were synced, before the journal was.
	indexed := map[string]bool{}
	for _, l := range index {
		var e indexLine
		json.Unmarshal(l, &e)
		indexed[e.Recipient] = true
	}
	for _, l := range decisions[len(decisions)-3:] {
		var d struct{ Recipient string }
		json.Unmarshal(l, &d)
		if !indexed[d.Recipient] {
			t.Fatalf("%s has a decisions line but no index line", d.Recipient)
		}
	}
	writeLines(t, filepath.Join(cfg.Out, decisionsFile), decisions[:len(decisions)-3])
	var last indexLine
	json.Unmarshal(index[len(index)-1], &last)
	appendFile(t, filepath.Join(dir, last.Part), "From news@northwind.example Wed Dec  2 09:00:00 2026\nFrom: half a mess")
	appendFile(t, filepath.Join(dir, indexFile), `{"recipient":"r0000`)
	var num int
	fmt.Sscanf(last.Part, "part-%05d.mbox", &num)
	appendFile(t, filepath.Join(dir, fmt.Sprintf("part-%05d.mbox", num+1)), "")

	cfg.onCommit = nil
	if _, err := runBatch(context.Background(), cfg); err != nil {
		t.Fatalf("Run again: %v", err)
	}
	got, want := messageFiles(t, cfg.Out), messageFiles(t, whole.Out)
	for name, w := range want {
		if !bytes.Equal(got[name], w) {
			t.Errorf("messages/%s differs from the run never stopped (%d bytes, want %d)", name, len(got[name]), len(w))
		}
	}
	if len(got) != len(want) {
		t.Errorf("messages/ holds %d files, the run never stopped %d", len(got), len(want))
	}
	readDecisions(t, cfg.Out) // fails on a recipient decided twice
	if g, w := sortedLines(t, cfg.Out), sortedLines(t, whole.Out); !slices.Equal(g, w) {
		t.Errorf("decisions.ndjson differs from the run never stopped: %d lines, want %d", len(g), len(w))
	}
	if g, w := len(readRejects(t, cfg.Out)), len(readRejects(t, whole.Out)); g != w {
		t.Errorf("%d rejects, want %d", g, w)
	}
}

func writeLines(t *testing.T, path string, lines [][]byte) {
	t.Helper()
	var b []byte
	for _, l := range lines {
		b = append(append(b, l...), '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}
