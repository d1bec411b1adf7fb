package render

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The executor's fast paths against what they stand for: root fields read
// by index, a path walked once to its parent, helpers called without a
// call record, literals and static offer content escaped at load. Each
// case also takes the way around the fast path (another context, a
// missing value, ../, @root, @index, a block parameter, a helper's field
// shadowed, unescaped output). The wants were written by hand and are the
// same with the executor before the fast paths.

const fastTemplate = `---
subject: '{{urlencode profile.city}}|{{default profile.firstName "there"}}|{{upper campaign.name}}'
---
[{{profile.firstName}}|{{recipient.id}}|{{campaign.name}}|{{context.weather}}|{{urlencode profile.city}}|{{{urlencode profile.city}}}|{{lower profile.firstName}}]
{{#if recipient.email}}E{{/if}}{{#if profile.vip}}V{{else}}v{{/if}}{{#if (eq context.weather "snow")}}S{{/if}}{{#unless (ne profile.vip false)}}U{{/unless}}
{{#each profile.orders as |o|}}({{id}}:{{o.id}}:{{@index}}:{{@root.profile.firstName}}:{{../profile.firstName}}:{{@root.campaign.id}}:{{this.id}}:{{length}}){{/each}}
{{#with profile.address}}{{city}}/{{../recipient.id}}/{{profile.firstName}}{{/with}}
{{> card reason="a & b" who=profile.firstName n=3}}
{{#offer "winter-sale" placement="sidebar" items=2}}<{{name}}|{{#if link}}{{link}}{{else}}nolink{{/if}}|{{content}}|{{{content}}}|{{rank}}>{{/offer}}
{{offer "winter-sale" placement="hero"}}{{offer "winter-sale" placement="banner"}}
{{profile.missing.deep}}{{profile.firstName.length}}{{default profile.nothing "dflt"}}`

const fastCard = `<{{reason}}|{{{reason}}}|{{who}}|{{n}}|{{profile.firstName}}|{{#if reason}}R{{/if}}|{{recipient.id}}|{{missing}}>`

func fastOffers(t *testing.T) fakeOffers {
	return fakeOffers{
		"winter-sale/hero": {{ID: "h", Name: "Hero & co", Token: "t'1",
			Content: mustSnippet(t, "h.html", `<a href="{{link}}">{{name}} for {{profile.firstName}} ({{@root.recipient.id}}, {{offer.name}}, {{urlencode profile.city}})</a>`),
			Link:    mustSnippet(t, "h.link", `https://x.example/h?u={{urlencode recipient.id}}&t={{token}}`)}},
		"winter-sale/sidebar": {
			{ID: "s1", Name: "One", Rank: 1, Content: mustSnippet(t, "s1.text", `Tip "one" for {{default profile.city "you"}}`), Link: mustSnippet(t, "s1.link", "https://x.example/a?b=1&c=2")},
			{ID: "s2", Name: "Two", Rank: 2, Content: mustSnippet(t, "s2.text", `Static <tip> & "two"`)},
		},
		"winter-sale/banner": {{ID: "b", Image: mustSnippet(t, "b.image", "https://x.example/b.png?x=1&y=2"),
			Alt: mustSnippet(t, "b.alt", `Snow & "ice"`), Link: mustSnippet(t, "b.link", "https://x.example/b?q='1'")}},
	}
}

func TestFastPathsTemplate(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": fastTemplate, "partials/card.hbs": fastCard})
	if err != nil {
		t.Fatal(err)
	}
	profile := map[string]any{"firstName": "Maya <3", "city": "São Paulo's", "vip": false,
		"orders":  []any{map[string]any{"id": "A1"}, map[string]any{"id": "B2"}},
		"address": map[string]any{"city": "Lyon"}}
	in := &Input{Recipient: Recipient{ID: "u-1", Email: "m@x.example", Profile: profile, Context: map[string]any{"weather": "snow"}},
		Campaign: Campaign{ID: "c-1", Name: "Winter & sale"}, Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	in.Propositions = fastOffers(t).props(tmpl.Scopes())
	m, html, err := tmpl.execute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `[Maya &lt;3|u-1|Winter &amp; sale|snow|S%C3%A3o%20Paulo&#x27;s|S%C3%A3o%20Paulo's|maya &lt;3]
EvSU
(A1:A1:0:Maya &lt;3:Maya &lt;3:c-1:A1:)(B2:B2:1:Maya &lt;3:Maya &lt;3:c-1:B2:)
Lyon/u-1/
<a &amp; b|a & b|Maya &lt;3|3|Maya &lt;3|R|u-1|><One|https://x.example/a?b&#x3D;1&amp;c&#x3D;2|Tip &quot;one&quot; for São Paulo&#x27;s|Tip "one" for São Paulo's|1><Two|nolink|Static &lt;tip&gt; &amp; &quot;two&quot;|Static <tip> & "two"|2>
<a href="https://x.example/h?u&#x3D;u-1&amp;t&#x3D;t&#x27;1">Hero &amp; co for Maya &lt;3 (u-1, Hero &amp; co, S%C3%A3o%20Paulo&#x27;s)</a><a href="https://x.example/b?q&#x3D;&#x27;1&#x27;"><img src="https://x.example/b.png?x&#x3D;1&amp;y&#x3D;2" alt="Snow &amp; &quot;ice&quot;"></a>
7dflt`
	if html != want {
		t.Errorf("html =\n%s\nwant\n%s", html, want)
	}
	if want := "S%C3%A3o%20Paulo's|Maya <3|WINTER & SALE"; m.Subject != want {
		t.Errorf("subject = %q, want %q", m.Subject, want)
	}
	wantMissing := []string{"profile.orders.0.length", "profile.orders.1.length", "profile.address.profile.firstName", "profile.missing.deep"}
	var got []string
	for _, ms := range m.Missing {
		got = append(got, ms.Field)
	}
	if !slices.Equal(got, wantMissing) {
		t.Errorf("missing fields = %q, want %q", got, wantMissing)
	}

	// A link rewritten for tracking is escaped as written, not as its
	// static snippet was at load.
	in.Links = rewriteLinks{}
	if _, html, err = tmpl.execute(in); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="https://t.example/c?t&#x3D;&amp;to&#x3D;https://x.example/b?q&#x3D;&#x27;1&#x27;">`,
		`<One|https://t.example/c?t&#x3D;&amp;to&#x3D;https://x.example/a?b&#x3D;1&amp;c&#x3D;2|`} {
		if !strings.Contains(html, want) {
			t.Errorf("html with tracked links does not hold %s:\n%s", want, html)
		}
	}
	in.Links = nil

	// Without a profile every profile field is missing, and a strict
	// execution fails at the first written out.
	in.Recipient.Profile = nil
	m, html, err = tmpl.execute(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(html, "[|u-1|Winter &amp; sale|snow|||]\nEvS\n\n\n<a &amp; b|a & b||3||R|u-1|><One|https://x.example/a?b&#x3D;1&amp;c&#x3D;2|Tip &quot;one&quot; for you|") {
		t.Errorf("html without a profile =\n%s", html)
	}
	if len(m.Missing) == 0 || m.Missing[0].Field != "profile.firstName" {
		t.Errorf("missing without a profile = %v, want profile.firstName first", m.Missing)
	}
	in.Strict = true
	if _, _, err := tmpl.execute(in); err == nil || !strings.Contains(err.Error(), "main.hbs:4:4: missing field profile.firstName (strict mode)") {
		t.Errorf("strict execution without a profile: %v", err)
	}
}

// TestFastPathsHandlebars runs the fast paths in contexts of any data, as
// partials and the differential tests see them.
func TestFastPathsHandlebars(t *testing.T) {
	tests := []struct{ tmpl, data, want string }{
		// A parent that is a map, a list, a string, a number; missing ones.
		{`{{a.b}}|{{a.l.length}}|{{a.l.[1]}}|{{a.s.length}}|{{a.n.x}}|{{x.y}}|{{a.b.c}}`, `{"a":{"b":"<b>","l":[1,2],"s":"héllo","n":5}}`, `&lt;b&gt;|2|2|5|||`},
		{`{{#if a.b}}T{{else}}F{{/if}}{{#if a.e}}T{{else}}F{{/if}}{{#if x.y}}T{{else}}F{{/if}}{{#if a.z}}T{{else}}F{{/if}}`, `{"a":{"b":1,"e":[],"z":0}}`, `TFFF`},
		// @root and data variables: a false value on the way is the value.
		{`{{@root.a.b}}|{{@root.z.b}}|{{#each l}}{{@index}}{{@first}}{{@root.a.b}}{{/each}}`, `{"a":{"b":"x"},"z":0,"l":[1]}`, `x|0|0truex`},
		// this and ../ and block parameters
		{`{{#each l as |e i|}}{{e.n}}{{i}}{{this.n}}{{../t}}{{/each}}`, `{"t":"T","l":[{"n":"a"},{"n":"b"}]}`, `a0aTb1bT`},
		// A field named like a helper is the helper; this.x is the field.
		{`{{default x "d"}}|{{this.default}}|{{urlencode u}}|{{{urlencode u}}}|{{eq 1 1}}|{{ne "a" "a"}}`, `{"default":"field","u":"a b'c"}`, `d|field|a%20b&#x27;c|a%20b'c|true|false`},
		// Nested direct calls, and a direct call as a block's condition.
		{`{{urlencode (default x "a&b")}}|{{#if (eq (default x 1) 1)}}one{{/if}}|{{upper (lower "AbC")}}`, `{}`, `a%26b|one|ABC`},
		// A partial's pairs: literals escaped at load, paths as they are.
		{`{{> p s="<&>" v=x n=2 b=true}}`, `{"x":"<x>","base":"B"}`, `&lt;&amp;&gt;|<&>|&lt;x&gt;|2|true|B|`},
	}
	partials := map[string]string{"p": `{{s}}|{{{s}}}|{{v}}|{{n}}|{{b}}|{{base}}|{{none}}`}
	for _, tt := range tests {
		got, _, err := execString(tt.tmpl, jsonData(t, tt.data), partials, false)
		if err != nil {
			t.Errorf("%s: %v", tt.tmpl, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s with %s = %q, want %q", tt.tmpl, tt.data, got, tt.want)
		}
	}
}

// rewriteLinks tracks every link, with & and = in the result.
type rewriteLinks struct{}

func (rewriteLinks) ClickURL(token, target string) string {
	return "https://t.example/c?t=" + token + "&to=" + target
}
