package simulate

import (
	"context"
	"fmt"
	"testing"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// TestTallyBoundsVariants: past maxVariants distinct variants of a scope
// (1,000; here 1) the tally keeps no more, and counts their recipients
// together, so memory does not grow with the recipients; no recipient goes
// uncounted.
func TestTallyBoundsVariants(t *testing.T) {
	defer func(n int) { maxVariants = n }(maxVariants)
	maxVariants = 1
	f := newFixture(t, 1)
	tl := newTally(f.project, f.tpl, campaign.Options{Campaign: render.Campaign{ID: "sim-test"}})
	lib := f.project.Library
	const n = 10
	for i := range n {
		offer := []string{"scarce", "plenty"}[min(i, 1)] // scarce first, then plenty 9 times
		d := &decide.Decision{Propositions: []decide.Proposition{
			{Activity: "act", Placement: "hero", Offers: []decide.Choice{{ID: offer, Rank: 1, Offer: lib.Offer(offer)}}},
			{Activity: "act", Placement: "side", Fallback: &decide.Ref{ID: "fb", Offer: lib.Fallback("fb")}},
		}}
		m := &batch.Message{Recipient: &recipients.Record{ID: fmt.Sprintf("r%d", i)}, Decision: d}
		if err := tl.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	rep := &batch.Report{Placements: []batch.ScopeCounts{{Activity: "act", Placement: "hero"}, {Activity: "act", Placement: "side"}}}
	sim := tl.simulation(rep, "")
	hero, side := sim.Variants[0], sim.Variants[1]
	if hero.Count != 1 || hero.Variants[0].Label() != "scarce" || hero.Variants[0].Recipients != 1 || hero.OtherRecipients != 9 {
		t.Errorf("hero: count %d, variants %+v, %d other recipients; want 1, scarce for 1, 9", hero.Count, hero.Variants, hero.OtherRecipients)
	}
	if side.Count != 1 || side.Variants[0].Recipients != n || side.OtherRecipients != 0 {
		t.Errorf("side: count %d, first variant's recipients %d, other %d; want 1, %d, 0", side.Count, side.Variants[0].Recipients, side.OtherRecipients, n)
	}
}
