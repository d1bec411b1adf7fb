package preview

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadAliasBomb: a library file of nested aliases (issue 13, item 2)
// shows as a problem at the alias, and the server keeps serving the last
// good library instead of running out of memory.
func TestReloadAliasBomb(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	var bomb strings.Builder
	bomb.WriteString("offers:\n  - id: bomb\n    content: {hero: {html: x}}\n    attributes:\n")
	bomb.WriteString("      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&bomb, "      a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	p.write(t, "templates/library/zz-bomb.yaml", bomb.String())
	srv.Reload()
	r := mustRender(t, ts, "offers.hbs", "maya-gold-runner")
	want := filepath.Join(p.library, "zz-bomb.yaml") + ":9:44"
	if len(r.Problems) != 1 || r.Problems[0].At() != want || !strings.Contains(r.Problems[0].Message, "alias *a3") {
		t.Errorf("problems =\n%s\nwant the alias error at %s", problemText(r.Problems), want)
	}
	if r.Decisions.Propositions[0].Offers[0].ID != "gold-double-points" {
		t.Errorf("the last good library stopped deciding")
	}
}

// TestSymlinksRefused: a symbolic link in profiles/ or templates/ to a file
// outside them was served (issue 13, item 11); the preview refuses it, for
// the profile editor, for rendering and for templates and partials, while
// links that stay inside work.
func TestSymlinksRefused(t *testing.T) {
	p := newProject(t)
	secret := filepath.Join(t.TempDir(), "secret.json")
	const secretText = `{"id": "s", "email": "s@example.com", "profile": {"firstName": "TOPSECRET"}}`
	if err := os.WriteFile(secret, []byte(secretText), 0o600); err != nil {
		t.Fatal(err)
	}
	outsideTpl := filepath.Join(t.TempDir(), "evil.hbs")
	if err := os.WriteFile(outsideTpl, []byte("<p>TOPSECRET template</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		filepath.Join(p.profiles, "leak.json"):                 secret,
		filepath.Join(p.profiles, "inside.json"):               "maya-gold-runner.json", // relative: os.Root refuses absolute links
		filepath.Join(p.templates, "evil.hbs"):                 outsideTpl,
		filepath.Join(p.templates, "partials", "evilpart.hbs"): outsideTpl,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	p.write(t, "templates/uses-part.hbs", "<p>{{> evilpart}}</p>")
	_, ts := start(t, p.config())

	res, err := http.Get(ts.URL + "/api/profile?name=leak")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusOK || strings.Contains(string(body), "TOPSECRET") {
		t.Errorf("GET /api/profile?name=leak = %d %s, want a refusal without the file", res.StatusCode, body)
	}

	code, r := postRender(t, ts, renderRequest{Template: "plain.hbs", Profile: "leak"})
	if code != http.StatusOK || r.Rendered || strings.Contains(r.HTML, "TOPSECRET") ||
		len(r.Problems) == 0 || !strings.Contains(r.Problems[0].Message, "refused") {
		t.Errorf("render plain.hbs for leak = %d, rendered %v, problems\n%s\nwant a refusal", code, r.Rendered, problemText(r.Problems))
	}
	for _, tpl := range []string{"evil.hbs", "uses-part.hbs"} {
		code, r := postRender(t, ts, renderRequest{Template: tpl, Profile: "maya-gold-runner"})
		if r.Rendered || strings.Contains(r.HTML, "TOPSECRET") || !strings.Contains(problemText(r.Problems), "refused") {
			t.Errorf("render %s = %d, rendered %v, problems\n%s\nwant a refusal", tpl, code, r.Rendered, problemText(r.Problems))
		}
	}

	if r := mustRender(t, ts, "plain.hbs", "inside"); !strings.Contains(r.HTML, "Maya") {
		t.Errorf("render plain.hbs for a link inside profiles/ = %q, want Maya's", r.HTML)
	}
}
