package render

import (
	"strings"
	"testing"
)

// TestSnippetOps renders offer content that compiles to snippet ops (text,
// item fields, text helpers of recipient and campaign fields) and checks
// it against the same content run as statements, with values that need
// escaping and encoding.
func TestSnippetOps(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": offersTemplate})
	if err != nil {
		t.Fatal(err)
	}
	items := fakeOffers{
		"winter-sale/hero": {{ID: "w-hero", Name: `Parka "30%" & <more>`, Token: "t=1&x'y", Rank: 1,
			Content: mustSnippet(t, "hero.html", `<a href="{{link}}" title="{{name}} #{{rank}} {{isFallback}}">{{{token}}} {{id}} {{urlencode recipient.id}} {{{upper campaign.name}}} {{lower recipient.email}} [{{image}}|{{alt}}]</a>`),
			Link:    mustSnippet(t, "hero.link", `https://shop.example/w?u={{urlencode recipient.id}}&t={{token}}&c={{urlencode campaign.id}}`)}},
		"winter-sale/sidebar": {
			{ID: "s1", Name: "Shoes", Token: "tok<1>", Rank: 1, Content: mustSnippet(t, "s1.text", `{{name}} & {{token}} for {{upper recipient.email}}`),
				Link: mustSnippet(t, "s1.link", `https://shop.example/t/{{id}}?t={{token}}`)},
			{ID: "s2", Rank: 2, IsFallback: true, Content: mustSnippet(t, "s2.text", `{{isFallback}} {{{name}}} {{lower campaign.name}} {{profile.firstName}}`)},
		},
		"winter-sale/banner": {{ID: "b1", Name: "Banner & co", Rank: 1,
			Image: mustSnippet(t, "b.image", `https://cdn.example/{{id}}.png?r={{rank}}`),
			Alt:   mustSnippet(t, "b.alt", `Snow & <sale>: {{name}}`),
			Link:  mustSnippet(t, "b.link", `https://shop.example/b?u={{urlencode recipient.email}}`)}},
	}
	var ops []*Snippet
	for _, list := range items {
		for _, it := range list {
			for _, sn := range []*Snippet{it.Content, it.Link, it.Image, it.Alt} {
				if sn != nil && sn.ops != nil {
					ops = append(ops, sn)
				}
			}
		}
	}
	if len(ops) != 7 {
		t.Fatalf("%d snippets compiled to ops, want 7 (all but s2's content)", len(ops))
	}
	in := mayaInput(tmpl, items)
	in.Recipient.ID = "u-1&2'3" // ' is left as is by urlencode, and escaped
	_, fast, err := tmpl.execute(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range ops {
		sn.ops = nil
	}
	_, slow, err := tmpl.execute(in)
	if err != nil {
		t.Fatal(err)
	}
	if fast != slow {
		t.Errorf("offer content as ops:\n%s\nas statements:\n%s", fast, slow)
	}
	for _, want := range []string{
		`<a href="https://shop.example/w?u&#x3D;u-1%262&#x27;3&amp;t&#x3D;t&#x3D;1&amp;x&#x27;y&amp;c&#x3D;c-1" title="Parka &quot;30%&quot; &amp; &lt;more&gt; #1 false">t=1&x'y w-hero u-1%262&#x27;3 WINTER & CO maya@example.com [|]</a>`,
		`<a href="https://shop.example/t/s1?t&#x3D;tok&lt;1&gt;">Shoes &amp; tok&lt;1&gt; for MAYA@EXAMPLE.COM</a>`,
		`<img src="https://cdn.example/b1.png?r&#x3D;1" alt="Snow &amp; &lt;sale&gt;: Banner &amp; co">`,
		`<a href="">true  winter &amp; co O&#x27;Brien &lt;b&gt;</a>`,
		`<a href="https://shop.example/b?u&#x3D;maya%40example.com">`,
	} {
		if !strings.Contains(fast, want) {
			t.Errorf("output lacks %s:\n%s", want, fast)
		}
	}
}

// TestPartialRootFields reads the template's data through the context of
// {{> partial key=value}}, which rootFieldAt reads without names unless a
// key shadows the field.
func TestPartialRootFields(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{
		"main.hbs":       `{{> p reason="r"}}|{{> p recipient=campaign}}|{{> p profile="x"}}`,
		"partials/p.hbs": `{{recipient.id}} {{urlencode recipient.id}} {{upper recipient.email}} {{profile.firstName}} {{#if recipient.email}}e{{/if}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: Recipient{ID: "u-1&2'3", Email: "maya@example.com", Profile: map[string]any{"firstName": "Maya"}},
		Campaign: Campaign{ID: "c 1", Name: "Winter"}}
	_, got, err := tmpl.execute(in)
	want := `u-1&amp;2&#x27;3 u-1%262&#x27;3 MAYA@EXAMPLE.COM Maya e|c 1 c%201  Maya |u-1&amp;2&#x27;3 u-1%262&#x27;3 MAYA@EXAMPLE.COM  e`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}
