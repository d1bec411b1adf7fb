package decide_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/offermail/offermail/decide"
)

func Example() {
	lib, err := decide.LoadFiles([]decide.File{{Name: "library.yaml", Data: []byte(`
placements:
  - {id: hero, content: html}
rules:
  - {id: gold, when: 'profile.tier == "gold"'}
offers:
  - {id: gold-perk, priority: 90, eligibility: gold, content: {hero: {html: '<b>Double points</b>'}}}
  - {id: free-shipping, priority: 30, content: {hero: {html: 'Free shipping'}}}
collections:
  - {id: all, offers: [gold-perk, free-shipping]}
activities:
  - id: winter
    placements:
      hero: {criteria: [{collection: all}]}
`)}})
	if err != nil {
		log.Fatal(err)
	}
	engine := decide.New(lib)
	for _, tier := range []string{"gold", "silver"} {
		d, err := engine.Decide(context.Background(), &decide.Request{
			Campaign:  "winter-2026",
			Recipient: "u-" + tier,
			Profile:   map[string]any{"tier": tier},
			Now:       time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
			Scopes:    []decide.Scope{{Activity: "winter", Placement: "hero"}},
		})
		if err != nil {
			log.Fatal(err)
		}
		best := d.Propositions[0].Offers[0]
		fmt.Printf("%s: %s (score %v)\n", tier, best.ID, best.Score)
	}
	// Output:
	// gold: gold-perk (score 90)
	// silver: free-shipping (score 30)
}

func ExampleLoadFiles_errors() {
	_, err := decide.LoadFiles([]decide.File{{Name: "lib/rules.yaml", Data: []byte(`rules:
  - id: adult
    when: 'profile.age >=> 18'
`)}})
	fmt.Println(err)
	// Output:
	// lib/rules.yaml:3:26: unexpected token Operator(">")
}
