package render

import (
	"strings"
	"testing"
)

// TestUnsubscribeQuoteRefused: a quote or bracket from profile data ended
// the <URL> of List-Unsubscribe early (issue 13, item 13); the recipient
// is refused at the field's position, and encoded data renders.
func TestUnsubscribeQuoteRefused(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": "---\nunsubscribe: 'https://shop.example/u?n={{{profile.name}}}&e={{urlencode profile.name}}'\n---\nbody"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`a"b`, "a>b", "a b"} {
		_, _, err := tmpl.execute(&Input{Recipient: Recipient{Profile: map[string]any{"name": name}}})
		if want := "main.hbs:2:15: unsubscribe renders as"; !strings.HasPrefix(short(err), want) || !strings.Contains(short(err), "which List-Unsubscribe cannot carry") {
			t.Errorf("Execute(name %q) = %v, want %q…which List-Unsubscribe cannot carry", name, short(err), want)
		}
	}
	m, _, err := tmpl.execute(&Input{Recipient: Recipient{Profile: map[string]any{"name": "ab"}}})
	if err != nil || string(m.Unsubscribe) != "https://shop.example/u?n=ab&e=ab" {
		t.Errorf("Execute(name ab) = %v, %v; want the URL", m, err)
	}
}

// TestUnsubscribeSafeAtLoad: an unsubscribe URL made of checked text and
// {{urlencode …}} calls is known at load to pass the checks of every
// recipient, which are then skipped; anything else is checked per
// recipient. The skipped checks would have passed on hostile data.
func TestUnsubscribeSafeAtLoad(t *testing.T) {
	tests := []struct {
		unsub string
		safe  bool
	}{
		{`https://shop.example/u?u={{urlencode recipient.id}}&n={{urlencode profile.name}}`, true},
		{`MAILTO:stop@shop.example?subject={{{urlencode profile.name}}}`, true},
		{`https://shop.example/u`, true},
		{`https://shop.example/u?n={{profile.name}}`, false},
		{`https://shop.example/u?n={{lower profile.name}}`, false},
		{`{{profile.url}}`, false},
		{`https://shop.example/u?{{#if profile.name}}n={{urlencode profile.name}}{{/if}}`, false},
	}
	hostile := "a\"b<c> d\te\r\nf'g(é)"
	for _, tc := range tests {
		tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": "---\nunsubscribe: '" + tc.unsub + "'\n---\nbody"})
		if err != nil {
			t.Fatalf("%s: %v", tc.unsub, err)
		}
		if tmpl.unsubSafe != tc.safe {
			t.Errorf("%s: unsubSafe = %v, want %v", tc.unsub, tmpl.unsubSafe, tc.safe)
		}
		if !tc.safe {
			continue
		}
		in := &Input{Recipient: Recipient{ID: hostile, Profile: map[string]any{"name": hostile}}}
		m, _, err := tmpl.execute(in)
		if err != nil {
			t.Fatalf("%s: %v", tc.unsub, err)
		}
		u := m.Unsubscribe
		if !isUnsubscribeURL(u) || containsURLUnsafe([]byte(u)) || strings.ContainsAny(u, "\r\n") {
			t.Errorf("%s: renders %q, which the skipped checks refuse", tc.unsub, u)
		}
	}
}
