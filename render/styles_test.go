package render

import (
	"path/filepath"
	"testing"

	"github.com/offermail/offermail/render/message"
)

// TestStylesCompiledAtLoad: the style sheet of every sample template is
// compiled when it loads, and every sample message is inlined with it; a
// sheet that depends on the recipient is compiled per message and inlined
// the same as without a template.
func TestStylesCompiledAtLoad(t *testing.T) {
	set, err := LoadDir(filepath.Join("..", "templates"), sampleCatalog)
	if err != nil {
		t.Fatal(err)
	}
	offers := sampleOffers(t)
	in := &Input{Recipient: loadProfile(t, "maya-gold-runner.json"), Campaign: Campaign{ID: "c"}}
	for _, tmpl := range set.Templates() {
		m, html, err := tmpl.execute(offers.forTemplate(in, tmpl))
		if err != nil {
			t.Fatalf("%s: %v", tmpl.Name(), err)
		}
		if !tmpl.styles.Covers(message.WithPreheader(html, m.Preheader)) {
			t.Errorf("%s: its message's style sheet was not compiled at load", tmpl.Name())
		}
	}

	const src = "<html><head><style>p { color: {{profile.color}}; }</style><style>.x { margin: 0 }</style></head>" +
		"<body><p style=\"margin: 1px\">Hi</p>{{#if profile.vip}}<p class=\"x\" style=\"padding: {{profile.pad}}\">VIP</p>{{/if}}</body></html>"
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": src})
	if err != nil {
		t.Fatal(err)
	}
	in = &Input{Recipient: Recipient{Profile: map[string]any{"color": "red", "vip": true, "pad": "2px"}}}
	m, html, err := tmpl.execute(in)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.styles.Covers(html) {
		t.Error("a style sheet written by recipient data counts as compiled at load")
	}
	got, err := tmpl.Execute(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := message.Finish(html, m.Preheader)
	if err != nil || got.HTML != want {
		t.Errorf("Execute = %q, want %q as without a template (%v)", got.HTML, want, err)
	}
}
