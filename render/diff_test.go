package render

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aymerick/raymond"
)

// The differential test runs templates through this package's executor
// and through raymond's, which serves as a reference. The two are meant to
// differ only where raymond departs from handlebars.js, so the templates
// and data here stay clear of those places:
//
//   - escaping of ' ` = (raymond writes &apos; and leaves ` and = alone);
//   - printing lists (raymond concatenates without commas), objects
//     (raymond prints Go maps, not [object Object]) and numbers in
//     exponent range (raymond never uses exponents);
//   - list.length, which raymond does not know;
//   - ../ inside a block that keeps the context, such as {{#if}} (raymond
//     counts it as a level), and {{this}} inside {{#true}}…{{/true}};
//   - empty objects, which raymond treats as false;
//   - {{#each}} over objects (raymond's key order differs);
//   - raw blocks (raymond requires a helper);
//   - {{#with (sub-expression)}}, where raymond keeps the outer context.

// raymondRender renders src with raymond, registering partials on the
// template itself (never globally).
func raymondRender(src string, data any, partials map[string]string) (string, error) {
	tpl, err := raymond.Parse(src)
	if err != nil {
		return "", err
	}
	tpl.RegisterPartials(partials)
	return tpl.Exec(data)
}

var diffPartials = map[string]string{
	"card": "<b>{{name}}</b> ({{n}})\n",
	"line": "  - {{name}}\n",
}

func TestDifferentialCorpus(t *testing.T) {
	data := jsonData(t, `{"title":"Winter <sale> & \"more\"","name":"Maya","n":3,"f":1.25,"ok":true,"no":false,"nothing":null,
		"items":[{"name":"a<b>","n":1,"ok":true},{"name":"c&d","n":2,"ok":false},{"name":"e","n":0,"ok":true}],
		"person":{"name":"P \"Q\"","n":-4.5,"tags":["x"],"address":{"city":"Portland"}},"empty":[]}`)
	corpus := []string{
		`{{title}} {{{title}}} {{&title}}`,
		`{{person.name}} {{person.address.city}} {{person.missing.deeper}} {{person.tags.[0]}}`,
		`{{n}} {{f}} {{person.n}} {{ok}} {{no}} {{nothing}}`,
		`{{#if ok}}yes{{else}}no{{/if}} {{#if no}}yes{{else}}no{{/if}} {{#unless no}}U{{/unless}}`,
		`{{#each items}}[{{@index}}:{{name}}{{#if @first}} first{{/if}}{{#if @last}} last{{/if}}]{{/each}}`,
		`{{#each items}}{{name}}/{{../title}};{{/each}}`,
		`{{#each items}}{{#if ok}}{{name}}{{else}}-{{/if}}{{/each}}`,
		`{{#each empty}}x{{else}}empty{{/each}}`,
		`{{#with person}}{{name}} in {{address.city}} ({{../name}}){{/with}}`,
		`{{#with person.address}}{{city}}{{/with}}{{#with nothing}}x{{else}}none{{/with}}`,
		`{{#items}}<{{name}}>{{/items}}{{^empty}}nothing{{/empty}}{{#person}}{{name}}{{/person}}`,
		`{{lookup person "name"}} {{lookup person.tags 0}}`,
		`{{#each items}}{{lookup ../person "name"}}{{/each}}`,
		"<ul>\n  {{#each items}}\n  <li>{{name}}</li>\n  {{/each}}\n</ul>\n",
		"{{#if ok}}\n  yes\n{{else}}\n  no\n{{/if}}\n",
		"a {{~name~}} b {{~#if ok~}} c {{~/if~}} d",
		"{{! a comment }}x{{!-- another }} --}}y",
		"before\n{{> card person}}\nafter\n",
		"{{#each items}}\n{{> line}}\n{{/each}}",
		"{{> card name=\"hashed\" n=7}}",
		`\{{not a tag}} {{name}}`,
		`{{#each items as |it i|}}{{i}}={{it.name}} {{/each}}`,
		`{{#with person as |p|}}{{p.name}}{{/with}}`,
		`{{#if (lookup person "name")}}has name{{/if}}`,
	}
	for _, src := range corpus {
		want, err := raymondRender(src, data, diffPartials)
		if err != nil {
			t.Fatalf("raymond(%q): %v", src, err)
		}
		got, _, err := execString(src, data, diffPartials, false)
		if err != nil {
			t.Errorf("Execute(%q): %v", src, err)
			continue
		}
		if got != want {
			t.Errorf("Execute(%q) = %q, want %q (raymond)", src, got, want)
		}
	}
}

// TestDifferentialRandom compares the two executors on templates and data
// generated from a fixed seed.
func TestDifferentialRandom(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(2026, 11))
	for i := range n {
		g := &gen{r: r}
		src := g.block(0, false)
		data := g.data()
		want, err := raymondRender(src, data, diffPartials)
		if err != nil {
			t.Fatalf("case %d: raymond(%q): %v", i, src, err)
		}
		got, _, err := execString(src, data, diffPartials, false)
		if err != nil {
			t.Errorf("case %d: Execute(%q): %v", i, src, err)
			continue
		}
		if got != want {
			t.Errorf("case %d: Execute(%q) with %v = %q, want %q (raymond)", i, src, data, got, want)
		}
	}
}

// gen generates templates over the data shape of data(): only paths that
// both executors resolve alike, ../ only right inside each and with.
type gen struct{ r *rand.Rand }

func (g *gen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

func (g *gen) text() string {
	return g.pick("", " ", "a", "Hi ", "<p>", "</p>", " & ", `"q"`, "\n", "  \n", "x\ny", "\t", "<br>\n")
}

func (g *gen) value(inItem bool) string {
	if inItem {
		return g.pick("name", "n", "ok", "this.name", "./n", "@index", "@first", "@last", "missing")
	}
	return g.pick("title", "name", "n", "f", "ok", "no", "nothing", "missing", "person.name", "person.address.city", "person.missing.x")
}

func (g *gen) mustache(inItem, parent bool) string {
	v := g.value(inItem)
	if parent && g.r.IntN(3) == 0 {
		v = "../" + g.pick("title", "name", "n")
	}
	open, close := g.pick("{{", "{{~", "{{{", "{{&"), "}}"
	switch open {
	case "{{{":
		close = "}}}"
	case "{{":
		close = g.pick("}}", "~}}")
	}
	return open + v + close
}

// block generates a sequence of statements. inItem: the context is an item
// of items; parent: the innermost block changed the context, so ../ is
// meant the same way by both executors.
func (g *gen) block(depth int, inItem bool) string {
	var b strings.Builder
	for range 1 + g.r.IntN(4) {
		b.WriteString(g.text())
		switch k := g.r.IntN(10); {
		case k < 4 || depth > 2:
			b.WriteString(g.mustache(inItem, false))
		case k == 4:
			fmt.Fprintf(&b, "{{#if %s}}%s{{else}}%s{{/if}}", g.cond(inItem), g.flat(inItem), g.flat(inItem))
		case k == 5:
			fmt.Fprintf(&b, "{{#unless %s}}%s{{/unless}}", g.cond(inItem), g.flat(inItem))
		case k == 6 && !inItem:
			fmt.Fprintf(&b, "{{#each items}}%s%s{{else}}none{{/each}}", g.mustache(true, true), g.block(depth+1, true))
		case k == 7 && !inItem:
			fmt.Fprintf(&b, "{{#with person}}%s{{/with}}", g.pick("{{name}}", "{{address.city}}", "{{../title}}", "{{#with address}}{{city}}{{../name}}{{/with}}"))
		case k == 8:
			fmt.Fprintf(&b, "%s{{! note }}%s", g.pick("", "\n"), g.pick("", "\n"))
		default:
			if inItem {
				b.WriteString(g.pick("{{> card}}", "{{> line}}"))
			} else {
				b.WriteString(g.pick("{{> card person}}", "{{> card name=\"h\" n=1}}", "\n{{> line person}}\n"))
			}
		}
	}
	b.WriteString(g.text())
	return b.String()
}

func (g *gen) flat(inItem bool) string {
	return g.text() + g.mustache(inItem, false) + g.text()
}

func (g *gen) cond(inItem bool) string {
	if inItem {
		return g.pick("ok", "n", "name", "@first", "@last", "missing")
	}
	return g.pick("ok", "no", "nothing", "n", "person", "person.name", "items", "missing")
}

func (g *gen) data() map[string]any {
	str := func() string { return g.pick("", "Maya", "a<b>", "c & d", `"q"`, "Ünï", "x\ny") }
	items := []any{}
	for range g.r.IntN(4) {
		items = append(items, map[string]any{"name": str(), "n": float64(g.r.IntN(5)), "ok": g.r.IntN(2) == 0})
	}
	return map[string]any{
		"title": str(), "name": str(), "n": float64(g.r.IntN(3)), "f": g.r.Float64()*10 - 5, "ok": g.r.IntN(2) == 0, "no": false, "nothing": nil,
		"items":  items,
		"person": map[string]any{"name": str(), "n": 2.5, "address": map[string]any{"city": str()}},
	}
}
