package render

import (
	"context"
	"strings"
	"testing"
)

// TestEscaping renders hostile profile data everywhere a value can go:
// HTML is escaped as handlebars.js escapes it, {{{raw}}} is not, and the
// subject and preheader, which are text, are never escaped.
func TestEscaping(t *testing.T) {
	src := "---\nsubject: 'Hi {{profile.name}}'\npreheader: '{{profile.quote}} {{profile.apos}}'\n" +
		"unsubscribe: https://n.example/u?u={{urlencode profile.name}}\n---\n" +
		`<p title="{{profile.quote}}">{{profile.name}}</p>{{{profile.trusted}}}<a href="/x?n={{urlencode profile.apos}}">{{profile.apos}}</a>` +
		`{{offer "winter-sale" placement="sidebar"}}`
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": src})
	if err != nil {
		t.Fatal(err)
	}
	profile := map[string]any{
		"name":    `<script>alert("x")</script>`,
		"quote":   `"quoted" & =`,
		"apos":    "it's `tick`",
		"trusted": "<b>bold</b>",
	}
	d := &fakeDecider{items: map[string][]Item{"winter-sale/sidebar": {{ID: "t", Content: mustSnippet(t, "t", "Hi {{profile.name}} & co")}}}}
	m, html, err := tmpl.execute(context.Background(), &Input{Recipient: Recipient{Profile: profile}, Decider: d})
	if err != nil {
		t.Fatal(err)
	}
	want := `<p title="&quot;quoted&quot; &amp; &#x3D;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p><b>bold</b>` +
		`<a href="/x?n=it&#x27;s%20%60tick%60">it&#x27;s &#x60;tick&#x60;</a>` +
		`Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co`
	if html != want {
		t.Errorf("Execute = %q, want %q", html, want)
	}
	if want := `Hi <script>alert("x")</script>`; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if want := "\"quoted\" & = it's `tick`"; m.Preheader != want {
		t.Errorf("Preheader = %q, want %q", m.Preheader, want)
	}
	if want := "https://n.example/u?u=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E"; m.Unsubscribe != want {
		t.Errorf("Unsubscribe = %q, want %q", m.Unsubscribe, want)
	}
}

// TestHeaderInjection checks that a subject or unsubscribe URL that
// renders with a line break fails the recipient, at the front-matter key.
func TestHeaderInjection(t *testing.T) {
	tests := []struct{ src, want string }{
		{"---\nsubject: 'Hi {{profile.name}}'\n---\n", "main.hbs:2:11: the subject holds a line break for this recipient"},
		{"---\nunsubscribe: 'https://x.example/{{profile.name}}'\n---\n", "main.hbs:2:15: the unsubscribe holds a line break for this recipient"},
		{"---\nunsubscribe: '{{profile.url}}'\n---\n", "main.hbs:2:15: unsubscribe renders as \"javascript:alert(1)\" for this recipient"},
	}
	profile := map[string]any{"name": "Maya\r\nBcc: all@example.com", "url": "javascript:alert(1)"}
	for _, tt := range tests {
		tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": tt.src})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = tmpl.execute(context.Background(), &Input{Recipient: Recipient{Profile: profile}})
		if !strings.HasPrefix(short(err), tt.want) {
			t.Errorf("Execute(%q) = %v, want %q", tt.src, short(err), tt.want)
		}
	}
}
