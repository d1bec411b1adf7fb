package render

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The generated suite of the differential test: templates and hostile data
// from a fixed seed, so the same cases come out on every run and the
// recorded handlebars.js outputs stay valid. Templates mix every construct
// with whitespace control, standalone lines and odd paths; data mixes
// markup, astral characters, byte-order marks, line breaks, integer-like
// keys in any order, empty and null values.

// hbsGenPartials are the partials every generated case may include.
var hbsGenPartials = map[string]string{
	"card":  "<b>{{name}}</b> ({{n}})\n",
	"line":  "  - {{name}}\n",
	"up":    "{{name}} of {{@root.title}}",
	"keys":  "{{#each this}}[{{@key}}={{this}}]{{/each}}",
	"ws":    "{{#if ok}}\n  yes\n{{else}}\n  no\n{{/if}}\n",
	"ctx":   "{{this}}|{{title}}|{{@root.title}}|{{@index}}|{{length}}",
	"outer": "<div>\n  {{> line}}\n</div>\n",
}

// generatedCases returns n generated cases.
func generatedCases(n int) []hbsCase {
	r := rand.New(rand.NewPCG(2026, 16))
	cases := make([]hbsCase, n)
	for i := range cases {
		g := &hbsGen{r: r}
		cases[i] = hbsCase{
			Name:     fmt.Sprintf("gen-%04d", i),
			Template: g.statements(0, 1+r.IntN(4)),
			Data:     g.data(),
			Partials: hbsGenPartials,
		}
	}
	return cases
}

type hbsGen struct {
	r *rand.Rand
	// scopes counts the blocks around that changed the context (each,
	// with, sections), which ../ may climb out of.
	scopes int
}

// scoped generates inner statements inside a block that changes the
// context.
func (g *hbsGen) scoped(depth int) string {
	g.scopes++
	defer func() { g.scopes-- }()
	return g.inner(depth)
}

func (g *hbsGen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

func (g *hbsGen) chance(n int) bool { return g.r.IntN(n) == 0 }

// text is literal template text, heavy on what whitespace control reads.
func (g *hbsGen) text() string {
	return g.pick("", "", " ", "a", "Hi ", "<p>", "</p>", " & ", `"q"`, "\n", "\n", "  \n", "\n  ", "x\ny", "\t",
		"<br>\n", "\r\n", "\uFEFF", "\u00a0", "  ", "\n\n", "=`'")
}

func (g *hbsGen) path() string {
	if g.scopes > 0 && g.chance(6) {
		// ../ only inside blocks: at the top, offermail refuses it at load.
		if g.scopes > 1 && g.chance(3) {
			return "../../title"
		}
		return g.pick("../name", "../title", "../person.name", "../n")
	}
	return g.pick("name", "title", "n", "f", "ok", "no", "nothing", "zero", "empty", "s", "s.length", "s.[0]",
		"list", "list.length", "list.[1]", "list.[01]", "nums", "items", "items.length", "items.[0].name",
		"person", "person.name", "person.address.city", "obj", "obj.[2]", "obj.length", "obj.b",
		"this", ".", "./name", "this.name", "@root.title", "@root.person.name",
		"@index", "@key", "@first", "@last", "@../index", "@index.x", "@first.foo", "@root.nothing.x",
		"[name]", "missing", "missing.deep", "person.missing.x", "emptyobj", "emptylist", "astral", "astral.length",
		"n.x", "ok.length", "person.tags.[0]", "1e3", "items.[0]", "list.[-1]")
}

func (g *hbsGen) mustache() string {
	p := g.path()
	if g.chance(8) {
		p = g.pick(`lookup obj "2"`, `lookup s 1`, `lookup list "+1"`, `lookup zero "x"`, `lookup person "name"`,
			`lookup list 1`, `lookup items 0`, `lookup . "name"`, `lookup nothing "x"`, `lookup astral 0`, `lookup obj key`,
			`lookup (lookup items 0) "name"`, `"name"`, `""`, `undefinedHelper name`, `helperMissing`, `1e3`, `12`, `true`, `null`)
	}
	switch g.r.IntN(8) {
	case 0:
		return "{{{" + p + "}}}"
	case 1:
		return "{{& " + p + "}}"
	case 2:
		return "{{~" + p + "}}"
	case 3:
		return "{{" + p + "~}}"
	case 4:
		return "{{~{" + p + "}~}}"
	}
	return "{{" + p + "}}"
}

func (g *hbsGen) cond() string {
	c := g.pick("ok", "no", "nothing", "n", "zero", "empty", "s", "person", "items", "emptylist", "emptyobj", "missing",
		"@first", "@last", "this", "list.length", "obj")
	if g.chance(6) {
		c = "(lookup obj key)"
	}
	if g.chance(8) {
		c += " includeZero=true"
	}
	return c
}

// tag returns a tag with optional whitespace control.
func (g *hbsGen) tag(body string) string {
	open, close := "{{", "}}"
	if g.chance(5) {
		open = "{{~"
	}
	if g.chance(5) {
		close = "~}}"
	}
	return open + body + close
}

// line wraps a block tag on its own line sometimes, to exercise
// standalone lines.
func (g *hbsGen) line(tag string) string {
	switch g.r.IntN(4) {
	case 0:
		return "\n" + tag + "\n"
	case 1:
		return "\n" + g.pick("  ", "\t", " ") + tag + g.pick("", " ") + "\n"
	}
	return tag
}

func (g *hbsGen) statements(depth, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(g.text())
		b.WriteString(g.statement(depth))
	}
	b.WriteString(g.text())
	return b.String()
}

func (g *hbsGen) inner(depth int) string {
	return g.statements(depth+1, 1+g.r.IntN(2))
}

func (g *hbsGen) statement(depth int) string {
	k := g.r.IntN(20)
	if depth > 2 {
		k = g.r.IntN(6)
	}
	switch {
	case k < 5:
		return g.mustache()
	case k == 5:
		return g.line(g.pick("{{! note }}", "{{!-- a }} note --}}", "{{~! trim }}", "{{!~ x ~}}"))
	case k == 6 || k == 7:
		var b strings.Builder
		kw := g.pick("if", "unless", "if")
		b.WriteString(g.line(g.tag("#" + kw + " " + g.cond())))
		b.WriteString(g.inner(depth))
		for g.chance(3) {
			b.WriteString(g.line(g.tag("else if " + g.cond())))
			b.WriteString(g.inner(depth))
		}
		if g.chance(2) {
			b.WriteString(g.line(g.tag(g.pick("else", "else", "^"))))
			b.WriteString(g.inner(depth))
		}
		b.WriteString(g.line(g.tag("/" + kw)))
		return b.String()
	case k == 8 || k == 9:
		over := g.pick("items", "list", "obj", "person", "emptylist", "nothing", "s", "n", "emptyobj", "nums", "this", "person.tags")
		params := g.pick("", "", "", " as |it|", " as |it i|")
		var b strings.Builder
		b.WriteString(g.line(g.tag("#each " + over + params)))
		if params != "" {
			b.WriteString(g.pick("{{it}}", "{{it.name}}", "{{i}}", "{{it.length}}"))
		}
		b.WriteString(g.scoped(depth))
		if g.chance(2) {
			b.WriteString(g.line(g.tag("else")))
			b.WriteString(g.inner(depth))
		}
		b.WriteString(g.line(g.tag("/each")))
		return b.String()
	case k == 10:
		over := g.pick("person", "person.address", "nothing", "this", "items", "s", "zero", "emptyobj", "(lookup items 1)", "list")
		inner := g.scoped(depth)
		if g.chance(3) {
			inner += g.pick("{{../name}}", "{{this}}", "{{#with this}}{{../name}}{{/with}}", "{{#each ../list}}{{../../title}}{{/each}}")
		}
		els := ""
		if g.chance(3) {
			els = g.line(g.tag("else")) + g.inner(depth)
		}
		return g.line(g.tag("#with "+over)) + inner + els + g.line(g.tag("/with"))
	case k == 11:
		field := g.pick("person", "items", "ok", "no", "list", "nothing", "s", "zero", "emptylist", "obj")
		open := g.pick("#", "#", "^")
		els := ""
		if g.chance(4) {
			els = g.line(g.tag("else")) + g.inner(depth)
		}
		body := g.inner(depth)
		if open == "#" {
			body = g.scoped(depth)
		}
		return g.line(g.tag(open+field)) + body + els + g.line(g.tag("/"+field))
	case k == 12 || k == 13:
		call := g.pick("card", "line", "up", "keys", "ws", "ctx", "outer", "card person", `card name="h" n=1`,
			"keys person x=1", "ctx s", "ctx list", "ctx nothing", "keys obj", "ctx this", `"card"`, "card this",
			"up person", "keys list", "keys s y=2", "ctx items.[0] title=name", "card items.[0]")
		tag := "{{> " + call + "}}"
		if g.chance(5) {
			tag = "{{~> " + call + " ~}}"
		}
		return g.line(tag)
	case k == 14:
		return g.line("{{{{raw}}}}" + g.pick(" {{name}} ", "{{#if}}x{{/if}}", "\n{{a}}\n", "{{{x}}}", " ", "\n") + "{{{{/raw}}}}")
	case k == 15:
		return g.pick(`\{{name}}`, `\\{{name}}`, `\{{#if}}`, "{{'str'}}", "{{\"esc\\\"aped\"}}")
	case k == 16:
		return g.line(g.tag("#each "+g.pick("items", "obj", "list"))) + g.pick("{{@index}}", "{{@key}}", "{{@first}}", "{{@last}}", "{{#if @last}}L{{/if}}", "{{@../index}}") +
			g.scoped(depth) + g.line(g.tag("/each"))
	case k == 17 && g.chance(3):
		// Templates both engines should refuse.
		return g.pick("{{#if ok}}{{else if n}}N{{/if}}", "{{#if}}{{/if}}", "{{#each}}{{/each}}", "{{/if}}", "{{#if ok}}",
			"{{> }}", "{{#with person}}{{/if}}", "{{{name}}", "{{a.[b}}", "{{#if a b}}x{{/if}}")
	}
	return g.mustache()
}

// hostile returns a string value meant to break escaping and whitespace.
func (g *hbsGen) hostile() string {
	return g.pick("", "Maya", "a<b>", "c & d", `"q"`, "it's", "`tick`", "a=b", "Ünï", "x\ny", "\r\n", " ", "\uFEFF",
		"😀", "😀x", "<script>alert(1)</script>", "&amp;", "{{name}}", "0", "false", "null", "\u00a0", "\t", "\u2028")
}

func (g *hbsGen) number() any {
	return []any{0.0, 1.0, -1.0, 2.5, 1e21, 1e-7, 123456789012.0, math.Copysign(0, -1), 0.1 + 0.2, 42.0, 1e300, 3.0}[g.r.IntN(12)]
}

func (g *hbsGen) scalar() any {
	switch g.r.IntN(5) {
	case 0:
		return g.number()
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return nil
	}
	return g.hostile()
}

// obj writes a JSON object of the given members in a shuffled order,
// dropping some.
func (g *hbsGen) obj(members [][2]string) string {
	g.r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for _, m := range members {
		if g.chance(12) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(js(m[0]) + ":" + m[1])
	}
	b.WriteByte('}')
	return b.String()
}

func js(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func (g *hbsGen) data() string {
	list := make([]any, g.r.IntN(4))
	for i := range list {
		list[i] = g.scalar()
	}
	nums := make([]any, g.r.IntN(3))
	for i := range nums {
		nums[i] = g.number()
	}
	var items []string
	for range g.r.IntN(4) {
		items = append(items, g.obj([][2]string{{"name", js(g.hostile())}, {"n", js(g.number())}, {"ok", js(g.r.IntN(2) == 0)}, {"tags", js([]any{g.hostile()})}}))
	}
	objKeys := [][2]string{{"b", js(g.scalar())}, {"a", js(g.scalar())}, {"2", js(g.scalar())}, {"10", js(g.scalar())},
		{"01", js(g.scalar())}, {"-1", js(g.scalar())}, {"1e3", js(g.scalar())}, {"length", js(g.number())}, {"", js(g.hostile())}, {"name", js(g.hostile())}}
	person := g.obj([][2]string{{"name", js(g.hostile())}, {"n", js(g.number())}, {"address", g.obj([][2]string{{"city", js(g.hostile())}, {"zip", js("02134")}})}, {"tags", js([]any{g.hostile(), g.hostile()})}})
	return g.obj([][2]string{
		{"title", js(g.hostile())}, {"name", js(g.hostile())}, {"n", js(g.number())}, {"f", js(g.number())},
		{"ok", js(g.r.IntN(2) == 0)}, {"no", "false"}, {"nothing", "null"}, {"zero", "0"}, {"empty", `""`},
		{"s", js(g.hostile())}, {"astral", js("😀a😀")}, {"list", js(list)}, {"nums", js(nums)},
		{"items", "[" + strings.Join(items, ",") + "]"}, {"person", person}, {"obj", g.obj(objKeys)},
		{"emptyobj", "{}"}, {"emptylist", "[]"}, {"key", js(g.pick("2", "b", "name", "length", "x"))}, {"1e3", js("thousand")},
	})
}
