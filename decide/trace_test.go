package decide

import (
	"reflect"
	"strings"
	"testing"
)

// TestTraceRuleValues: a false rule's trace names the values it read, and
// the fields the recipient lacks as missing.
func TestTraceRuleValues(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", `
placements:
  - {id: hero, content: html}
rules:
  - {id: gold-21, when: 'profile.loyalty.tier == "gold" && profile.age >= 21'}
  - {id: snow, when: 'context["weather"] == "snow" && now > date("2027-01-01")'}
fallbacks:
  - {id: fb, content: {hero: {html: fallback}}}
collections:
  - {id: all, anyTags: [t]}
offers:
  - {id: perk, eligibility: gold-21, tags: [t], content: {hero: {html: P}}}
  - {id: inline, when: 'profile.interests contains "ski"', tags: [t], content: {hero: {html: I}}}
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all, eligibility: snow}]}
`)
	tests := []struct {
		name    string
		profile map[string]any
		context map[string]any
		offer   string
		reason  string
		values  []Value
	}{
		{"value and missing field", map[string]any{"loyalty": map[string]any{"tier": "silver"}}, nil, "perk",
			`eligibility rule gold-21 is false: profile.loyalty.tier = "silver", profile.age is missing`,
			[]Value{{Path: "profile.loyalty.tier", Value: "silver"}, {Path: "profile.age", Missing: true}}},
		{"a parent that is not an object", map[string]any{"loyalty": "gold", "age": 30.0}, nil, "perk",
			`eligibility rule gold-21 is false: profile.loyalty.tier is missing, profile.age = 30`,
			[]Value{{Path: "profile.loyalty.tier", Missing: true}, {Path: "profile.age", Value: 30.0}}},
		{"inline rule, a list", map[string]any{"interests": []any{"run", "<hike>"}}, nil, "inline",
			"eligibility when `profile.interests contains \"ski\"` is false: profile.interests = [\"run\",\"<hike>\"]",
			[]Value{{Path: "profile.interests", Value: []any{"run", "<hike>"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Profile: tt.profile, Context: tt.context, Scopes: []Scope{{"act", "hero", 0}}})
			e := findTrace(d.Propositions[0].Trace, tt.offer)
			if e == nil {
				t.Fatalf("no trace for %s", tt.offer)
			}
			// The criterion rule comes after the offer's own rule, which
			// fails first here.
			if e.Step != "eligibility" || e.Reason != tt.reason {
				t.Errorf("trace of %s = %s: %q, want eligibility: %q", tt.offer, e.Step, e.Reason, tt.reason)
			}
			if !reflect.DeepEqual(e.Values, tt.values) {
				t.Errorf("values of %s = %#v, want %#v", tt.offer, e.Values, tt.values)
			}
		})
	}

	// The criterion's rule reads the context and the decision time.
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Profile: map[string]any{"loyalty": map[string]any{"tier": "gold"}, "age": 40.0, "interests": []any{"ski"}},
		Context: map[string]any{"weather": "rain"}, Scopes: []Scope{{"act", "hero", 0}}})
	e := findTrace(d.Propositions[0].Trace, "perk")
	want := `criterion rule snow (collection all) is false: context.weather = "rain", now = 2026-12-02T09:00:00Z`
	if e == nil || e.Step != "criterion" || e.Reason != want {
		t.Errorf("trace of perk = %+v, want criterion: %q", e, want)
	}
}

// TestTraceDuplicateIsNotACap: an offer an earlier placeholder of the same
// message proposed is a duplicate, even when its cap of 1 would also stop
// it, and a dry run without a store shows no cap at all (the issue's
// `profile per month cap reached: 1 of 1`).
func TestTraceDuplicateIsNotACap(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+`offers:
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, every: month}], content: {hero: {html: A}, side: {text: A}}}
  - {id: b, priority: 5, tags: [t], content: {hero: {html: B}, side: {text: B}}}`+stepsActivity)
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Scopes: []Scope{{"act", "hero", 0}, {"act", "side", 0}}})
	if got := offerIDs(d.Propositions[1]); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("side offers = %v, want [b]", got)
	}
	e := findTrace(d.Propositions[1].Trace, "a")
	if e == nil || e.Step != "duplicate" || e.Counter != nil || strings.Contains(e.Reason, "cap") {
		t.Errorf("trace of a in side = %+v, want a duplicate without a cap", e)
	}
}

// TestTraceCapNamesCounterWindowLimit: a cap in the trace is a real
// counter, with its key, window and limit; where duplicates are allowed,
// what this message added is told apart from the store's count.
func TestTraceCapNamesCounterWindowLimit(t *testing.T) {
	offers := `offers:
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, every: month}], content: {hero: {html: A}, side: {text: A}}}
  - {id: b, priority: 5, tags: [t], content: {hero: {html: B}, side: {text: B}}}`
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+offers+stepsActivity)
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Counts: mapCounts{"cap|a|profile|m2026-12|*|r1": 1},
		Scopes: []Scope{{"act", "hero", 0}}})
	e := findTrace(d.Propositions[0].Trace, "a")
	want := "profile per month cap reached: counter for 2026-12 is 1 of limit 1"
	if e == nil || e.Step != "capped" || e.Reason != want {
		t.Fatalf("trace of a = %+v, want capped: %q", e, want)
	}
	if *e.Counter != 1 || *e.Limit != 1 || e.Pending != nil || e.Key != "cap|a|profile|m2026-12|*|r1" || e.Window != "for 2026-12" {
		t.Errorf("cap fields = counter %d, limit %d, pending %v, key %q, window %q", *e.Counter, *e.Limit, e.Pending, e.Key, e.Window)
	}

	dup := mustLoad(t, "lib/lib.yaml", stepsPrelude+offers+`
activities:
  - id: act
    fallback: fb
    allowDuplicates: true
    placements:
      hero: {criteria: [{collection: all}]}
      side: {criteria: [{collection: all}]}
`)
	d = decideBoth(t, dup, Request{Recipient: "r1", Now: testNow, Scopes: []Scope{{"act", "hero", 0}, {"act", "side", 0}}})
	e = findTrace(d.Propositions[1].Trace, "a")
	want = "profile per month cap reached: counter for 2026-12 is 0, plus 1 proposed earlier in this message, of limit 1"
	if e == nil || e.Step != "capped" || e.Reason != want || *e.Counter != 0 || e.Pending == nil || *e.Pending != 1 {
		t.Errorf("trace of a in side = %+v, want capped: %q with pending 1", e, want)
	}
}
