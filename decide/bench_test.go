package decide

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/offermail/offermail/internal/cputime"
)

// benchLibrary writes the library of BenchmarkDecide: 500 offers, each with
// an eligibility rule (20 distinct rules over profile fields), tags that
// put each offer in several collections, caps on every fifth offer, and an
// activity with three placements, one ranked by a formula.
func benchLibrary(formula string) string {
	var b strings.Builder
	b.WriteString(`placements:
  - {id: hero, content: html}
  - {id: side, content: text, items: 2}
  - {id: banner, content: image}
rules:
`)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  - {id: rule%d, when: 'profile.age >= %d && profile.tier in [\"gold\", \"silver\", \"t%d\"] || \"i%d\" in profile.interests'}\n", i, 15+i, i%3, i%7)
	}
	fmt.Fprintf(&b, "formulas:\n  - {id: margin, score: '%s'}\n", formula)
	b.WriteString("fallbacks:\n  - {id: fb, content: {hero: {html: F}, side: {text: F}, banner: {image: f.png}}}\noffers:\n")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "  - id: offer-%d\n    priority: %d\n    eligibility: rule%d\n    tags: [g%d, g%d]\n    attributes: {margin: %d}\n", i, i%50, i%20, i%10, (i/10)%10, i%60)
		if i%5 == 0 {
			b.WriteString("    caps: [{scope: profile, limit: 3, every: week}, {scope: total, limit: 100000}]\n")
		}
		b.WriteString("    content:\n      hero: {html: '<p>{{profile.firstName}}</p>'}\n      side: {text: tip}\n      banner: {image: b.png}\n")
	}
	b.WriteString(`collections:
  - {id: c-a, anyTags: [g0, g1, g2, g3]}
  - {id: c-b, anyTags: [g4, g5, g6]}
  - {id: c-all, anyTags: [g0, g1, g2, g3, g4, g5, g6, g7, g8, g9]}
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: c-a, group: 1}, {collection: c-b, group: 1}, {collection: c-all, group: 2}]}
      side: {criteria: [{collection: c-all, rank: 'formula:margin'}]}
      banner: {criteria: [{collection: c-b}]}
`)
	return b.String()
}

func benchProfiles() []map[string]any {
	tiers := []string{"gold", "silver", "bronze", "none"}
	profiles := make([]map[string]any, 100)
	for i := range profiles {
		profiles[i] = map[string]any{
			"firstName": "P", "age": float64(16 + i%50), "tier": tiers[i%4],
			"interests": []any{fmt.Sprintf("i%d", i%9), "running"},
			"spend12m":  float64(i * 37),
		}
	}
	return profiles
}

func benchDecide(b *testing.B, formula string, trace bool) {
	lib, err := LoadFiles([]File{{Name: "bench.yaml", Data: []byte(benchLibrary(formula))}})
	if err != nil {
		b.Fatal(err)
	}
	e := New(lib)
	profiles := benchProfiles()
	counts := mapCounts{}
	scopes := []Scope{{"act", "hero", 0}, {"act", "side", 0}, {"act", "banner", 0}}
	ctx := context.Background()
	reqs := make([]Request, len(profiles))
	for i := range reqs {
		reqs[i] = Request{Campaign: "bench", Recipient: fmt.Sprintf("r%d", i), Profile: profiles[i], Now: testNow, Counts: counts, Scopes: scopes, Trace: trace}
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer cputime.Report(b)()
	for i := 0; i < b.N; i++ {
		if _, err := e.Decide(ctx, &reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecide is one recipient, three scopes, over a 500-offer library
// with a rule on every offer, one scope ranked by a formula over offer
// attributes (computed at load). Target: at most 5 µs per op on one core.
func BenchmarkDecide(b *testing.B) {
	benchDecide(b, "offer.priority + (offer.attributes.margin > 40 ? 15 : 0)", false)
}

// BenchmarkDecideProfileFormula ranks one scope by a formula that reads the
// profile. Split at load, its profile part is true or false, so the bound
// of every offer's score is known at load (split.go): candidates are read
// in its order, bounded per recipient, and few are scored by the VM.
// Target: at most 25 µs per op on one core.
func BenchmarkDecideProfileFormula(b *testing.B) {
	benchDecide(b, "offer.priority + (profile.spend12m > 1000 ? offer.attributes.margin / 2 : 0)", false)
}

// BenchmarkDecideProfileNumber ranks by a formula whose profile part is a
// number, so no bound is known at load: every eligible candidate is
// bounded per recipient (without the VM) before the few that can enter
// the result are scored.
func BenchmarkDecideProfileNumber(b *testing.B) {
	benchDecide(b, "offer.priority + offer.attributes.margin * profile.spend12m / 1000", false)
}

// BenchmarkDecideTrace is BenchmarkDecide with a full trace, as previews
// and the decide command run it.
func BenchmarkDecideTrace(b *testing.B) {
	benchDecide(b, "offer.priority + (offer.attributes.margin > 40 ? 15 : 0)", true)
}
