package render

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
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
	d := fakeOffers{"winter-sale/sidebar": {{ID: "t", Content: mustSnippet(t, "t", "Hi {{profile.name}} & co")}}}
	m, html, err := tmpl.execute(&Input{Recipient: Recipient{Profile: profile}, Propositions: d.props(tmpl.Scopes())})
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
		_, _, err = tmpl.execute(&Input{Recipient: Recipient{Profile: profile}})
		if !strings.HasPrefix(short(err), tt.want) {
			t.Errorf("Execute(%q) = %v, want %q", tt.src, short(err), tt.want)
		}
	}
}

func TestMessageFields(t *testing.T) {
	src := "---\nsubject: 'Hi {{profile.firstName}}'\npreheader: Fresh snow\nfrom: Northwind <news@northwind.example>\nreplyTo: help@northwind.example\n" +
		"unsubscribe: 'mailto:leave@northwind.example?subject={{urlencode recipient.id}}'\nheaders:\n  X-Zeta: last\n  X-Alpha: first\n---\n<p>Hello</p>"
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": src})
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: Recipient{ID: "u 1", Email: "maya@example.com", Profile: map[string]any{"firstName": "Maya"}}, Campaign: Campaign{ID: "c-1"}}
	m, err := tmpl.Execute(in)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{m.Subject, m.Preheader, m.From, m.ReplyTo, m.To, m.Unsubscribe}
	want := []string{"Hi Maya", "Fresh snow", "Northwind <news@northwind.example>", "help@northwind.example", "maya@example.com", "mailto:leave@northwind.example?subject=u%201"}
	if !slices.Equal(got, want) {
		t.Errorf("Execute fields = %q, want %q", got, want)
	}
	if want := [][2]string{{"X-Zeta", "last"}, {"X-Alpha", "first"}}; !slices.Equal(m.Headers, want) {
		t.Errorf("Headers = %q, want %q (front-matter order)", m.Headers, want)
	}
	if !strings.Contains(m.HTML, "Hello") {
		t.Errorf("HTML = %q, want the body in it", m.HTML)
	}

	date := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	if err := m.WriteMIME(&a, "", date); err != nil {
		t.Fatalf("WriteMIME: %v", err)
	}
	if err := m.WriteMIME(&b, "", date); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("WriteMIME twice gave different bytes: the derived Message-ID must be stable")
	}
	head := strings.ToLower(a.String())
	for _, h := range []string{"subject: hi maya", "x-zeta: last", "x-alpha: first", "@northwind.example>", "list-unsubscribe:"} {
		if !strings.Contains(head, h) {
			t.Errorf("WriteMIME output lacks %q:\n%s", h, a.String())
		}
	}

	// A template without from: writes from DefaultFrom, on its domain.
	m.From = ""
	a.Reset()
	if err := m.WriteMIME(&a, "", date); err != nil {
		t.Fatalf("WriteMIME without a sender: %v", err)
	}
	if got := a.String(); !strings.Contains(got, "From: \"offermail\" <noreply@offermail.invalid>") && !strings.Contains(got, "From: offermail <noreply@offermail.invalid>") {
		t.Errorf("WriteMIME without a sender wrote no default From:\n%s", got)
	} else if !strings.Contains(got, "@offermail.invalid>\r\n") {
		t.Errorf("WriteMIME without a sender: Message-ID not on the default sender's domain:\n%s", got)
	}
}
