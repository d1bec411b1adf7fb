package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/offermail/offermail/diag"
)

// fakeCatalog is the sample library's shape: placements hero (html),
// sidebar (text), banner (image), crosssell (html), app (json); activities
// winter-sale (hero, sidebar, banner), weekly-digest (hero), post-purchase
// (crosssell, banner) and mobile (app).
type fakeCatalog map[string]map[string]ContentType

var sampleCatalog = fakeCatalog{
	"winter-sale":   {"hero": ContentHTML, "sidebar": ContentText, "banner": ContentImage},
	"weekly-digest": {"hero": ContentHTML},
	"post-purchase": {"crosssell": ContentHTML, "banner": ContentImage},
	"mobile":        {"app": ContentJSON},
}

var placementTypes = map[string]ContentType{"hero": ContentHTML, "sidebar": ContentText, "banner": ContentImage, "crosssell": ContentHTML, "app": ContentJSON}

func (c fakeCatalog) PlacementType(activity, placement string) (ContentType, error) {
	a, ok := c[activity]
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownActivity, activity)
	}
	if _, ok := placementTypes[placement]; !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownPlacement, placement)
	}
	typ, ok := a[placement]
	if !ok {
		return "", fmt.Errorf("placement %q is not configured in activity %q: %w", placement, activity, ErrPlacementNotInActivity)
	}
	return typ, nil
}

// fakeOffers holds the items of each scope (keyed "activity/placement"),
// for tests to hand a template its propositions as a decision would.
type fakeOffers map[string][]Item

// props returns one proposition per scope, each with the scope's items,
// limited to the scope's Items.
func (o fakeOffers) props(scopes []Scope) []Proposition {
	if len(scopes) == 0 {
		return nil
	}
	props := make([]Proposition, len(scopes))
	for i, sc := range scopes {
		items := o[sc.Activity+"/"+sc.Placement]
		if sc.Items > 0 && len(items) > sc.Items {
			items = items[:sc.Items]
		}
		props[i] = Proposition{Scope: sc, Type: sampleCatalog[sc.Activity][sc.Placement], Items: items}
	}
	return props
}

// forTemplate returns a copy of in with the propositions of o for tmpl's
// scopes.
func (o fakeOffers) forTemplate(in *Input, tmpl *Template) *Input {
	c := *in
	c.Propositions = o.props(tmpl.Scopes())
	return &c
}

func mustSnippet(t testing.TB, name, src string) *Snippet {
	t.Helper()
	sn, err := ParseSnippet(name, src)
	if err != nil {
		t.Fatalf("ParseSnippet(%q): %v", src, err)
	}
	return sn
}

// writeFiles creates files (name → content) under a new temporary
// directory and returns it.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadOne loads the template main.hbs (or the name given) from files.
func loadOne(t testing.TB, name string, files map[string]string) (*Template, error) {
	t.Helper()
	return LoadFile(filepath.Join(writeFiles(t, files), name), sampleCatalog)
}

// execString compiles src as a partial would be (no checks of field
// names) and runs it with data as its context. partials maps names to
// sources. It is the engine without the template around it, for testing
// Handlebars semantics.
func execString(src string, data any, partials map[string]string, strict bool) (string, []Missing, error) {
	return execData(src, data, nil, partials, strict)
}

// execData is execString with the key order of data's objects.
func execData(src string, data any, order KeyOrder, partials map[string]string, strict bool) (string, []Missing, error) {
	return execInput(src, data, order, partials, &Input{Strict: strict})
}

// execInput is execData with the Input's other fields (Pixel, Links).
func execInput(src string, data any, order KeyOrder, partials map[string]string, in *Input) (string, []Missing, error) {
	fsys := fstest.MapFS{}
	for name, p := range partials {
		fsys["partials/"+name+".hbs"] = &fstest.MapFile{Data: []byte(p)}
	}
	b := newBuild(sampleCatalog, newLibrary(fsys, ""))
	s := plainSource("test.hbs", src, 1, 1)
	ast, perr := parseSource(s)
	if perr != nil {
		return "", nil, perr
	}
	c := &compiler{b: b, src: s, mode: modeBody}
	prog := c.compile(ast, ctxUnknown)
	if err := b.errs.Err(); err != nil {
		return "", nil, err
	}
	st := new(state)
	st.reset()
	st.in, st.strict, st.escape, st.order = in, in.Strict, true, order
	st.root = st.push(frame{ctx: data, parent: -1, from: -1, elem: -1, includer: -1, rooted: true})
	err := prog.exec(st, st.root)
	return string(st.buf), st.missing, err
}

// jsonData decodes a JSON document for test data.
func jsonData(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test data %s: %v", s, err)
	}
	return v
}

// short formats err's positioned errors with base file names, one per
// line, so tests need not know the temporary directory.
func short(err error) string {
	if err == nil {
		return "<nil>"
	}
	var list diag.List
	if errors.As(err, &list) {
		lines := make([]string, len(list))
		for i, e := range list {
			lines[i] = shortErr(e)
		}
		return strings.Join(lines, "\n")
	}
	var e *diag.Error
	if errors.As(err, &e) {
		return shortErr(e)
	}
	return err.Error()
}

func shortErr(e *diag.Error) string {
	c := *e
	c.File = filepath.Base(c.File)
	if i := strings.Index(e.File, "partials"+string(filepath.Separator)); i >= 0 {
		c.File = e.File[i:]
	}
	if i := strings.Index(e.File, "layouts"+string(filepath.Separator)); i >= 0 {
		c.File = e.File[i:]
	}
	return c.Error()
}
