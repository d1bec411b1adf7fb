package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/send"
)

// TestRunSample runs the sample recipients: one eml per good record, the
// two bad lines rejected with their line numbers, and a report whose
// counts are those of decisions.ndjson.
func TestRunSample(t *testing.T) {
	cfg := config(t, newsletter, sampleNDJSON)
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := Totals{Total: 22, Decided: 20, Written: 20, Rejected: 2}
	if rep.Totals != want {
		t.Errorf("Totals = %+v, want %+v", rep.Totals, want)
	}

	rejects := readRejects(t, cfg.Out)
	wantRejects := []struct {
		line   int
		id     string
		reason string
	}{
		{16, "u-1015", "malformed JSON"},
		{18, "u-1017", "invalid email"},
	}
	if len(rejects) != len(wantRejects) {
		t.Fatalf("rejects = %+v, want %d", rejects, len(wantRejects))
	}
	for i, w := range wantRejects {
		r := rejects[i]
		if r.Line != w.line || r.ID != w.id || r.Stage != stageRead || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("reject %d = %+v, want line %d, id %s, stage read, reason with %q", i, r, w.line, w.id, w.reason)
		}
	}

	decisions := readDecisions(t, cfg.Out)
	files := messageFiles(t, cfg.Out)
	if len(decisions) != 20 || len(files) != 20 {
		t.Fatalf("%d decisions and %d files, want 20 of each", len(decisions), len(files))
	}
	for id, d := range decisions {
		if d.Campaign != "winter-test" || len(d.Propositions) != 3 {
			t.Errorf("decision of %s = %+v, want campaign winter-test and 3 propositions", id, d)
		}
		data, ok := files[id+".eml"]
		if !ok {
			t.Errorf("no message file for %s", id)
			continue
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s.eml does not parse: %v", id, err)
			continue
		}
		date, _ := m.Header.Date()
		if !date.Equal(decisionAt) || m.Header.Get("Message-Id") == "" || !strings.Contains(m.Header.Get("From"), "news@northwind.example") {
			t.Errorf("%s.eml headers: Date %v, Message-ID %q, From %q", id, date, m.Header.Get("Message-Id"), m.Header.Get("From"))
		}
	}
	if to := mustHeader(t, files["u-1001.eml"], "To"); to != "maya.chen@example.com" && to != "<maya.chen@example.com>" {
		t.Errorf("u-1001.eml To = %q, want maya.chen@example.com", to)
	}

	// The report counts what decisions.ndjson holds.
	counted := map[string]int{}
	for _, d := range decisions {
		for _, p := range d.Propositions {
			for _, o := range p.Offers {
				counted[p.Placement+"/"+o.ID]++
			}
			if p.Fallback != nil {
				counted[p.Placement+"/fallback:"+p.Fallback.ID]++
			}
		}
	}
	reported := map[string]int{}
	for _, sc := range rep.Placements {
		for id, n := range sc.Offers {
			reported[sc.Placement+"/"+id] = n
		}
		for id, n := range sc.Fallbacks {
			reported[sc.Placement+"/fallback:"+id] = n
		}
	}
	if !mapsEqual(counted, reported) {
		t.Errorf("report placements = %v, decisions.ndjson says %v", reported, counted)
	}
	var onDisk Report
	data, err := os.ReadFile(filepath.Join(cfg.Out, reportFile))
	if err != nil || json.Unmarshal(data, &onDisk) != nil || onDisk.Totals != rep.Totals {
		t.Errorf("report.json = %s (%v), want the returned report's totals %+v", data, err, rep.Totals)
	}
}

func mustHeader(t *testing.T, data []byte, key string) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	return m.Header.Get(key)
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRerunIsIdempotent: running a finished run again writes nothing new
// and counts nothing.
func TestRerunIsIdempotent(t *testing.T) {
	cfg := config(t, newsletter, sampleNDJSON)
	if _, err := runBatch(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	before, decisions := messageFiles(t, cfg.Out), readLines(t, filepath.Join(cfg.Out, decisionsFile))
	cfg.At = time.Time{} // the recorded decision time is used
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if rep.Attempts != 2 || rep.Attempt.Recipients != 0 || rep.Totals.Decided != 20 || !rep.DecisionTime.Equal(decisionAt) {
		t.Errorf("second report: attempts %d, attempt %+v, decided %d, decision time %v; want 2, nothing done, 20, %v",
			rep.Attempts, rep.Attempt, rep.Totals.Decided, rep.DecisionTime, decisionAt)
	}
	after := messageFiles(t, cfg.Out)
	if len(after) != len(before) {
		t.Errorf("%d message files after the rerun, want %d", len(after), len(before))
	}
	if got := readLines(t, filepath.Join(cfg.Out, decisionsFile)); len(got) != len(decisions) {
		t.Errorf("decisions.ndjson has %d lines after the rerun, want %d", len(got), len(decisions))
	}
}

// TestResumeAfterCrash makes by hand what a crash leaves behind — a
// message renamed into place whose decisions line was not written, a
// message never renamed, a torn last line, a stray temporary file — and
// checks that the next attempt completes the run with the same bytes.
func TestResumeAfterCrash(t *testing.T) {
	cfg := config(t, newsletter, sampleNDJSON)
	if _, err := runBatch(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	want := messageFiles(t, cfg.Out)
	path := filepath.Join(cfg.Out, decisionsFile)
	lines := readLines(t, path)
	kept := bytes.Join(lines[:len(lines)-4], []byte("\n"))
	torn := append(kept, '\n')
	torn = append(torn, lines[len(lines)-4][:40]...)
	if err := os.WriteFile(path, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	var gone decisionLineJSON
	json.Unmarshal(lines[len(lines)-1], &gone)
	os.Remove(filepath.Join(cfg.Out, messagesDir, gone.Recipient+".eml"))
	os.WriteFile(filepath.Join(cfg.Out, tmpDir, "m-123"), []byte("partial"), 0o644)

	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run after the crash: %v", err)
	}
	if rep.Attempt.Recipients != 4 || rep.Attempt.Replayed != 4 || rep.Totals.Decided != 20 {
		t.Errorf("attempt %+v, decided %d; want 4 recipients, 4 replayed, 20 decided", rep.Attempt, rep.Totals.Decided)
	}
	readDecisions(t, cfg.Out) // fails on a recipient written twice
	got := messageFiles(t, cfg.Out)
	if len(got) != len(want) {
		t.Errorf("%d message files, want %d", len(got), len(want))
	}
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s differs after the resumed run", name)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(cfg.Out, tmpDir)); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestRenderRejects: a recipient the template cannot render for is
// rejected with the template position, after being decided, so that it
// also has a decisions line (its caps are given back: TestRenderRejectReleasesCaps).
func TestRenderRejects(t *testing.T) {
	tpl := writeTemplate(t, "strict.hbs", "---\nsubject: Hi\nfrom: news@northwind.example\n---\n<p>{{offer \"winter-sale\" placement=\"hero\"}} {{profile.loyalty.tier}}</p>\n")
	cfg := config(t, tpl, sampleNDJSON)
	cfg.Strict = true
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// u-1012 and u-1021 have no loyalty tier; everyone else has one.
	var render []rejectLine
	for _, r := range readRejects(t, cfg.Out) {
		if r.Stage == stageRender {
			render = append(render, r)
		}
	}
	slices.SortFunc(render, func(a, b rejectLine) int { return strings.Compare(a.ID, b.ID) })
	if len(render) != 2 || render[0].ID != "u-1012" || render[1].ID != "u-1021" {
		t.Fatalf("render rejects = %+v, want u-1012 and u-1021", render)
	}
	for _, r := range render {
		if !strings.Contains(r.Reason, "strict.hbs:5:") || !strings.Contains(r.Reason, "loyalty") {
			t.Errorf("reject %s reason = %q, want the template position and the field", r.ID, r.Reason)
		}
	}
	if render[0].Line != 13 || render[1].Line != 22 {
		t.Errorf("reject lines = %d, %d; want 13 and 22", render[0].Line, render[1].Line)
	}
	decisions := readDecisions(t, cfg.Out)
	if _, ok := decisions["u-1012"]; !ok || len(decisions) != 20 {
		t.Errorf("%d decisions, u-1012 among them: %v; want 20, yes", len(decisions), ok)
	}
	want := Totals{Total: 22, Decided: 20, Written: 18, Rejected: 4}
	if rep.Totals != want || rep.Rejects[stageRender] != 2 {
		t.Errorf("Totals = %+v, render rejects %d; want %+v, 2", rep.Totals, rep.Rejects[stageRender], want)
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, messagesDir, "u-1012.eml")); !os.IsNotExist(err) {
		t.Errorf("u-1012.eml exists (%v), want no message for a rejected recipient", err)
	}

	// A crash between the rejects and the decisions commit leaves render
	// rejects without their decisions line; the next attempt restores it
	// from the ledger and rejects nothing twice.
	path := filepath.Join(cfg.Out, decisionsFile)
	var keep [][]byte
	for _, line := range readLines(t, path) {
		if !bytes.Contains(line, []byte(`"recipient":"u-1012"`)) && !bytes.Contains(line, []byte(`"recipient":"u-1021"`)) {
			keep = append(keep, line)
		}
	}
	os.WriteFile(path, append(bytes.Join(keep, []byte("\n")), '\n'), 0o644)
	rep, err = runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals != want || len(readRejects(t, cfg.Out)) != 4 || len(readDecisions(t, cfg.Out)) != 20 {
		t.Errorf("after the repair: Totals %+v, %d rejects, %d decisions; want %+v, 4, 20",
			rep.Totals, len(readRejects(t, cfg.Out)), len(readDecisions(t, cfg.Out)), want)
	}
}

// TestFormats: html files hold the HTML, json files the render --format
// json shape with the propositions of decisions.ndjson.
func TestFormats(t *testing.T) {
	for _, format := range []string{"html", "json"} {
		t.Run(format, func(t *testing.T) {
			cfg := config(t, newsletter, sampleNDJSON)
			cfg.Format = campaign.Format(format)
			if _, err := runBatch(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			files := messageFiles(t, cfg.Out)
			data, ok := files["u-1001."+format]
			if len(files) != 20 || !ok {
				t.Fatalf("%d files, u-1001.%s among them: %v; want 20, yes", len(files), format, ok)
			}
			if format == "html" {
				if !bytes.Contains(data, []byte("<html")) || !bytes.Contains(data, []byte("Maya")) {
					t.Errorf("u-1001.html is not the rendered HTML:\n%.300s", data)
				}
				return
			}
			var m campaign.Rendered
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatalf("u-1001.json: %v", err)
			}
			d := readDecisions(t, cfg.Out)["u-1001"]
			if !strings.HasPrefix(m.Subject, "Maya") || m.Text == "" || len(m.Propositions) != len(d.Propositions) ||
				m.Propositions[0].Offers[0].ID != d.Propositions[0].Offers[0].ID {
				t.Errorf("u-1001.json = subject %q, %d propositions; decisions.ndjson has %+v", m.Subject, len(m.Propositions), d.Propositions)
			}
		})
	}
}

// TestAnotherRunsDirectory: a run into a directory of another run is a
// DirError naming what differs, and one holding other things is not taken
// over.
func TestAnotherRunsDirectory(t *testing.T) {
	base := config(t, newsletter, sampleNDJSON)
	if _, err := runBatch(context.Background(), base); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field      string
		change     func(*runConfig)
		have, want string
	}{
		{"campaign", func(c *runConfig) { c.Campaign.ID = "other" }, "winter-test", "other"},
		{"format", func(c *runConfig) { c.Format = "html" }, "eml", "html"},
		{"at", func(c *runConfig) { c.At = decisionAt.Add(time.Hour) }, "2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z"},
		{"recipients", func(c *runConfig) { c.Recipients = filepath.Join(root, "testdata/recipients/sample.csv") }, sampleNDJSON, filepath.Join(root, "testdata/recipients/sample.csv")},
		{"store", func(c *runConfig) { c.Store = "bolt:x.db" }, "bolt:" + filepath.Join(base.Out, "state.db"), "bolt:x.db"},
		{"delivery", func(c *runConfig) { c.SMTP = &send.Config{Host: "127.0.0.1", Port: 1} }, "files", "smtp"},
	}
	for _, tt := range tests {
		cfg := base
		tt.change(&cfg)
		_, err := runBatch(context.Background(), cfg)
		var de *DirError
		if !errors.As(err, &de) || de.Reason != DirMismatch || de.Field != tt.field || de.Have != tt.have || de.Want != tt.want {
			t.Errorf("%s: Run = %#v, want a DirError: %s %q, not %q", tt.field, err, tt.field, tt.have, tt.want)
		}
	}
	cfg := config(t, newsletter, sampleNDJSON)
	os.MkdirAll(cfg.Out, 0o755)
	os.WriteFile(filepath.Join(cfg.Out, "notes.txt"), nil, 0o644)
	var de *DirError
	if _, err := runBatch(context.Background(), cfg); !errors.As(err, &de) || de.Reason != DirForeign || de.Entry != "notes.txt" {
		t.Errorf("Run into a non-empty directory = %v, want a DirError naming notes.txt", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, metaFile)); !os.IsNotExist(err) {
		t.Errorf("a refused directory got a %s (%v)", metaFile, err)
	}
}

// TestRunnerConfigErrors: a Runner without what it needs is an error, not
// a panic, and binds no directory.
func TestRunnerConfigErrors(t *testing.T) {
	p := sampleProject(t)
	tpl, err := p.LoadTemplate(newsletter)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    *Runner
		want string
	}{
		{"no campaign", &Runner{Project: p, Template: tpl}, "campaign id must not be empty"},
		{"control character", &Runner{Project: p, Template: tpl, Campaign: render.Campaign{ID: "a\nb"}}, "control character"},
		{"no dir", &Runner{Project: p, Template: tpl, Campaign: render.Campaign{ID: "c"}}, "needs a Dir"},
		{"bad format", &Runner{Project: p, Template: tpl, Campaign: render.Campaign{ID: "c"}, Dir: t.TempDir(), Format: "pdf"}, "eml, html or json"},
		{"no store", &Runner{Project: p, Template: tpl, Campaign: render.Campaign{ID: "c"}, Dir: t.TempDir()}, "needs a Source and a Store"},
	}
	for _, tt := range tests {
		if _, err := tt.r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Run = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}
