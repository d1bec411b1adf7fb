package preview

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

// brokenOffers leaves a block open on line 7, column 1.
var brokenOffers = strings.Replace(offersTemplate, `{{offer "winter-sale" placement="hero"}}`, `{{#if profile.vip}}`, 1)

// TestReloadKeepsLastGood: a template that stops loading keeps its last
// good version on the page, beside its error with position, line and
// caret; fixing it brings the preview back without errors.
func TestReloadKeepsLastGood(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	mustRender(t, ts, "offers.hbs", "maya-gold-runner")

	p.write(t, "templates/offers.hbs", brokenOffers)
	srv.Reload()
	r := mustRender(t, ts, "offers.hbs", "maya-gold-runner")
	if !r.Stale || r.Version != 2 || !strings.Contains(r.HTML, "Double points all December, Maya") {
		t.Errorf("render of a broken template = stale %v, version %d; want the last good version, stale, version 2", r.Stale, r.Version)
	}
	want := filepath.Join(p.templates, "offers.hbs") + ":7:1"
	if len(r.Problems) != 1 || r.Problems[0].Where != "template" || r.Problems[0].At() != want ||
		r.Problems[0].Source != "{{#if profile.vip}}" || r.Problems[0].Caret != "^" {
		t.Errorf("problems =\n%s\nwant one at %s with its line and caret", problemText(r.Problems), want)
	}
	if st := srv.current(); !st.templates["offers.hbs"].broken || st.templates["plain.hbs"].broken {
		t.Errorf("broken flags = offers %v, plain %v; want true, false", st.templates["offers.hbs"].broken, st.templates["plain.hbs"].broken)
	}
	// Another template's errors are not this one's.
	if r := mustRender(t, ts, "plain.hbs", "maya-gold-runner"); len(r.Problems) != 0 {
		t.Errorf("plain.hbs shows offers.hbs's problems: %s", problemText(r.Problems))
	}

	p.write(t, "templates/offers.hbs", strings.Replace(offersTemplate, "Hello", "Howdy", 1))
	srv.Reload()
	r = mustRender(t, ts, "offers.hbs", "maya-gold-runner")
	if r.Stale || len(r.Problems) != 0 || !strings.Contains(r.HTML, "Howdy Maya") {
		t.Errorf("render after the fix = stale %v, problems %s, want the new version without problems", r.Stale, problemText(r.Problems))
	}
}

// TestReloadPartialError: a broken partial shows with the templates that
// include it, not with the others.
func TestReloadPartialError(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	p.write(t, "templates/partials/footer.hbs", "<p>{{#each profile.interests}}</p>\n")
	srv.Reload()
	r := mustRender(t, ts, "offers.hbs", "maya-gold-runner")
	want := filepath.Join(p.templates, "partials", "footer.hbs") + ":1:4"
	if !r.Stale || len(r.Problems) == 0 || r.Problems[0].At() != want {
		t.Errorf("offers.hbs with a broken partial: stale %v, problems\n%s\nwant stale and %s", r.Stale, problemText(r.Problems), want)
	}
	if r := mustRender(t, ts, "plain.hbs", "maya-gold-runner"); len(r.Problems) != 0 {
		t.Errorf("plain.hbs does not include the partial but shows %s", problemText(r.Problems))
	}
}

// TestReloadLibraryError: a library error shows on every template, with
// its caret, while the last good library keeps deciding.
func TestReloadLibraryError(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	p.write(t, "templates/library/zz-bad.yaml", "rules:\n  - id: broken\n    when: 'profile.age >=> 18'\n")
	srv.Reload()
	for _, tpl := range []string{"offers.hbs", "plain.hbs"} {
		r := mustRender(t, ts, tpl, "maya-gold-runner")
		want := filepath.Join(p.library, "zz-bad.yaml") + ":3:26"
		if len(r.Problems) != 1 || r.Problems[0].Where != "library" || r.Problems[0].At() != want ||
			r.Problems[0].Source != "    when: 'profile.age >=> 18'" || r.Problems[0].Caret != strings.Repeat(" ", 25)+"^" {
			t.Errorf("%s problems =\n%s\nwant the library error at %s with a caret", tpl, problemText(r.Problems), want)
		}
	}
	if r := mustRender(t, ts, "offers.hbs", "maya-gold-runner"); r.Decisions.Propositions[0].Offers[0].ID != "gold-double-points" {
		t.Errorf("the last good library stopped deciding")
	}
}

// TestStartBroken: a library broken from the start still serves the page
// and its errors.
func TestStartBroken(t *testing.T) {
	p := newProject(t)
	p.write(t, "templates/library/zz-bad.yaml", "offers: [\n")
	srv, ts := start(t, p.config())
	code, r := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner"})
	if code != 200 || r.Rendered || len(r.Problems) == 0 || r.Problems[0].Where != "library" {
		t.Fatalf("render with a broken library = %d, rendered %v, problems %s", code, r.Rendered, problemText(r.Problems))
	}
	p.write(t, "templates/library/zz-bad.yaml", "offers: []\n")
	srv.Reload()
	mustRender(t, ts, "offers.hbs", "maya-gold-runner")
}

// TestProblemSourceStaysInside: the preview reads no file for an error's
// source line; it shows the snippet the error carries from where its source
// was read, so no error message can make it read another file.
func TestProblemSourceStaysInside(t *testing.T) {
	p := newProject(t)
	p.write(t, "outside.hbs", "SECRET LINE\n")
	for _, file := range []string{filepath.Join(p.dir, "outside.hbs"), filepath.Join(p.templates, "offers.hbs")} {
		ps := problems(&diag.Error{File: file, Line: 1, Col: 1, Msg: "x"}, "render")
		if len(ps) != 1 || ps[0].Source != "" || ps[0].At() != file+":1:1" {
			t.Errorf("problems = %+v, want %s:1:1 and no source read from the file", ps, file)
		}
	}
	bound := (&diag.Error{Code: diag.Syntax, File: "t.hbs", Line: 2, Col: 3, Msg: "x"}).Bind("one\ntwo")
	if ps := problems(bound, "template"); len(ps) != 1 || ps[0].Source != "two" || ps[0].Caret != "  ^" || ps[0].Code != diag.Syntax {
		t.Errorf("problems = %+v, want the bound snippet and code", ps)
	}
}
