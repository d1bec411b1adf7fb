package campaign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

func writeLibrary(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lib.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestContentErrorsNameTheLibraryFile: a Handlebars error inside offer
// content is reported at its place in the library file, in every scalar
// style.
func TestContentErrorsNameTheLibraryFile(t *testing.T) {
	dir := writeLibrary(t, `placements:
  - {id: hero, content: html}
  - {id: side, content: text}
offers:
  - id: a
    content:
      hero:
        html: '<p>{{#if profile.vip}}VIP</p>'
      side:
        text: |
          Hello
          {{nosuchhelper profile.name}}
fallbacks:
  - id: fb
    content:
      hero: {html: "<b>{{profile.name}</b>"}
`)
	_, err := Load(dir)
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("Load = %v, want a diag.List", err)
	}
	file := filepath.Join(dir, "lib.yaml")
	want := []string{
		file + ":8:19: offer \"a\", content for placement \"hero\" (html): {{#if}} is not closed",
		file + ":12:13: offer \"a\", content for placement \"side\" (text): unknown helper \"nosuchhelper\"",
		file + ":16:38: fallback \"fb\", content for placement \"hero\" (html): unexpected character '}'",
	}
	if len(list) != len(want) {
		t.Fatalf("Load gave %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(list[i].Error(), want[i]) {
			t.Errorf("error %d = %q, want it to start with %q", i, list[i].Error(), want[i])
		}
	}
}

func TestCatalog(t *testing.T) {
	p, err := Load("../templates/library")
	if err != nil {
		t.Fatal(err)
	}
	cat := p.Catalog()
	tests := []struct {
		activity, placement string
		want                render.ContentType
		err                 error
	}{
		{"winter-sale", "banner", render.ContentImage, nil},
		{"post-purchase", "crosssell", render.ContentHTML, nil},
		{"winter-sail", "hero", "", render.ErrUnknownActivity},
		{"winter-sale", "footer", "", render.ErrUnknownPlacement},
		{"weekly-digest", "banner", "", render.ErrPlacementNotInActivity},
	}
	for _, tt := range tests {
		got, err := cat.PlacementType(tt.activity, tt.placement)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("PlacementType(%s, %s) = %q, %v; want %q, %v", tt.activity, tt.placement, got, err, tt.want, tt.err)
		}
	}
}

// TestRenderReplayedDecision: a decision read back from the ledger renders
// the same message as the decision that was recorded.
func TestRenderReplayedDecision(t *testing.T) {
	p, err := Load("../templates/library")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		t.Fatal(err)
	}
	r := render.Recipient{ID: "u-1", Email: "a@example.com", Profile: map[string]any{"firstName": "Ana", "age": 40.0, "interests": []any{"running"}}}
	o := Options{Campaign: render.Campaign{ID: "c"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	msg, d, err := p.Preview(context.Background(), tpl, r, o)
	if err != nil {
		t.Fatal(err)
	}
	record, err := d.Record()
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := p.Library.Replay(record, Scopes(tpl)...)
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Render(tpl, r, o, replayed)
	if err != nil {
		t.Fatal(err)
	}
	if again.HTML != msg.HTML || again.Text != msg.Text || again.Subject != msg.Subject {
		t.Error("the replayed decision renders a different message")
	}
	if !strings.Contains(msg.HTML, readableToken("c", "u-1", "winter-sale", "hero", d.Propositions[0].Offers[0].ID)) {
		t.Error("the hero's link does not carry its tracking token")
	}
}

// TestOfferFieldsInContent: offer content reaches the offer's fields both
// directly ({{name}}) and as {{offer.name}}, and the recipient's data.
func TestOfferFieldsInContent(t *testing.T) {
	dir := writeLibrary(t, `placements:
  - {id: hero, content: html}
offers:
  - id: parka
    name: Summit parka
    attributes: {sku: SUM-1}
    content:
      hero:
        link: 'https://x.example/{{offer.id}}?t={{token}}'
        html: '<a href="{{link}}">{{offer.name}} ({{offer.attributes.sku}}) for {{profile.firstName}}, {{name}}</a>'
collections:
  - {id: all, offers: [parka]}
activities:
  - {id: act, placements: {hero: {criteria: [{collection: all}]}}}
`)
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tplPath := filepath.Join(t.TempDir(), "t.hbs")
	if err := os.WriteFile(tplPath, []byte(`{{offer "act" placement="hero"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := p.LoadTemplate(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	msg, _, err := p.Preview(context.Background(), tpl, render.Recipient{ID: "u1", Email: "a@example.com", Profile: map[string]any{"firstName": "Ana"}},
		Options{Campaign: render.Campaign{ID: "c"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := `<a href="https://x.example/parka?t&#x3D;` + readableToken("c", "u1", "act", "hero", "parka") + `">Summit parka (SUM-1) for Ana, Summit parka</a>`
	if !strings.Contains(msg.HTML, want) {
		t.Errorf("rendered %s\nwant it to contain %s", msg.HTML, want)
	}
}

// readableToken is the token of a proposition without a secret.
func readableToken(campaign, recipient, activity, placement, offer string) string {
	var none *track.Tracker
	return none.Proposition(track.Proposition{Campaign: campaign, Recipient: recipient, Activity: activity, Placement: placement, Offer: offer})
}
