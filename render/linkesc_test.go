package render

import (
	"testing"
	"testing/fstest"
	"time"
)

// TestLinkEscaped: a link made of text, the item's fields, raw or not,
// urlencode of the recipient's id, and itself (empty while it renders) is
// written in an href as the rendered link escaped as a whole, and as it is
// by {{{link}}}.
func TestLinkEscaped(t *testing.T) {
	link := mustSnippet(t, "link", `https://x.example/p?a='"<>&u={{urlencode recipient.id}}&t={{token}}&r={{{token}}}&k={{rank}}&self={{link}}`)
	items := map[string][]Item{"winter-sale/hero": {{ID: "o1", Rank: 3, Token: `t<"&>`, Link: link}}}
	in := &Input{Recipient: Recipient{ID: "u'1&2", Email: "a@example.com"}, Campaign: Campaign{ID: "c"},
		Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	in.Propositions = fakeOffers(items).props([]Scope{{"winter-sale", "hero", 1}})
	src := `{{#offer "winter-sale" placement="hero"}}<a href="{{link}}">{{{link}}}</a>{{/offer}}`
	set, err := LoadFS(fstest.MapFS{"t.hbs": {Data: []byte(src)}}, sampleCatalog)
	if err != nil {
		t.Fatal(err)
	}
	_, html, err := set.Lookup("t.hbs").execute(in)
	if err != nil {
		t.Fatal(err)
	}
	raw := `https://x.example/p?a='"<>&u=u'1%262&t=t<"&>&r=t<"&>&k=3&self=`
	esc := `https://x.example/p?a&#x3D;&#x27;&quot;&lt;&gt;&amp;u&#x3D;u&#x27;1%262&amp;t&#x3D;t&lt;&quot;&amp;&gt;&amp;r&#x3D;t&lt;&quot;&amp;&gt;&amp;k&#x3D;3&amp;self&#x3D;`
	if got := string(appendEscaped(nil, raw)); got != esc {
		t.Fatalf("the expected link escaped is %q, appendEscaped makes %q", esc, got)
	}
	want := `<a href="` + esc + `">` + raw + "</a>"
	if html != want {
		t.Errorf("the block wrote\n%s\nwant\n%s", html, want)
	}
}
