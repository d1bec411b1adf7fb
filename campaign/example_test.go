package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
)

var maya = render.Recipient{ID: "u-1001", Email: "maya@example.com", Profile: map[string]any{
	"firstName": "Maya", "age": 34.0, "city": "Portland",
	"loyalty": map[string]any{"tier": "gold", "points": 12840.0}, "interests": []any{"running", "trail"},
}}

// Loading a library compiles its rules, formulas and offer content once;
// templates are then loaded against it, their placeholders checked.
func ExampleLoad() {
	p, err := campaign.Load("../templates/library")
	if err != nil {
		fmt.Println(err)
		return
	}
	lib := p.Library
	fmt.Println(len(lib.OfferIDs()), "offers,", len(lib.ActivityIDs()), "activities")
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tpl.Scopes())
	// Output:
	// 17 offers, 4 activities
	// [{winter-sale hero 1} {winter-sale sidebar 2} {winter-sale banner 1}]
}

// Preview decides and renders one recipient as a dry run (counters are
// read, never written), as the render command and the preview server do.
func ExampleProject_Preview() {
	p, err := campaign.Load("../templates/library")
	if err != nil {
		fmt.Println(err)
		return
	}
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		fmt.Println(err)
		return
	}
	o := campaign.Options{Campaign: render.Campaign{ID: "winter-2026"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	msg, d, err := p.Preview(context.Background(), tpl, maya, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msg.Subject)
	for _, prop := range d.Propositions {
		for _, c := range prop.Offers {
			fmt.Println(prop.Placement, c.Rank, c.ID)
		}
	}
	// Output:
	// Maya, the winter sale is on
	// hero 1 gold-double-points
	// sidebar 1 merino-bundle
	// sidebar 2 trail-runner-20
	// banner 1 gift-card-bonus
}

// Render renders a decision already made — by a real run's reservation,
// or read back from the ledger — and Encode writes the message in a
// format.
func ExampleProject_Render() {
	p, err := campaign.Load("../templates/library")
	if err != nil {
		fmt.Println(err)
		return
	}
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		fmt.Println(err)
		return
	}
	o := campaign.Options{Campaign: render.Campaign{ID: "winter-2026"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	d, err := p.Decide(context.Background(), campaign.Scopes(tpl), maya, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	// What a real run keeps in the store's ledger; a record names the
	// offers, the template's scopes say where they go.
	record, _ := d.Record()
	replayed, err := p.Library.Replay(record, campaign.Scopes(tpl)...)
	if err != nil {
		fmt.Println(err)
		return
	}
	msg, err := p.Render(tpl, maya, o, replayed)
	if err != nil {
		fmt.Println(err)
		return
	}
	var text strings.Builder
	if err := campaign.Encode(&text, campaign.Text, msg, replayed, o.Now); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msg.Subject)
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "Hi ") || strings.HasPrefix(line, "Double points") {
			fmt.Println(line)
		}
	}
	// Output:
	// Maya, the winter sale is on
	// Hi Maya,
	// Double points all December, Maya
}
