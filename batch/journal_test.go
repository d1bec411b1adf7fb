package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/decide"
)

// TestScanJournal: lines that do not parse at the end of a journal are
// what a crash leaves, and are cut off; elsewhere they are an error naming
// the line.
func TestScanJournal(t *testing.T) {
	const a, b = `{"n":1}` + "\n", `{"n":2}` + "\n"
	tests := []struct {
		name    string
		content string
		parsed  int
		after   string // the file after the scan
		err     string
	}{
		{"clean", a + b, 2, a + b, ""},
		{"empty", "", 0, "", ""},
		{"torn last line", a + b + `{"n":`, 2, a + b, ""},
		{"torn line that parses", a + `{"n":3}`, 1, a, ""},
		{"zeros after a power loss", a + "\x00\x00\x00\x00", 1, a, ""},
		{"garbage lines at the end", a + "xx\n" + "yy\n" + `{"n`, 1, a, ""},
		{"blank lines", a + "\n" + b, 2, a + "\n" + b, ""},
		{"bad line in the middle", a + "oops\n" + b, 0, a + "oops\n" + b, "j.ndjson:2:"},
		{"JSON that is not a journal line", a + `{"m":1}` + "\n", 0, a + `{"m":1}` + "\n", "j.ndjson:2:"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "j.ndjson")
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		parsed := 0
		err := scanJournal(path, func(_ int, line []byte) error {
			var v struct{ N int }
			if err := json.Unmarshal(line, &v); err != nil {
				return err
			}
			if v.N == 0 {
				return errors.New("no n")
			}
			parsed++
			return nil
		})
		after, _ := os.ReadFile(path)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: scanJournal = %v, want an error with %q", tt.name, err, tt.err)
			}
		} else if err != nil || parsed != tt.parsed {
			t.Errorf("%s: scanJournal parsed %d, %v; want %d, nil", tt.name, parsed, err, tt.parsed)
		}
		if string(after) != tt.after {
			t.Errorf("%s: file after the scan = %q, want %q", tt.name, after, tt.after)
		}
	}
	if err := scanJournal(filepath.Join(t.TempDir(), "missing"), func(int, []byte) error { return errors.New("called") }); err != nil {
		t.Errorf("scanJournal of a missing file = %v, want nil", err)
	}
}

// TestResumeReadsJournals: done recipients come from decisions, bad lines
// from read rejects, and render or send rejects without a decisions line
// are orphans to adopt.
func TestResumeReadsJournals(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, decisionsFile), []byte(
		`{"campaign":"c","recipient":"u1","propositions":[]}`+"\n"+
			`{"campaign":"c","recipient":"u 2","propositions":[]}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(out, rejectsFile), []byte(
		`{"line":7,"stage":"read","reason":"malformed JSON"}`+"\n"+
			`{"line":9,"id":"u1","stage":"send","reason":"550"}`+"\n"+
			`{"line":11,"id":"u3","stage":"render","reason":"x"}`+"\n"), 0o644)
	r, err := resume(out, "c", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"u1", "u 2"} {
		if !r.done.has(id) {
			t.Errorf("done.has(%q) = false, want true", id)
		}
	}
	if r.done.has("u3") || !r.badLines.hasInt(7) || r.badLines.hasInt(9) {
		t.Errorf("done u3 %v, bad line 7 %v, bad line 9 %v; want false, true, false", r.done.has("u3"), r.badLines.hasInt(7), r.badLines.hasInt(9))
	}
	if len(r.orphans) != 1 || r.orphans[0].ID != "u3" || r.decided != 2 || r.rejected != 3 {
		t.Errorf("orphans %+v, decided %d, rejected %d; want u3, 2, 3", r.orphans, r.decided, r.rejected)
	}
	if _, err := resume(out, "other", nil, false); err == nil || !strings.Contains(err.Error(), decisionsFile+":1:") {
		t.Errorf("resume of another campaign = %v, want an error at decisions.ndjson:1", err)
	}
	if lines := readLines(t, filepath.Join(out, decisionsFile)); len(lines) != 2 {
		t.Errorf("decisions.ndjson has %d lines after a refused resume, want 2 (nothing cut)", len(lines))
	}
}

func TestDecisionLine(t *testing.T) {
	got := decisionLine(`c"1`, "u\n1", []byte(`{"propositions":[]}`))
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("decisionLine = %s: %v", got, err)
	}
	if v["campaign"] != `c"1` || v["recipient"] != "u\n1" || v["propositions"] == nil {
		t.Errorf("decisionLine = %s, want campaign, recipient and propositions", got)
	}
}

// TestDecisionOf checks that the line made in one allocation is
// decisionLine's over the decision's JSON.
func TestDecisionOf(t *testing.T) {
	d := &decide.Decision{Propositions: []decide.Proposition{{Activity: "a", Placement: "p", Offers: []decide.Choice{{ID: "o\"1", Score: 2, Rank: 1}}}}}
	record, err := d.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := decisionLine("c", "u\n1", record)
	got, err := decisionOf("c", "u\n1", d)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("decisionOf = %s, %v; want %s", got, err, want)
	}
}
