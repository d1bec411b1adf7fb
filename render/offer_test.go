package render

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const offersTemplate = `<h1>{{offer "winter-sale" placement="hero"}}</h1>
<ul>
{{#offer "winter-sale" placement="sidebar" items=2}}
<li>{{rank}}. <a href="{{link}}">{{content}}</a>{{#if @last}} (last){{/if}}</li>
{{else}}
<li>none</li>
{{/offer}}
</ul>
{{offer "winter-sale" placement="banner"}}`

func winterItems(t testing.TB) fakeOffers {
	return fakeOffers{
		"winter-sale/hero": {{ID: "w-hero", Rank: 1,
			Content: mustSnippet(t, "hero.html", `<a href="{{link}}">Hi {{profile.firstName}}</a>`),
			Link:    mustSnippet(t, "hero.link", `https://shop.example/w?u={{urlencode recipient.id}}&n={{profile.firstName}}`)}},
		"winter-sale/sidebar": {
			{ID: "s1", Rank: 1, Content: mustSnippet(t, "s1.text", `Trail shoes for {{profile.firstName}}`), Link: mustSnippet(t, "s1.link", `https://shop.example/t`)},
			{ID: "s2", Rank: 2, Content: mustSnippet(t, "s2.text", `Socks & "more"`)},
			{ID: "s3", Rank: 3, Content: mustSnippet(t, "s3.text", `never shown: items=2`)},
		},
		"winter-sale/banner": {{ID: "b1", Rank: 1,
			Image: mustSnippet(t, "b.image", `https://cdn.example/b.png`),
			Alt:   mustSnippet(t, "b.alt", `Snow & <sale> for {{profile.firstName}}`),
			Link:  mustSnippet(t, "b.link", `https://shop.example/b?x=1&y=2`)}},
	}
}

// mayaInput is Maya's input for tmpl, with the items of offers as its
// propositions.
func mayaInput(tmpl *Template, offers fakeOffers) *Input {
	return &Input{
		Recipient:    Recipient{ID: "u-1&2", Email: "maya@example.com", Profile: map[string]any{"firstName": "O'Brien <b>"}},
		Campaign:     Campaign{ID: "c-1", Name: "Winter & co"},
		Propositions: offers.props(tmpl.Scopes()),
	}
}

// TestOffers checks inline html, text and image placeholders and the block
// form, with escaping: a text snippet is rendered as text and escaped once
// where it is written, html content escapes the values in it.
func TestOffers(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": offersTemplate})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		items fakeOffers
		want  string
	}{
		{"offers", winterItems(t), `<h1><a href="https://shop.example/w?u&#x3D;u-1%262&amp;n&#x3D;O&#x27;Brien &lt;b&gt;">Hi O&#x27;Brien &lt;b&gt;</a></h1>
<ul>
<li>1. <a href="https://shop.example/t">Trail shoes for O&#x27;Brien &lt;b&gt;</a></li>
<li>2. <a href="">Socks &amp; &quot;more&quot;</a> (last)</li>
</ul>
<a href="https://shop.example/b?x&#x3D;1&amp;y&#x3D;2"><img src="https://cdn.example/b.png" alt="Snow &amp; &lt;sale&gt; for O&#x27;Brien &lt;b&gt;"></a>`},
		{"nothing decided", nil, "<h1></h1>\n<ul>\n<li>none</li>\n</ul>\n"},
		{"image without link", fakeOffers{"winter-sale/banner": {{ID: "b2", Image: mustSnippet(t, "b2", "https://cdn.example/b2.png")}}},
			"<h1></h1>\n<ul>\n<li>none</li>\n</ul>\n<img src=\"https://cdn.example/b2.png\" alt=\"\">"},
	}
	wantScopes := []Scope{{"winter-sale", "hero", 1}, {"winter-sale", "sidebar", 2}, {"winter-sale", "banner", 1}}
	if got := tmpl.Scopes(); !slices.Equal(got, wantScopes) {
		t.Errorf("Scopes() = %v, want %v", got, wantScopes)
	}
	for _, tt := range tests {
		_, got, err := tmpl.execute(mayaInput(tmpl, tt.items))
		if err != nil {
			t.Errorf("%s: Execute: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Execute = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestOfferBlockFields(t *testing.T) {
	src := `{{#offer "post-purchase" placement="crosssell" items=3 as |o i|}}[{{i}}:{{o.id}}|{{id}}|{{name}}|{{isFallback}}|{{token}}|{{tags}}|{{attributes.margin}}|{{json}}|{{content}}|{{{content}}}|{{../profile.firstName}}|{{@root.campaign.name}}|{{@first}}]{{/offer}}`
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": src})
	if err != nil {
		t.Fatal(err)
	}
	d := fakeOffers{"post-purchase/crosssell": {{
		ID: "pp-1", Name: "Socks & Co", Tags: []string{"a", "b"}, Attributes: map[string]any{"margin": 12.5},
		Content: mustSnippet(t, "pp.html", `<b>{{name}}</b>`), IsFallback: true, Token: "tok=1", Rank: 1,
	}}}
	_, got, err := tmpl.execute(mayaInput(tmpl, d))
	want := `[0:pp-1|pp-1|Socks &amp; Co|true|tok&#x3D;1|a,b|12.5||<b>Socks &amp; Co</b>|<b>Socks &amp; Co</b>|O&#x27;Brien &lt;b&gt;|Winter &amp; co|true]`
	if err != nil || got != want {
		t.Errorf("Execute = %q, %v, want %q", got, err, want)
	}
}

// TestScopesOrder checks document order through a layout (its content
// before {{{body}}} first) and partials, and that a placeholder repeated
// shows one decision.
func TestScopesOrder(t *testing.T) {
	files := map[string]string{
		"main.hbs":           "---\nlayout: base\n---\n{{> promo}}{{#offer \"winter-sale\" placement=\"sidebar\"}}{{content}};{{/offer}}{{offer \"weekly-digest\" placement=\"hero\"}}",
		"layouts/base.hbs":   `<header>{{offer "weekly-digest" placement="hero"}}</header>{{{body}}}<footer>{{offer "post-purchase" placement="banner"}}</footer>`,
		"partials/promo.hbs": `{{offer "winter-sale" placement="banner"}}`,
	}
	tmpl, err := loadOne(t, "main.hbs", files)
	if err != nil {
		t.Fatal(err)
	}
	want := []Scope{{"weekly-digest", "hero", 1}, {"winter-sale", "banner", 1}, {"winter-sale", "sidebar", 0}, {"post-purchase", "banner", 1}}
	if got := tmpl.Scopes(); !slices.Equal(got, want) {
		t.Errorf("Scopes() = %v, want %v", got, want)
	}
	var gotFiles []string
	dir := filepath.Dir(tmpl.Files()[0])
	for _, f := range tmpl.Files() {
		rel, _ := filepath.Rel(dir, f)
		gotFiles = append(gotFiles, filepath.ToSlash(rel))
	}
	if want := []string{"main.hbs", "layouts/base.hbs", "partials/promo.hbs"}; !slices.Equal(gotFiles, want) {
		t.Errorf("Files() = %q, want %q", tmpl.Files(), want)
	}
	d := fakeOffers{
		"weekly-digest/hero":  {{ID: "d", Content: mustSnippet(t, "d", "<i>{{id}}</i>")}},
		"winter-sale/sidebar": {{ID: "s", Content: mustSnippet(t, "s", "a")}, {ID: "t", Content: mustSnippet(t, "t", "b")}},
	}
	_, got, err := tmpl.execute(mayaInput(tmpl, d))
	if want := "<header><i>d</i></header>a;b;<i>d</i><footer></footer>"; err != nil || got != want {
		t.Errorf("Execute = %q, %v, want %q", got, err, want)
	}
}

// TestPropositionErrors: propositions that do not answer the template's
// scopes, one for one and in order, are an error, not a guess.
func TestPropositionErrors(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": `{{offer "winter-sale" placement="hero"}}{{offer "winter-sale" placement="banner"}}`})
	if err != nil {
		t.Fatal(err)
	}
	in := mayaInput(tmpl, nil)
	in.Propositions = nil
	if _, err := tmpl.Execute(in); err == nil || !strings.Contains(err.Error(), "Input has 0 propositions for the template's 2 scopes") {
		t.Errorf("Execute without propositions = %v, want an error", err)
	}
	in = mayaInput(tmpl, nil)
	in.Propositions[0], in.Propositions[1] = in.Propositions[1], in.Propositions[0]
	if _, err := tmpl.Execute(in); err == nil || !strings.Contains(err.Error(), "proposition 1 is for winter-sale/banner, want winter-sale/hero") {
		t.Errorf("Execute with propositions out of order = %v, want an error", err)
	}
	plain, err := loadOne(t, "plain.hbs", map[string]string{"plain.hbs": "no offers"})
	if err != nil {
		t.Fatal(err)
	}
	if _, html, err := plain.execute(mayaInput(plain, nil)); err != nil || html != "no offers" {
		t.Errorf("Execute(no placeholders, no propositions) = %q, %v, want it to render", html, err)
	}
}

// TestSnippetData checks what offer content sees and where its errors
// point.
func TestSnippetData(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": `{{#offer "winter-sale" placement="sidebar"}}{{content}}{{/offer}}`})
	if err != nil {
		t.Fatal(err)
	}
	it := Item{ID: "s1", Name: "Shoes", Rank: 2, Token: "tk", Tags: []string{"run"}, Attributes: map[string]any{"pct": 20},
		Link:    mustSnippet(t, "s1.link", "https://x.example/{{id}}"),
		Content: mustSnippet(t, "offers.yaml#s1", "{{name}} {{attributes.pct}}% {{tags}} {{rank}} {{token}} {{link}} {{recipient.email}} {{campaign.id}} {{isFallback}}\n{{profile.nickname}}")}
	d := fakeOffers{"winter-sale/sidebar": {it}}
	m, got, err := tmpl.execute(mayaInput(tmpl, d))
	if want := "Shoes 20% run 2 tk https://x.example/s1 maya@example.com c-1 false\n"; err != nil || got != want {
		t.Errorf("Execute = %q, %v, want %q", got, err, want)
	}
	if want := []Missing{{Field: "profile.nickname", File: "offers.yaml#s1", Line: 2, Col: 3}}; m == nil || !reflect.DeepEqual(m.Missing, want) {
		t.Errorf("Missing = %+v, want %+v", m.Missing, want)
	}
	in := mayaInput(tmpl, d)
	in.Strict = true
	if _, _, err := tmpl.execute(in); short(err) != "offers.yaml#s1:2:3: missing field profile.nickname (strict mode): give every recipient this field, or guard it with {{#if …}} or {{default … \"…\"}}" {
		t.Errorf("Execute(strict) = %v, want the snippet's position", err)
	}
	for _, src := range []string{`{{> footer}}`, `{{offer "winter-sale" placement="hero"}}`, `{{bogus}}`} {
		if _, err := ParseSnippet("x", src); err == nil {
			t.Errorf("ParseSnippet(%q) succeeded, want an error", src)
		}
	}
	if _, err := ParseSnippet("offers.yaml#hero", "line\n  {{uper name}}"); short(err) != `offers.yaml#hero:2:5: unknown helper "uper" (did you mean "upper"?)` {
		t.Errorf("ParseSnippet error = %v, want it at 2:5", err)
	}
}
