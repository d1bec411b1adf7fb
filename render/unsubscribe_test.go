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
