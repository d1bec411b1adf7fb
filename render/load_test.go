package render

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aymerick/raymond/lexer"

	"github.com/offermail/offermail/diag"
)

// TestLoadErrors checks that every kind of load error names the right
// file, line and column, and says what to do. want holds one prefix per
// error expected, in order.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown helper", map[string]string{"main.hbs": "<p>Hello</p>\n<p>{{frobnicate profile.name}}</p>"},
			[]string{`main.hbs:2:6: unknown helper "frobnicate"`}},
		{"helper typo", map[string]string{"main.hbs": "{{uper profile.name}}"},
			[]string{`main.hbs:1:3: unknown helper "uper" (did you mean "upper"?)`}},
		{"path with arguments", map[string]string{"main.hbs": "{{profile.greet \"x\"}}"},
			[]string{`main.hbs:1:3: profile.greet is not a helper: only a helper takes arguments`}},
		{"unknown activity", map[string]string{"main.hbs": "<p>\n</p>\n  {{offer \"winter-sal\" placement=\"hero\"}}"},
			[]string{`main.hbs:3:11: unknown activity "winter-sal"`}},
		{"unknown placement", map[string]string{"main.hbs": `{{offer "winter-sale" placement="heroo"}}`},
			[]string{`main.hbs:1:33: unknown placement "heroo"`}},
		{"placement not in activity", map[string]string{"main.hbs": `{{offer "weekly-digest" placement="sidebar"}}`},
			[]string{`main.hbs:1:35: placement "sidebar" is not configured in activity "weekly-digest"`}},
		{"activity not literal", map[string]string{"main.hbs": `{{offer profile.act placement="hero"}}`},
			[]string{`main.hbs:1:9: the activity must be a literal string`}},
		{"placement not literal", map[string]string{"main.hbs": `{{offer "winter-sale" placement=profile.slot}}`},
			[]string{`main.hbs:1:33: placement must be a literal string`}},
		{"items not literal", map[string]string{"main.hbs": `{{#offer "winter-sale" placement="sidebar" items=profile.n}}{{/offer}}`},
			[]string{`main.hbs:1:50: items must be a literal whole number`}},
		{"items out of range", map[string]string{"main.hbs": `{{#offer "winter-sale" placement="sidebar" items=31}}{{/offer}}`},
			[]string{`main.hbs:1:50: items=31 is out of range: a placement shows 1 to 30 offers`}},
		{"json inline", map[string]string{"main.hbs": `{{offer "mobile" placement="app"}}`},
			[]string{`main.hbs:1:28: placement "app" holds json, which cannot be written inline`}},
		{"items inline", map[string]string{"main.hbs": `{{offer "winter-sale" placement="hero" items=2}}`},
			[]string{`main.hbs:1:40: items= is for the block form, which shows several offers: write {{#offer "winter-sale" placement=… items=N}}`}},
		{"no placement", map[string]string{"main.hbs": `{{offer "winter-sale"}}`},
			[]string{`main.hbs:1:3: offer needs a placement`}},
		{"different items", map[string]string{"main.hbs": "{{#offer \"winter-sale\" placement=\"sidebar\" items=2}}{{content}}{{/offer}}\n" +
			"{{#offer \"winter-sale\" placement=\"sidebar\" items=3}}{{content}}{{/offer}}"},
			[]string{`main.hbs:2:44: winter-sale/sidebar is declared here with items=3 and at 1:44 with items=2: both show one decision, so give them the same items=`}},
		{"inline and block default", map[string]string{"main.hbs": "{{offer \"winter-sale\" placement=\"hero\"}}\n{{#offer \"winter-sale\" placement=\"hero\"}}{{content}}{{/offer}}"},
			[]string{`main.hbs:2:1: winter-sale/hero is declared here with the library's default items and at 1:1 with items=1`}},
		{"offer in subject", map[string]string{"main.hbs": "---\nsubject: 'Hi {{offer \"winter-sale\" placement=\"hero\"}}'\n---\nbody"},
			[]string{`main.hbs:2:14: an offer placeholder cannot appear in the subject`}},
		{"offer in preheader and unsubscribe", map[string]string{"main.hbs": "---\npreheader: '{{#offer \"winter-sale\" placement=\"hero\"}}{{name}}{{/offer}}'\n" +
			"unsubscribe: 'https://x.example/?o={{offer \"winter-sale\" placement=\"hero\"}}'\n---\nbody"},
			[]string{`main.hbs:2:13: an offer placeholder cannot appear in the preheader`, `main.hbs:3:36: an offer placeholder cannot appear in the unsubscribe`}},
		{"offer in partial of subject", map[string]string{"main.hbs": "---\nsubject: 'Hi {{> hero}}'\n---\n{{> hero}}",
			"partials/hero.hbs": `{{offer "winter-sale" placement="hero"}}`},
			[]string{`main.hbs:2:14: partial "hero" holds an offer placeholder, which the subject cannot show`}},
		{"unknown front-matter key", map[string]string{"main.hbs": "---\nsubject: Hello\ntitel: Hello\n---\nbody"},
			[]string{`main.hbs:3:1: unknown front-matter key "titel"`}},
		{"front matter twice", map[string]string{"main.hbs": "---\nsubject: a\nsubject: b\n---\n"},
			[]string{`main.hbs:3:1: front-matter key "subject" is set twice`}},
		{"unquoted subject", map[string]string{"main.hbs": "---\nsubject: {{profile.firstName}}\n---\n"},
			[]string{`main.hbs:2:10: subject must be a string; a value that starts with {{ or [ must be quoted`}},
		{"yaml syntax", map[string]string{"main.hbs": "---\nsubject: Hi\n  from: x: y\n---\n"},
			[]string{`main.hbs:3:1: front matter: mapping values are not allowed in this context`}},
		{"front matter not closed", map[string]string{"main.hbs": "---\nsubject: x\n<p>hi</p>\n"},
			[]string{`main.hbs:1:1: front matter is not closed: add a line --- after its last key`}},
		{"bad from", map[string]string{"main.hbs": "---\nfrom: Northwind\nreplyTo: help@northwind.example\n---\n"},
			[]string{`main.hbs:2:7: from "Northwind" is not an email address`}},
		{"bad unsubscribe", map[string]string{"main.hbs": "---\nunsubscribe: /unsubscribe?u={{recipient.id}}\n---\n"},
			[]string{`main.hbs:2:14: unsubscribe must be an https:// URL or a mailto: address`}},
		{"bad headers", map[string]string{"main.hbs": "---\nheaders:\n  Subject: x\n  X Bad: y\n  X-Ok: 1\n  x-ok: 2\n---\n"},
			[]string{`main.hbs:3:3: header Subject is written by offermail`, `main.hbs:4:3: "X Bad" is not a valid header name`, `main.hbs:6:3: header x-ok is set twice`}},
		{"CRLF lines", map[string]string{"main.hbs": "---\r\nsubject: Hi\r\nfrom: x\r\n---\r\n<p>\r\n  {{uper profile.name}}\r\n"},
			[]string{`main.hbs:3:7: from "x" is not an email address`, `main.hbs:6:5: unknown helper "uper"`}},
		{"CRLF Markdown", map[string]string{"main.md": "# Hi\r\n\r\n{{#each profile.x}}\r\n- {{uper this}}\r\n{{/each}}\r\n"},
			[]string{`main.md:4:5: unknown helper "uper"`}},
		{"byte order mark", map[string]string{"main.hbs": "\uFEFF{{uper x}}"},
			[]string{`main.hbs:1:3: unknown helper "uper"`}},
		{"body lines count front matter", map[string]string{"main.hbs": "---\nsubject: Hi\n---\n<p>\n  {{uper profile.name}}"},
			[]string{`main.hbs:5:5: unknown helper "uper"`}},
		{"missing partial", map[string]string{"main.hbs": "<p>\n  {{> footr}}"},
			[]string{`main.hbs:2:7: partial "footr" not found: create `}},
		{"missing layout", map[string]string{"main.hbs": "---\nlayout: basic.hbs\n---\nbody"},
			[]string{`main.hbs:2:9: layout "basic.hbs" not found: create `}},
		{"layout without body", map[string]string{"main.hbs": "---\nlayout: base\n---\nbody", "layouts/base.hbs": "<html></html>"},
			[]string{`layouts/base.hbs:1:1: layout has no {{{body}}}`}},
		{"layout with escaped body", map[string]string{"main.hbs": "---\nlayout: base\n---\nbody", "layouts/base.hbs": "<html>\n<body>{{body}}</body>"},
			[]string{`layouts/base.hbs:1:1: layout has no {{{body}}}`, `layouts/base.hbs:2:7: write the body as {{{body}}}`}},
		// Issue 13, item 9: templates that failed every recipient at run
		// time while check passed them.
		{"partial including itself", map[string]string{"main.hbs": "<p>{{> loop}}</p>", "partials/loop.hbs": "x\n {{> loop}}"},
			[]string{`partials/loop.hbs:2:2: partial "loop" includes itself (loop → loop) outside any block`}},
		{"partials including each other", map[string]string{"main.hbs": "{{> a}}", "partials/a.hbs": "{{#if x}}{{> a}}{{/if}}{{> b}}", "partials/b.hbs": "{{> a}}"},
			[]string{`partials/b.hbs:1:1: partial "a" includes itself (a → b → a) outside any block`}},
		{"from address too long", map[string]string{"main.hbs": "---\nfrom: 'News <" + strings.Repeat("n", 1000) + "@shop.example>'\n---\nbody"},
			[]string{`main.hbs:2:8: from address is 1013 octets long, over the 254 mail servers accept`}},
		{"unsubscribe too long", map[string]string{"main.hbs": "---\nunsubscribe: 'https://shop.example/" + strings.Repeat("u", 1000) + "'\n---\nbody"},
			[]string{`main.hbs:2:15: unsubscribe is 1021 octets long: its List-Unsubscribe line would pass the 998 octets`}},
		// Issue 13, item 13.
		{"quote in unsubscribe", map[string]string{"main.hbs": "---\nunsubscribe: 'https://shop.example/u?n=\"x\"'\n---\nbody"},
			[]string{`main.hbs:2:15: unsubscribe holds a quote, an angle bracket or a space, which List-Unsubscribe cannot carry`}},
		{"error in partial", map[string]string{"main.hbs": "{{> footer}}", "partials/footer.hbs": "<p>\n  {{uper x}}</p>"},
			[]string{`partials/footer.hbs:2:5: unknown helper "uper"`}},
		{"unclosed block", map[string]string{"main.hbs": "<p>\n{{#if profile.vip}}VIP\n</p>"},
			[]string{`main.hbs:2:1: {{#if}} is not closed: add {{/if}}`}},
		{"mismatched block", map[string]string{"main.hbs": "{{#if a}}{{/each}}"},
			[]string{`main.hbs:1:10: {{/each}} does not close {{#if}} opened at 1:1: close it with {{/if}}`}},
		{"unclosed tag", map[string]string{"main.hbs": "Hello {{profile.name"},
			[]string{`main.hbs:1:7: "{{" is not closed: add "}}"`}},
		{"stray close", map[string]string{"main.hbs": "a\n {{/if}}"},
			[]string{`main.hbs:2:2: {{/if}} closes no open block: remove it`}},
		{"stray else", map[string]string{"main.hbs": "{{else}}"},
			[]string{`main.hbs:1:1: "{{else}}" outside a block`}},
		{"unterminated string", map[string]string{"main.hbs": `{{default profile.x "abc}}`},
			[]string{`main.hbs:1:21: string is not closed`}},
		{"unclosed comment", map[string]string{"main.hbs": "x\n{{!-- note"},
			[]string{`main.hbs:2:1: comment is not closed: add "--}}"`}},
		{"unexpected character", map[string]string{"main.hbs": "{{profile.name;}}"},
			[]string{`main.hbs:1:15: unexpected character ';' inside {{ }}`}},
		{"unknown root field", map[string]string{"main.hbs": "Hi {{profle.firstName}}"},
			[]string{`main.hbs:1:6: unknown field "profle" (did you mean "profile"?)`}},
		{"unknown recipient field", map[string]string{"main.hbs": "{{recipient.name}}"},
			[]string{`main.hbs:1:3: recipient has no field "name"`}},
		{"unknown item field", map[string]string{"main.hbs": `{{#offer "winter-sale" placement="hero"}}{{titel}}{{/offer}}`},
			[]string{`main.hbs:1:44: an offer item has no field "titel"`}},
		{"above the top", map[string]string{"main.hbs": "{{../profile.x}}"},
			[]string{`main.hbs:1:3: ../profile.x goes above the top of the template`}},
		{"unknown data variable", map[string]string{"main.hbs": "{{@indx}}"},
			[]string{`main.hbs:1:4: unknown data variable @indx (did you mean "index"?)`}},
		{"too few arguments", map[string]string{"main.hbs": "{{eq 5}}"},
			[]string{`main.hbs:1:3: eq needs 2 arguments, got 1, as in {{#if (eq profile.loyalty.tier`}},
		{"too many arguments", map[string]string{"main.hbs": "{{upper 1 2}}"},
			[]string{`main.hbs:1:11: upper takes at most 1 argument, got 2`}},
		{"block helper inline", map[string]string{"main.hbs": "{{if profile.vip}}"},
			[]string{`main.hbs:1:3: if is a block helper: write {{#if …}}…{{/if}}`}},
		{"helper as block", map[string]string{"main.hbs": "{{#upper profile.x}}{{/upper}}"},
			[]string{`main.hbs:1:4: upper is not a block helper`}},
		{"unknown named argument", map[string]string{"main.hbs": `{{formatNumber 1 loc="de"}}`},
			[]string{`main.hbs:1:18: formatNumber has no argument loc=; it takes locale=`}},
		{"unknown locale", map[string]string{"main.hbs": `{{formatNumber 1 locale="xx"}}`},
			[]string{`main.hbs:1:25: formatNumber: unknown locale "xx": use one of en, de, fr, es`}},
		{"dynamic partial", map[string]string{"main.hbs": `{{> (lookup profile "p")}}`},
			[]string{`main.hbs:1:1: the partial name must be written out`}},
		{"every error at once", map[string]string{"main.hbs": "---\nsubject: x\nbogus: 1\n---\n{{uper profile.x}}\n{{offer \"nope\" placement=\"hero\"}}\n{{> nothere}}"},
			[]string{`main.hbs:3:1: unknown front-matter key "bogus"`, `main.hbs:5:3: unknown helper "uper"`, `main.hbs:6:9: unknown activity "nope"`, `main.hbs:7:5: partial "nothere" not found`}},
		{"markdown positions", map[string]string{"main.md": "---\nsubject: Hi\n---\n# Hello\n\nSome *text* and {{uper profile.name}} here.\n\n| a | b |\n|---|---|\n| {{lower profile.x}} | {{bogus 1}} |\n"},
			[]string{`main.md:6:19: unknown helper "uper"`, `main.md:10:27: unknown helper "bogus"`}},
		{"markdown block error", map[string]string{"main.md": "Intro\n\n{{#each profile.items}}\n- {{name}}\n{{/if}}\n"},
			[]string{`main.md:5:1: {{/if}} does not close {{#each}} opened at 3:1: close it with {{/each}}`}},
		{"markdown lexer error", map[string]string{"main.md": "# Title\n\nHi {{profile.name\n"},
			[]string{`main.md:3:4: "{{" is not closed: add "}}"`}},
	}
	for _, tt := range tests {
		name := "main.hbs"
		if _, ok := tt.files["main.md"]; ok {
			name = "main.md"
		}
		tmpl, err := loadOne(t, name, tt.files)
		if err == nil {
			t.Errorf("%s: LoadFile succeeded (%d scopes), want errors %q", tt.name, len(tmpl.Scopes()), tt.want)
			continue
		}
		var list diag.List
		if !errors.As(err, &list) {
			t.Errorf("%s: LoadFile error %T is not an diag.List: %v", tt.name, err, err)
			continue
		}
		got := strings.Split(short(err), "\n")
		if len(got) != len(tt.want) {
			t.Errorf("%s: LoadFile errors =\n%s\nwant %d errors starting\n%s", tt.name, short(err), len(tt.want), strings.Join(tt.want, "\n"))
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.want[i]) {
				t.Errorf("%s: LoadFile error %d = %q, want prefix %q", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

// TestLoadDirAllErrors checks that LoadDir reports the errors of every
// template and of unused partials, and keeps the templates that loaded.
func TestLoadDirAllErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.hbs":               "{{uper x}}",
		"b.md":                "# ok {{profile.firstName}}",
		"c.html":              "{{offer \"nope\" placement=\"hero\"}}",
		"notes.txt":           "{{not a template}}",
		".swap.hbs":           "{{bogus}}",
		"library/x.hbs":       "{{bogus}}",
		"partials/unused.hbs": "{{#if}}",
	})
	set, err := LoadDir(dir, sampleCatalog)
	want := []string{
		`a.hbs:1:3: unknown helper "uper"`,
		`c.html:1:9: unknown activity "nope"`,
		`partials/unused.hbs:1:1: {{#if}} is not closed: add {{/if}}`,
	}
	got := strings.Split(short(err), "\n")
	if len(got) != len(want) {
		t.Fatalf("LoadDir errors =\n%s\nwant\n%s", short(err), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("LoadDir error %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	var names []string
	for _, tm := range set.Templates() {
		names = append(names, tm.Name())
	}
	if want := []string{"b.md"}; !slices.Equal(names, want) {
		t.Errorf("LoadDir templates = %q, want %q", names, want)
	}
	if set.Lookup("b.md") == nil || set.Lookup("a.hbs") != nil {
		t.Errorf("Lookup(b.md) = %v, Lookup(a.hbs) = %v, want the template and nil", set.Lookup("b.md"), set.Lookup("a.hbs"))
	}
}

// TestGrammarAgreesWithParser checks that checkGrammar accepts exactly the
// texts raymond's parser accepts, on random soups of Handlebars fragments.
// (Each text the parser rejects leaks its lexer goroutine: fine in a test.)
func TestGrammarAgreesWithParser(t *testing.T) {
	frags := []string{"{{", "}}", "{{#", "{{/", "{{^", "{{else}}", "{{^}}", "{{else ", "{{>", "{{{", "}}}", "{{&", "{{~", "~}}",
		"{{{{", "}}}}", "{{{{/", "if", "each", "x", "a.b", "../", "./", "this", "@index", "@root.a", "[a b]", " ", "\n", "text",
		`"s"`, "'t'", "12", "1.5", "-3", "true", "false", "(", ")", "=", "k=", "as |", "|", "y|", "{{!c}}", "{{!-- d --}}", "/", ".."}
	r := rand.New(rand.NewPCG(7, 8))
	accepted, rejected := 0, 0
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(frags[r.IntN(len(frags))])
		}
		text := b.String()
		toks := lexer.Collect(text)
		if toks[len(toks)-1].Kind == lexer.TokenError {
			continue
		}
		gerr := checkGrammar(plainSource("t.hbs", text, 1, 1), toks)
		_, perr := safeParse(text)
		if (gerr == nil) != (perr == nil) {
			t.Errorf("checkGrammar(%q) = %v, but raymond's parser says %v", text, gerr, perr)
		}
		if perr == nil {
			accepted++
		} else {
			rejected++
		}
	}
	if accepted < 500 || rejected < 500 {
		t.Errorf("the soups were too one-sided to tell: %d accepted, %d rejected", accepted, rejected)
	}
}

// TestHeadersRefusedAtLoad: a front-matter header the MIME writer would
// refuse for every message (any Content-*, Sender) is a load error.
func TestHeadersRefusedAtLoad(t *testing.T) {
	for _, name := range []string{"Content-Language", "content-id", "Sender", "X Bad"} {
		src := "---\nheaders:\n  " + name + ": x\n---\n<p>hi</p>\n"
		_, err := LoadFS(fstest.MapFS{"t.hbs": {Data: []byte(src)}}, sampleCatalog)
		if err == nil || !strings.Contains(err.Error(), "t.hbs:3:3: ") {
			t.Errorf("header %q: LoadFS error = %v, want one at t.hbs:3:3", name, err)
		}
	}
	src := "---\nheaders:\n  X-Campaign: winter\n---\n<p>hi</p>\n"
	if _, err := LoadFS(fstest.MapFS{"t.hbs": {Data: []byte(src)}}, sampleCatalog); err != nil {
		t.Errorf("header X-Campaign: LoadFS error = %v", err)
	}
}
