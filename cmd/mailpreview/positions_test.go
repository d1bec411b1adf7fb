package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/cmd/mailpreview/internal/preview"
	"github.com/offermail/offermail/diag"
)

// Non-ASCII text before an error, in a rule, a template and a recipient
// record: every command that loads it and the preview report the same
// line and column, counted in characters, and the caret sits under the
// character the message is about. The columns were counted by hand; in
// bytes they would be 40, 53 and 97.
const (
	// Line 3 of zz-accent.yaml; the third & (col 39) is the unexpected
	// token.
	accentRule = "rules:\n  - id: accent\n    when: 'profile.city == \"Zürich\" &&& profile.age > 1'\n"
	ruleLine   = `    when: 'profile.city == "Zürich" &&& profile.age > 1'`
	ruleCol    = 39

	// Line 4 of bad.hbs; "uper" (col 48) is an unknown helper.
	accentTemplate = "---\nsubject: \"Grüße\"\n---\n<p>Grüße aus Zürich, {{profile.firstName}} — {{uper profile.city}}</p>\n"
	tplLine        = "<p>Grüße aus Zürich, {{profile.firstName}} — {{uper profile.city}}</p>"
	tplCol         = 48

	// A record whose profile ends with a comma before its '}' (col 85),
	// after Latin, Han and katakana text.
	accentRecord = `{"id":"zoë","email":"zoe@example.com","profile":{"city":"Zürich","名前":"ゾーイ","age":3,}}`
	recordCol    = 85
)

// positionProject writes a project with a good and a bad variant of each
// input: the sample library and one with the accent rule, a good template
// and bad.hbs, Maya's profile and zoe.json (accentRecord on one line), and
// recipients whose line 2 is accentRecord.
func positionProject(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"tpl/ok.hbs":            "<p>Hello {{profile.firstName}}</p>\n{{offer \"winter-sale\" placement=\"hero\"}}\n",
		"tplbad/bad.hbs":        accentTemplate,
		"libbad/zz-accent.yaml": accentRule,
		"profiles/zoe.json":     accentRecord + "\n",
		"good/maya.json":        "",
		"recipients.ndjson":     `{"id":"u1","email":"u1@example.com","profile":{"firstName":"Ann"}}` + "\n" + accentRecord + "\n",
	}
	maya, err := os.ReadFile(filepath.Join(profiles, "maya-gold-runner.json"))
	if err != nil {
		t.Fatal(err)
	}
	files["good/maya.json"] = string(maya)
	writeFiles(t, dir, files)
	for _, lib := range []string{"lib", "libbad"} {
		copyTree(t, library, filepath.Join(dir, lib))
	}
	return dir
}

// checkCaret checks a source line and the caret line under it: the caret
// is the col-th character of its line, so it sits under character col of
// the source, which is want.
func checkCaret(t *testing.T, who, source, caret, wantSource string, col int, want rune) {
	t.Helper()
	s, c := []rune(source), []rune(caret)
	if source != wantSource || len(c) != col || c[col-1] != '^' || s[col-1] != want {
		t.Errorf("%s: snippet\n%s\n%s\nwant the caret at column %d, under %q of\n%s", who, source, caret, col, want, wantSource)
	}
}

// checkPrinted finds "file:line:col: message" in a command's stderr and
// checks the two indented lines under it: the source line and the caret.
func checkPrinted(t *testing.T, who, stderr, at, msg, wantSource string, col int, want rune) {
	t.Helper()
	lines := strings.Split(stderr, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, at+": ") {
			continue
		}
		if !strings.Contains(l, msg) {
			t.Errorf("%s: %q lacks %q", who, l, msg)
		}
		if i+2 >= len(lines) || !strings.HasPrefix(lines[i+1], "    ") || !strings.HasPrefix(lines[i+2], "    ") {
			t.Fatalf("%s: no snippet under %q:\n%s", who, l, stderr)
		}
		checkCaret(t, who, lines[i+1][4:], lines[i+2][4:], wantSource, col, want)
		return
	}
	t.Errorf("%s: stderr lacks %s:\n%s", who, at, stderr)
}

// checkCommands runs each command with --library lib: each must fail as
// invalid input and print the problem at pos with its snippet.
func checkCommands(t *testing.T, lib string, cmds [][]string, pos, msg, wantSource string, col int, want rune) {
	t.Helper()
	for _, args := range cmds {
		code, _, stderr := run(t, append(args, "--library", lib)...)
		if code != exitInvalid {
			t.Errorf("%s = %d, want %d\n%s", args[0], code, exitInvalid, stderr)
		}
		checkPrinted(t, args[0], stderr, pos, msg, wantSource, col, want)
	}
}

// previewProblems renders through the preview and returns its problems.
func previewProblems(t *testing.T, cfg preview.Config, req map[string]string) []preview.Problem {
	t.Helper()
	var err error
	if cfg.At, err = time.Parse(time.RFC3339, at); err != nil {
		t.Fatal(err)
	}
	srv, err := preview.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	body, _ := json.Marshal(req)
	res, err := http.Post(ts.URL+"/api/render", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Problems []preview.Problem }
	if err := json.NewDecoder(bufio.NewReader(res.Body)).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/render = %d, %v", res.StatusCode, err)
	}
	return out.Problems
}

// checkProblem finds the problem of a file among the preview's and checks
// its position, code and snippet.
func checkProblem(t *testing.T, ps []preview.Problem, where, file string, line, col int, code diag.Code, wantSource string, want rune) {
	t.Helper()
	for _, p := range ps {
		if p.File != file {
			continue
		}
		if p.Where != where || p.Line != line || p.Col != col || p.Code != code {
			t.Errorf("preview: problem %s (%s, %v), want %s:%d:%d (%s, %v)", p.At(), p.Where, p.Code, file, line, col, where, code)
		}
		checkCaret(t, "preview", p.Source, p.Caret, wantSource, col, want)
		return
	}
	t.Errorf("preview: no problem in %s among %+v", file, ps)
}

func TestPositionsInCharacters(t *testing.T) {
	dir := positionProject(t)
	p := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	maya := p("good/maya.json")

	t.Run("rule", func(t *testing.T) {
		lib := p("libbad")
		pos := filepath.Join(lib, "zz-accent.yaml") + ":3:39"
		msg := `unexpected token Operator("&")`
		checkCommands(t, lib, [][]string{
			{"check", "--templates", p("tpl")},
			{"decide", "--activity", "winter-sale", "--placement", "hero", "--profile", maya, "--at", at},
			{"render", "--template", p("tpl/ok.hbs"), "--profile", maya, "--at", at},
			{"batch", "--template", p("tpl/ok.hbs"), "--recipients", p("recipients.ndjson"), "--campaign", "c", "--out", p("out-rule"), "--at", at},
			{"snapshot", "--templates", p("tpl"), "--profiles", p("good"), "--golden", p("golden-rule"), "--update", "--at", at},
		}, pos, msg, ruleLine, ruleCol, '&')
		ps := previewProblems(t, preview.Config{Templates: p("tpl"), Library: lib, Profiles: p("good")},
			map[string]string{"template": "ok.hbs", "profile": "maya"})
		checkProblem(t, ps, "library", filepath.Join(lib, "zz-accent.yaml"), 3, ruleCol, diag.Expression, ruleLine, '&')
	})

	t.Run("template", func(t *testing.T) {
		lib, bad := p("lib"), p("tplbad/bad.hbs")
		pos := bad + ":4:48"
		msg := `unknown helper "uper" (did you mean "upper"?)`
		checkCommands(t, lib, [][]string{
			{"check", "--templates", p("tplbad")},
			{"render", "--template", bad, "--profile", maya, "--at", at},
			{"batch", "--template", bad, "--recipients", p("recipients.ndjson"), "--campaign", "c", "--out", p("out-tpl"), "--at", at},
			{"snapshot", "--templates", p("tplbad"), "--profiles", p("good"), "--golden", p("golden-tpl"), "--update", "--at", at},
		}, pos, msg, tplLine, tplCol, 'u')
		ps := previewProblems(t, preview.Config{Templates: p("tplbad"), Library: lib, Profiles: p("good")},
			map[string]string{"template": "bad.hbs", "profile": "maya"})
		checkProblem(t, ps, "template", bad, 4, tplCol, diag.Unknown, tplLine, 'u')
	})

	t.Run("recipient", func(t *testing.T) {
		lib, zoe := p("lib"), p("profiles/zoe.json")
		pos := zoe + ":1:85"
		msg := "malformed JSON: invalid character '}' looking for beginning of object key string"
		checkCommands(t, lib, [][]string{
			{"decide", "--activity", "winter-sale", "--placement", "hero", "--profile", zoe, "--at", at},
			{"render", "--template", p("tpl/ok.hbs"), "--profile", zoe, "--at", at},
			{"snapshot", "--templates", p("tpl"), "--profiles", p("profiles"), "--golden", p("golden-rec"), "--update", "--at", at},
		}, pos, msg, accentRecord, recordCol, '}')

		// batch: the record is line 2 of the recipients, rejected with its
		// column in the reason.
		code, _, stderr := run(t, "batch", "--library", lib, "--template", p("tpl/ok.hbs"), "--recipients", p("recipients.ndjson"),
			"--campaign", "c", "--out", p("out-rec"), "--at", at)
		if code != exitRejected {
			t.Fatalf("batch = %d, want %d\n%s", code, exitRejected, stderr)
		}
		data, err := os.ReadFile(p("out-rec/rejects.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		var rej struct {
			Line          int
			ID            string
			Stage, Reason string
		}
		if err := json.Unmarshal(data, &rej); err != nil || rej.Line != 2 || rej.Stage != "read" || rej.Reason != "col 85: "+msg {
			t.Errorf("rejects.ndjson = %s (%v), want line 2, stage read, reason %q", data, err, "col 85: "+msg)
		}
		if r := []rune(accentRecord); r[recordCol-1] != '}' || r[recordCol-2] != ',' {
			t.Fatalf("column %d of the record is not the '}' after the comma", recordCol)
		}

		// The preview: the profile file, and the same JSON edited in the page.
		cfg := preview.Config{Templates: p("tpl"), Library: lib, Profiles: p("profiles")}
		ps := previewProblems(t, cfg, map[string]string{"template": "ok.hbs", "profile": "zoe"})
		checkProblem(t, ps, "profile", zoe, 1, recordCol, diag.Syntax, accentRecord, '}')
		ps = previewProblems(t, cfg, map[string]string{"template": "ok.hbs", "profile": "zoe", "profileJSON": accentRecord})
		checkProblem(t, ps, "profile", "zoe.json (edited)", 1, recordCol, diag.Syntax, accentRecord, '}')
	})
}
