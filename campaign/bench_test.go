package campaign

import (
	"context"
	"testing"
	"time"

	"github.com/offermail/offermail/render"
)

// BenchmarkInput measures what a recipient's render input costs beside
// the decision: its propositions, with an offer's tracking token each.
func BenchmarkInput(b *testing.B) {
	p, err := Load("../templates/library")
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		b.Fatal(err)
	}
	r := render.Recipient{ID: "u-1001", Email: "maya@example.com", Profile: map[string]any{
		"firstName": "Maya", "age": 34.0, "city": "Portland",
		"loyalty": map[string]any{"tier": "gold", "points": 12840.0}, "interests": []any{"running", "trail"},
	}}
	o := Options{Campaign: render.Campaign{ID: "winter-2026"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	d, err := p.Decide(context.Background(), Scopes(tpl), r, o)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.input(tpl, r, o, d); err != nil {
			b.Fatal(err)
		}
	}
}
