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

// docCorpus writes random email templates for the differential test of
// the HTML finished at load: elements with classes and ids from small
// vocabularies (so that selectors match), values in text and in
// attributes, escaped and raw, blocks around whole elements and around
// halves of them, tables, lists, links, a layout-like document or a
// fragment, and style sheets with the selectors that depend on data.
type docCorpus struct{ r *rand.Rand }

func (c *docCorpus) pick(list ...string) string { return list[c.r.IntN(len(list))] }
func (c *docCorpus) chance(p float64) bool      { return c.r.Float64() < p }

var (
	docClasses = []string{"a", "b", "hero", "lead", "card"}
	docTags    = []string{"div", "p", "span", "h1", "strong", "em", "center", "div", "span"}
)

func (c *docCorpus) sheet() string {
	var b strings.Builder
	for range 1 + c.r.IntN(5) {
		sel := c.pick(docTags...)
		switch c.r.IntN(8) {
		case 0, 1:
			sel = "." + c.pick(docClasses...)
		case 2:
			sel = c.pick(docTags...) + " ." + c.pick(docClasses...)
		case 3:
			sel = c.pick("li + li", "p:first-child", "td:nth-child(2)", "[data-x]", "#main", "a[href]", "span > strong")
		}
		fmt.Fprintf(&b, "%s { %s }\n", sel, c.pick("color: red;", "width: 600px;", "margin: 0; padding: 4px;", "display: none;", "text-align: center;"))
	}
	if c.chance(0.3) {
		b.WriteString("@media (max-width: 600px) { .a { width: 100% !important; } }\n")
	}
	return b.String()
}

func (c *docCorpus) value() string {
	switch c.r.IntN(10) {
	case 9:
		return "{{trackingPixel}}"
	case 0:
		return "{{{profile.h}}}"
	case 1:
		return "{{{profile.t}}}"
	case 2:
		return `{{offer "winter-sale" placement="hero"}}`
	case 3:
		return "{{profile.h}}"
	case 4:
		return "{{@index}}"
	default:
		return "{{profile.t}}"
	}
}

func (c *docCorpus) attrs() string {
	var b strings.Builder
	switch k := c.r.Float64(); {
	case k < 0.6:
		b.WriteString(` class="` + c.pick(docClasses...) + `"`)
	case k < 0.7:
		b.WriteString(` class="{{profile.t}}"`)
	}
	if c.chance(0.15) {
		b.WriteString(` title="{{profile.t}}"`)
	}
	if c.chance(0.05) {
		b.WriteString(` data-x="{{profile.t}}"`)
	}
	if c.chance(0.1) {
		b.WriteString(` style="color: blue"`)
	}
	return b.String()
}

func (c *docCorpus) content(depth int) string {
	var b strings.Builder
	for range 1 + c.r.IntN(4) {
		switch k := c.r.IntN(10); {
		case k < 3 || depth > 3:
			b.WriteString(c.pick("Hello ", "Caf\u00e9 &amp; co ", " ", "\n  ", "a&nbsp;b ", "x ") + c.value())
		case k == 3:
			b.WriteString("{{#if profile.b}}" + c.content(depth+1) + c.pick("", "{{else}}"+c.content(depth+1)) + "{{/if}}")
		case k == 4:
			b.WriteString("<ul>{{#each profile.items}}<li" + c.attrs() + ">" + c.content(depth+1) + "</li>{{/each}}</ul>")
		case k == 5:
			b.WriteString("<table><tr><td" + c.attrs() + ">" + c.content(depth+1) + "</td>" + c.pick("", "", "", "", "{{profile.t}}", "{{#if profile.b}}<td>x</td>{{/if}}") + "</tr></table>")
		case k == 6:
			b.WriteString(`<a href="https://x.example/?u={{profile.t}}"` + c.attrs() + ">" + c.content(depth+1) + "</a>")
		case k == 7 && c.chance(0.2):
			b.WriteString(c.pick("{{#if profile.b}}<div>{{/if}}", "<p>", "</div>", "<img src=\"i.png\" alt=\"{{profile.t}}\">", "<br>"))
		default:
			tag := c.pick(docTags...)
			b.WriteString("<" + tag + c.attrs() + ">" + c.content(depth+1) + "</" + tag + ">")
		}
	}
	return b.String()
}

func (c *docCorpus) template() string {
	style := "<style>" + c.sheet() + "</style>"
	body := c.content(0)
	switch c.r.IntN(3) {
	case 0:
		return style + body
	case 1:
		return body
	}
	return "<!DOCTYPE html>\n<html><head><title>T</title>" + style + "</head><body>\n" + body + "\n</body></html>"
}

// docValues are the profile values the corpus renders with: plain text,
// text a parser reads in its own ways, markup whole and broken.
var docValues = []string{
	"Maya", "", " ", "a & b < c > d \"q\" 'a'", "&amp;", "&copy", "\u00a0nbsp\u200b",
	"<b>bold</b>", "<p>para</p>", "<a href=\"https://y.example\">l</a>", "</div>", "<div>", "<td>x",
	"<img src=x.png alt=a>", "line\nbreak", "\nlead", "<span class=a>s</span>", "<table><tr><td>t</td></tr></table>",
	"x&y", "<!-- c -->", "<li>i</li>",
}

// TestCompiledDocCorpus renders random templates with random values both
// ways (see TestCompiledDocSamples): byte-identical HTML and text,
// whether the template is finished at load, a message goes the reference
// way, or the template is refused.
func TestCompiledDocCorpus(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	dir := t.TempDir()
	offers := sampleOffers(t)
	var loaded, compiled, messages, direct int
	for seed := range n {
		c := &docCorpus{rand.New(rand.NewPCG(uint64(seed), 0x10ad))}
		src := c.template()
		name := fmt.Sprintf("t%03d.hbs", seed)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		tmpl, err := LoadFile(path, sampleCatalog)
		if err != nil {
			continue // a template the loader refuses has nothing to compare
		}
		loaded++
		if tmpl.doc != nil {
			compiled++
		} else if os.Getenv("DOCDEBUG") != "" {
			t.Logf("refused: %v\n%s", tmpl.docErr, src)
		}
		for k := range 4 {
			vr := rand.New(rand.NewPCG(uint64(seed), uint64(k)))
			val := func() string { return docValues[vr.IntN(len(docValues))] }
			prof := map[string]any{"t": val(), "h": val(), "b": vr.IntN(2) == 0,
				"items": []any{val(), val(), val()}[:vr.IntN(4)]}
			in := &Input{Recipient: Recipient{ID: "u-1", Profile: prof}, Campaign: Campaign{ID: "c"},
				Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Pixel: "https://t.example/t/o/x&y.gif"}
			in = offers.forTemplate(in, tmpl)
			messages++
			if tmpl.doc != nil && compareWays(t, fmt.Sprintf("%s %q (profile %q)", name, src, prof), tmpl, in) {
				direct++
			}
		}
	}
	t.Logf("%d templates loaded, %d finished at load; %d messages, %d of them finished without the reference", loaded, compiled, messages, direct)
	if direct < messages/8 {
		t.Errorf("only %d of %d messages were finished at load: the corpus no longer tests the compiled path", direct, messages)
	}
}

// FuzzCompiledDoc renders a template with a value both ways: the HTML
// finished at load and the reference must agree byte for byte. Seeded
// from the random corpus.
func FuzzCompiledDoc(f *testing.F) {
	for seed := range 8 {
		c := &docCorpus{rand.New(rand.NewPCG(uint64(seed), 0x10ad))}
		f.Add(c.template(), docValues[seed%len(docValues)])
	}
	f.Add("<style>p{color:red}</style><p>{{{profile.h}}}</p>", "<b>x</b>")
	dir := f.TempDir()
	offers := sampleOffers(f)
	f.Fuzz(func(t *testing.T, src, val string) {
		if len(src) > 4096 || len(val) > 1024 {
			return
		}
		path := filepath.Join(dir, "f.hbs")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		tmpl, err := LoadFile(path, sampleCatalog)
		if err != nil || tmpl.doc == nil {
			return
		}
		prof := map[string]any{"t": val, "h": val, "b": len(val)%2 == 0, "items": []any{val, "x"}}
		in := &Input{Recipient: Recipient{ID: "u-1", Profile: prof}, Campaign: Campaign{ID: "c"},
			Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		compareWays(t, fmt.Sprintf("%q with %q", src, val), tmpl, offers.forTemplate(in, tmpl))
	})
}
