package campaign

import (
	"context"
	"testing"
	"time"

	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

// TestPropositionsTokens: every item carries the token of its own offer,
// scope and recipient, as the tracker makes it alone, although the items
// of a message share one array and their tokens one string; and an
// append to one scope's items does not reach into the next scope's.
func TestPropositionsTokens(t *testing.T) {
	p, err := Load("../templates/library")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := track.New([]byte("0123456789abcdef0123456789abcdef"), "")
	if err != nil {
		t.Fatal(err)
	}
	r := render.Recipient{ID: "u-1001", Email: "maya@example.com", Profile: map[string]any{
		"firstName": "Maya", "loyalty": map[string]any{"tier": "gold"}}}
	for _, tr := range []*track.Tracker{nil, sealed} {
		o := Options{Campaign: render.Campaign{ID: "winter-2026"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), Tracker: tr}
		d, err := p.Decide(context.Background(), Scopes(tpl), r, o)
		if err != nil {
			t.Fatal(err)
		}
		props, err := p.Propositions(tpl.Scopes(), d, o, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		items := 0
		for i, prop := range props {
			for _, it := range prop.Items {
				items++
				want := tr.Proposition(track.Proposition{Campaign: "winter-2026", Recipient: r.ID,
					Activity: prop.Scope.Activity, Placement: prop.Scope.Placement, Offer: it.ID})
				if it.Token != want {
					t.Errorf("sealed %v: %s/%s offer %s: token %q, want %q", tr.Sealed(), prop.Scope.Activity, prop.Scope.Placement, it.ID, it.Token, want)
				}
			}
			if i+1 < len(props) && len(props[i+1].Items) > 0 {
				next := props[i+1].Items[0].ID
				_ = append(prop.Items, render.Item{ID: "appended"})
				if props[i+1].Items[0].ID != next {
					t.Errorf("an append to scope %d's items overwrote scope %d's", i, i+1)
				}
			}
		}
		if items < 3 {
			t.Fatalf("sealed %v: %d items in all, want one per scope at least", tr.Sealed(), items)
		}
	}
}
