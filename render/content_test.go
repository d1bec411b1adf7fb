package render

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestRenderContent: the content of every item comes out as a template's
// block placeholder writes it for the same recipient: link, image and alt
// rendered as text, html content with the recipient's data escaped, and a
// representation the item does not have reported missing.
func TestRenderContent(t *testing.T) {
	items := map[string][]Item{
		"winter-sale/hero": {{
			ID: "o1", Name: "Boots & more", Rank: 1, Token: "t1",
			Content: mustSnippet(t, "html", `<b>{{profile.name}}</b> <a href="{{link}}">{{name}}</a>`),
			Link:    mustSnippet(t, "link", `https://shop.example/o1?u={{recipient.id}}&t={{token}}`),
		}},
		"winter-sale/sidebar": {
			{ID: "s1", Rank: 1, Content: mustSnippet(t, "text", `Hi {{profile.name}}, {{offer.id}} #{{rank}}`)},
			{ID: "s2", Rank: 2, Content: mustSnippet(t, "text", `plain`)},
		},
		"winter-sale/banner": {{
			ID: "b1", Rank: 1, IsFallback: true,
			Image: mustSnippet(t, "image", `https://cdn.example/{{context.locale}}.png`),
			Alt:   mustSnippet(t, "alt", `For {{profile.name}}`),
		}},
	}
	in := &Input{
		Recipient: Recipient{ID: "u<1>", Email: "a@example.com", Profile: map[string]any{"name": `Ana "<x>"`},
			Context: map[string]any{"locale": "fr"}},
		Campaign: Campaign{ID: "c"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
	}
	scopes := []Scope{{"winter-sale", "hero", 1}, {"winter-sale", "sidebar", 2}, {"winter-sale", "banner", 1}}
	in.Propositions = fakeOffers(items).props(scopes)
	got, err := RenderContent(in)
	if err != nil {
		t.Fatalf("RenderContent: %v", err)
	}

	// What a template writes for the same items, field by field.
	src := `{{#offer "winter-sale" placement="hero"}}{{content}}|{{link}}{{/offer}}` + "\n" +
		`{{#offer "winter-sale" placement="sidebar" items=2}}{{content}};{{/offer}}` + "\n" +
		`{{#offer "winter-sale" placement="banner"}}{{image}}|{{alt}}|{{#if link}}link{{else}}no link{{/if}}{{/offer}}`
	set, err := LoadFS(fstest.MapFS{"t.hbs": {Data: []byte(src)}}, sampleCatalog)
	if err != nil {
		t.Fatal(err)
	}
	tpl := set.Lookup("t.hbs")
	msg, err := tpl.Execute(fakeOffers(items).forTemplate(in, tpl))
	if err != nil {
		t.Fatal(err)
	}
	// Text is escaped where the template writes it, as it is.
	esc := func(s string) string { return string(appendEscaped(nil, s)) }
	wantBody := got[0][0].Content + "|" + esc(got[0][0].Link) + "\n" +
		esc(got[1][0].Content) + ";" + esc(got[1][1].Content) + ";\n" +
		esc(got[2][0].Image) + "|" + esc(got[2][0].Alt) + "|no link"
	if strings.TrimSpace(msg.HTML) != wantBody {
		t.Errorf("the template wrote\n%s\nRenderContent gave, escaped as the template would\n%s", msg.HTML, wantBody)
	}
	wantHTML := `<b>Ana &quot;&lt;x&gt;&quot;</b> <a href="https://shop.example/o1?u&#x3D;u&lt;1&gt;&amp;t&#x3D;t1">Boots &amp; more</a>`
	if got[0][0].Content != wantHTML || !got[0][0].HasContent {
		t.Errorf("hero content = %q (has %v), want %q", got[0][0].Content, got[0][0].HasContent, wantHTML)
	}
	if got[0][0].Link != "https://shop.example/o1?u=u<1>&t=t1" || got[0][0].HasImage {
		t.Errorf("hero link = %q, has image %v; want the link as text and no image", got[0][0].Link, got[0][0].HasImage)
	}
	if got[1][0].Content != `Hi Ana "<x>", s1 #1` || got[1][1].Content != "plain" {
		t.Errorf("sidebar contents = %q, %q", got[1][0].Content, got[1][1].Content)
	}
	if b := got[2][0]; b.Image != "https://cdn.example/fr.png" || b.Alt != `For Ana "<x>"` || b.HasLink || b.HasContent {
		t.Errorf("banner = %+v, want the image and alt rendered, no link, no content", b)
	}
}

// TestRenderContentStrict: a missing field in strict mode is an error
// naming it.
func TestRenderContentStrict(t *testing.T) {
	props := []Proposition{{Scope: Scope{"winter-sale", "sidebar", 1}, Type: ContentText,
		Items: []Item{{ID: "s1", Content: mustSnippet(t, "text", `Hi {{profile.name}}`)}}}}
	in := &Input{Recipient: Recipient{ID: "u1"}, Strict: true, Now: time.Now(), Propositions: props}
	if _, err := RenderContent(in); err == nil || !strings.Contains(err.Error(), "profile.name") {
		t.Errorf("RenderContent with a missing field in strict mode = %v, want an error naming profile.name", err)
	}
}
