package render

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Markup values of one shape with different data in its holes (text runs,
// href, src, alt and title values), as offer content is for recipient
// after recipient: the first is compiled into the writer's shape, the
// next ones are written through it.
var (
	shapeSheets = []string{
		"a { color: red; } img { width: 600px; } h2 { margin: 0; }",
		".x { color: blue; } p strong { font-weight: bold; } .hero a { text-decoration: none; }",
		`a[href^="https"] { color: green; } [title] { color: red; } img[alt] { border: 0; }`,
		"span { color: red; } li { margin: 0; }",
	}
	shapeContexts = []string{
		`<div class="hero">%s</div>`,
		`<p>Before <a href="https://x.example/">%s</a> after</p>`,
		`<div style="display:none">%s</div>`,
		`<h2>%s</h2>`,
		`<ul>%s</ul>`,
		`<td>%s</td>`,
	}
	shapeValues = []string{
		`<a href="%s"><img src="%s" alt="%s"></a><h2>%s</h2>`,
		`<p>%s <strong>%s</strong></p>`,
		`<a href='%s' title="%s">%s</a>`,
		`%s<br>%s`,
		`<span class="x">%s</span>%s`,
		`<!-- c -->%s<a href="%s"></a>`,
		`<img alt="%s" src="x.png"/><a href="%s">%s</a>`,
		`<li>%s</li><li><a href="%s">%s</a></li>`,
		`<a href="%s"><img src="i.png" alt="%s"></a> <a href="%s">%s</a>`,
	}
	shapeFills = []string{
		"Maya", "", " ", "a &amp; b", "&lt;x&gt;", "&copy;", `q"uote`, "it's", "\u00a0nb\u200b",
		"https://x.example/?u=1&amp;t=2", "#top", "mailto:a@b.example", "javascript:x()", "\n lead ",
		"x&y", "https://x.example/?u=2&t=3", "u-0000042", "Ünïcödé", "tab\there", "a  b\n\nc", "https://x.example/p",
	}
)

// TestMarkupShapes renders templates with a markup value in several places
// and style sheets, for many recipients whose values share shapes, both
// ways: the HTML and text written through the shapes must be the
// reference's byte for byte.
func TestMarkupShapes(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 0x5a9e))
	var messages, direct int
	for si, sheet := range shapeSheets {
		for ci, ctx := range shapeContexts {
			src := "<style>" + sheet + "</style>\n" + fmt.Sprintf(ctx, "{{{profile.h}}}") + "\n<p>{{profile.t}}</p>"
			path := filepath.Join(dir, fmt.Sprintf("s%d-c%d.hbs", si, ci))
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			tmpl, err := LoadFile(path, sampleCatalog)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if tmpl.doc == nil {
				t.Fatalf("%s is not finished at load: %v", src, tmpl.docErr)
			}
			for range 60 {
				shape := shapeValues[r.IntN(len(shapeValues))]
				args := make([]any, strings.Count(shape, "%s"))
				for i := range args {
					args[i] = shapeFills[r.IntN(len(shapeFills))]
				}
				h := fmt.Sprintf(shape, args...)
				in := &Input{Recipient: Recipient{ID: "u-1", Profile: map[string]any{"h": h, "t": "x"}},
					Campaign: Campaign{ID: "c"}, Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
				messages++
				if compareWays(t, fmt.Sprintf("%q with %q", src, h), tmpl, in) {
					direct++
				}
			}
		}
	}
	t.Logf("%d messages, %d finished without the reference", messages, direct)
	if direct < messages/2 {
		t.Errorf("only %d of %d messages were finished at load: the test no longer reaches the shapes", direct, messages)
	}
}

// FuzzMarkupShapes renders a markup value of a fixed shape with fuzzed
// data in its holes, then the same shape with the data in the other
// order, through one template, both ways: the second message is written
// through the shape the first compiled.
func FuzzMarkupShapes(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), "Maya", "https://x.example/?u=1&amp;t=2", "a &amp; b", "it's")
	f.Add(uint8(2), uint8(1), uint8(2), "&copy;", "#top", "\u00a0nb", `q"uote`)
	f.Add(uint8(8), uint8(3), uint8(1), "mailto:a@b.example", "", " ", "x&y")
	dir := f.TempDir()
	tmpls := map[[2]uint8]*Template{}
	f.Fuzz(func(t *testing.T, si, ci, vi uint8, f1, f2, f3, f4 string) {
		if len(f1)+len(f2)+len(f3)+len(f4) > 1024 {
			return
		}
		key := [2]uint8{si % uint8(len(shapeSheets)), ci % uint8(len(shapeContexts))}
		tmpl := tmpls[key]
		if tmpl == nil {
			src := "<style>" + shapeSheets[key[0]] + "</style>\n" + fmt.Sprintf(shapeContexts[key[1]], "{{{profile.h}}}")
			path := filepath.Join(dir, fmt.Sprintf("s%d-c%d.hbs", key[0], key[1]))
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			if tmpl, err = LoadFile(path, sampleCatalog); err != nil || tmpl.doc == nil {
				t.Fatalf("%s: %v %v", src, err, tmpl.docErr)
			}
			tmpls[key] = tmpl
		}
		shape := shapeValues[int(vi)%len(shapeValues)]
		for _, fills := range [][]any{{f1, f2, f3, f4}, {f4, f3, f2, f1}} {
			h := fmt.Sprintf(shape, fills[:strings.Count(shape, "%s")]...)
			in := &Input{Recipient: Recipient{ID: "u-1", Profile: map[string]any{"h": h}},
				Campaign: Campaign{ID: "c"}, Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
			compareWays(t, fmt.Sprintf("%q with %q", shapeContexts[key[1]], h), tmpl, in)
		}
	})
}
