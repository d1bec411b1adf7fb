package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"
)

// TestCompiledDocSamples renders every sample template for every sample
// profile both ways: with the HTML finished at load (ExecuteTo) and the
// reference way (the message parsed, premailer's CSS inlined by the fast
// inliner tested against premailer, text derived from the tree). The
// bytes must be the same.
func TestCompiledDocSamples(t *testing.T) {
	var newsletter *Template
	for _, c := range sampleCases(t) {
		compiled := c.tmpl.doc != nil && compareWays(t, c.name, c.tmpl, c.in)
		t.Logf("%s: finished at load: %v", c.name, compiled)
		if c.tmpl.Name() == "newsletter.hbs" {
			newsletter = c.tmpl
		}
	}
	switch {
	case newsletter == nil:
		t.Errorf("no newsletter.hbs among the samples")
	case newsletter.doc == nil:
		t.Errorf("newsletter.hbs is not compiled: %v", newsletter.docErr)
	}
}

// compareWays renders in both ways and reports a difference; it returns
// whether the compiled way finished the message itself.
func compareWays(t *testing.T, name string, tmpl *Template, in *Input) bool {
	t.Helper()
	var got, want Output
	err := tmpl.executeTo(&got, in, tmpl.doc)
	compiled := err == nil
	if errors.Is(err, errReference) {
		return false
	}
	if err != nil {
		t.Errorf("%s: compiled Execute: %v", name, err)
		return false
	}
	if err := tmpl.executeReference(&want, in); err != nil {
		t.Errorf("%s: reference Execute: %v", name, err)
		return false
	}
	if string(got.HTML) != string(want.HTML) {
		t.Errorf("%s: HTML finished at load differs from the reference:\n%s", name, diff.Diff("reference", want.HTML, "compiled", got.HTML))
	}
	if string(got.Text) != string(want.Text) {
		t.Errorf("%s: text compiled at load differs from the reference:\n%s", name, diff.Diff("reference", want.Text, "compiled", got.Text))
	}
	return compiled
}

// TestCompiledDocRefusals checks that a template whose CSS depends on
// recipient data is not finished at load, that Warnings names the
// selector and the position that makes it dynamic, and that its messages
// are still the reference's.
func TestCompiledDocRefusals(t *testing.T) {
	cases := []struct {
		name, css, body, want string
	}{
		{"class.hbs", ".a { color: red; }", `<p class="{{profile.cls}}">x</p>`, `class.hbs:2:13: warning: CSS selector ".a" depends on recipient data here`},
		{"sibling.hbs", "li + li { margin: 0; }", "<ul>{{#each profile.items}}<li>{{this}}</li>{{/each}}</ul>", `sibling.hbs:2:8: warning: CSS selector "li + li" depends on recipient data here`},
		{"attr.hbs", "[data-x] { color: blue; }", `<p data-x="{{profile.x}}">x</p>`, `attr.hbs:2:14: warning: CSS selector "[data-x]" depends on recipient data here`},
		{"unbalanced.hbs", "p { color: red; }", `{{#if profile.x}}<div>{{/if}}x</div>`, `unbalanced.hbs:2:4: warning: a block whose content is not whole elements`},
		{"table.hbs", "p { color: red; }", `<table><tr>{{profile.x}}<td>x</td></tr></table>`, `table.hbs:2:14: warning: a value in <tr>, where the HTML parser moves or keeps text apart`},
	}
	for _, c := range cases {
		dir := t.TempDir()
		path := filepath.Join(dir, c.name)
		src := "<html><head><style>" + c.css + "</style></head><body>\n" + c.body + "\n</body></html>\n"
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		tmpl, err := LoadFile(path, sampleCatalog)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		w := tmpl.Warnings()
		if len(w) != 1 || !strings.HasPrefix(w[0], filepath.Join(dir, c.name)[:len(dir)+1]) || !strings.Contains(w[0], c.want) {
			t.Errorf("%s: Warnings() = %q, want one containing %q", c.name, w, c.want)
		}
		in := &Input{Recipient: Recipient{ID: "u-1", Profile: map[string]any{"cls": "a", "x": "y", "items": []any{"1", "2"}}},
			Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		var out Output
		if err := tmpl.ExecuteTo(&out, in); err != nil {
			t.Errorf("%s: ExecuteTo: %v", c.name, err)
		}
	}
}
