package decide

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// hashCounts gives every counter a value 0–2 derived from its key, so
// random libraries hit their caps some of the time.
type hashCounts struct{}

func (hashCounts) Count(_ context.Context, key string) (int64, error) {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int64(h.Sum32() % 3), nil
}

// profileFormulas rank by the recipient.
var profileFormulas = []string{
	`offer.priority + (profile.x > 5 ? offer.attributes.m : 0)`,
	`offer.attributes.m * profile.x`,
	`profile.tier == "gold" ? offer.priority * 2 : offer.attributes.m - profile.x / 2`,
	`len(profile.tags) + offer.priority`,
	`profile.missing + offer.priority`,
	`("a" in profile.tags ? 3 : 1) * offer.attributes.m + (offer.id == "o1" ? 1 : 0)`,
	`max(offer.priority, profile.x - 3)`,
	`offer.priority - (profile.x > 2 && profile.tier != "silver" ? 1 : 0) + (now.Day() > 1 ? 0.5 : 0)`,
	`count(offer.tags, # == profile.tier) + offer.attributes.m / (profile.x - 4)`,
	`profile.x % 3 == 0 ? 2 : offer.attributes.m ** 2 / 4`,
}

// ranks are the rankings random criteria use.
var ranks = func() []string {
	r := []string{"priority", "formula:f0", "formula:f1", "model:m"}
	for i := range profileFormulas {
		r = append(r, fmt.Sprintf("formula:d%d", i))
	}
	return r
}()

// hashStats gives every offer feedback derived from its id, for model:m.
type hashStats struct{}

func (hashStats) Feedback(_, offer, placement string) (int64, int64) {
	h := fnv.New32a()
	h.Write([]byte(offer + "/" + placement))
	imps := int64(h.Sum32() % 50)
	return imps, imps * int64(h.Sum32()%7) / 10
}

// randomLibrary writes a small library with ties, rules, dates, statuses,
// caps, missing content and grouped criteria.
func randomLibrary(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(`placements:
  - {id: p1, content: text, items: ` + fmt.Sprint(1+r.IntN(3)) + `}
  - {id: p2, content: html}
rules:
  - {id: r0, when: 'profile.x > 5'}
  - {id: r1, when: 'profile.tier == "gold"'}
  - {id: r2, when: '"a" in profile.tags'}
formulas:
  - {id: f0, score: 'offer.attributes.m'}
  - {id: f1, score: 'offer.priority * 2 - offer.attributes.m'}
`)
	// Formulas that read the recipient, split at load (split.go): boolean
	// recipient parts (bounded at load), numeric ones, builtins, missing
	// fields, and ones the interpreter does not know.
	for i, f := range profileFormulas {
		fmt.Fprintf(&b, "  - {id: d%d, score: '%s'}\n", i, f)
	}
	b.WriteString(`fallbacks:
  - {id: fb, content: {p1: {text: F}, p2: {html: F}}}
offers:
`)
	tags := []string{"t0", "t1", "t2"}
	n := 3 + r.IntN(15)
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("o%d", i)
		ids = append(ids, id)
		fmt.Fprintf(&b, "  - id: %s\n    priority: %d\n    attributes: {m: %d}\n", id, r.IntN(5), r.IntN(5))
		if r.IntN(10) == 0 {
			b.WriteString("    status: draft\n")
		}
		switch r.IntN(6) {
		case 0:
			b.WriteString("    start: 2026-12-03T00:00:00Z\n")
		case 1:
			b.WriteString("    end: 2026-12-01T00:00:00Z\n")
		}
		if k := r.IntN(4); k < 3 {
			fmt.Fprintf(&b, "    eligibility: r%d\n", k)
		}
		var ts []string
		for _, t := range tags {
			if r.IntN(2) == 0 {
				ts = append(ts, t)
			}
		}
		fmt.Fprintf(&b, "    tags: [%s]\n", strings.Join(ts, ", "))
		if r.IntN(3) == 0 {
			scope := []string{"profile", "total"}[r.IntN(2)]
			each := []string{"any", "each"}[r.IntN(2)]
			fmt.Fprintf(&b, "    caps: [{scope: %s, limit: %d, placement: %s}]\n", scope, 1+r.IntN(2), each)
		}
		var content []string
		if r.IntN(10) < 9 {
			content = append(content, "p1: {text: x}")
		}
		if r.IntN(10) < 7 {
			content = append(content, "p2: {html: x}")
		}
		fmt.Fprintf(&b, "    content: {%s}\n", strings.Join(content, ", "))
	}
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	fmt.Fprintf(&b, `collections:
  - {id: c0, anyTags: [t0]}
  - {id: c1, allTags: [t1, t2]}
  - {id: c2, offers: [%s]}
  - {id: c3, anyTags: [t0, t1, t2]}
activities:
  - id: act
    fallback: fb
    allowDuplicates: %v
    placements:
`, strings.Join(ids[:1+r.IntN(len(ids))], ", "), r.IntN(3) == 0)
	for _, p := range []string{"p1", "p2"} {
		fmt.Fprintf(&b, "      %s:\n        criteria:\n", p)
		for k := 0; k < 1+r.IntN(3); k++ {
			fmt.Fprintf(&b, "          - {collection: c%d, rank: '%s', group: %d", r.IntN(4), ranks[r.IntN(len(ranks))], 1+r.IntN(2))
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, ", eligibility: r%d", r.IntN(3))
			}
			b.WriteString("}\n")
		}
	}
	return b.String()
}

// TestFastPathMatchesReference: for random libraries and profiles, deciding
// without a trace (which stops early: on groups with static scores, and on
// groups ranked by formulas that read the profile or by a model, by the
// bounds of their scores) chooses exactly what the full evaluation with a
// trace chooses, with the same scores.
func TestFastPathMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		src := randomLibrary(r)
		lib, err := LoadFiles([]File{{Name: "random.yaml", Data: []byte(src)}})
		if err != nil {
			t.Fatalf("library %d: %v\n%s", i, err, src)
		}
		for k := 0; k < 20; k++ {
			profile := map[string]any{"x": float64(r.IntN(10))}
			switch r.IntN(10) {
			case 0:
				delete(profile, "x") // nil: comparisons false, arithmetic nil
			case 1:
				profile["x"] = "7" // not a number
			}
			if r.IntN(3) > 0 {
				profile["tier"] = []string{"gold", "silver"}[r.IntN(2)]
			}
			if r.IntN(2) == 0 {
				profile["tags"] = []any{"a", "b"}
			}
			req := Request{Campaign: "c", Recipient: fmt.Sprintf("r%d", k), Profile: profile, Now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
				Counts: hashCounts{}, Stats: hashStats{}, Scopes: []Scope{{"act", "p1", 0}, {"act", "p2", 0}}}
			t.Run(fmt.Sprintf("lib%d/r%d", i, k), func(t *testing.T) {
				defer func() {
					if t.Failed() {
						t.Logf("library:\n%s\nprofile: %v", src, profile)
					}
				}()
				decideBoth(t, lib, req)
			})
		}
	}
}
