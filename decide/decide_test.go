package decide

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// mustLoad loads a library from YAML files given as name, content pairs.
func mustLoad(t testing.TB, files ...string) *Library {
	t.Helper()
	var fs []File
	for i := 0; i+1 < len(files); i += 2 {
		fs = append(fs, File{Name: files[i], Data: []byte(files[i+1])})
	}
	lib, err := LoadFiles(fs)
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	return lib
}

// mapCounts is a Counts over a map, for tests.
type mapCounts map[string]int64

func (m mapCounts) Count(_ context.Context, key string) (int64, error) { return m[key], nil }

func offerIDs(p Proposition) []string {
	ids := []string{}
	for _, o := range p.Offers {
		ids = append(ids, o.ID)
	}
	return ids
}

// decideBoth decides with and without a trace, which take different code
// paths for static groups, and fails the test if they disagree.
func decideBoth(t *testing.T, lib *Library, req Request) *Decision {
	t.Helper()
	e := New(lib)
	plain := req
	plain.Trace = false
	d1, err := e.Decide(context.Background(), &plain)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	traced := req
	traced.Trace = true
	d2, err := e.Decide(context.Background(), &traced)
	if err != nil {
		t.Fatalf("Decide(trace): %v", err)
	}
	for i := range d1.Propositions {
		a, b := d1.Propositions[i], d2.Propositions[i]
		if !reflect.DeepEqual(offerIDs(a), offerIDs(b)) || (a.Fallback == nil) != (b.Fallback == nil) {
			t.Fatalf("scope %d: without trace %v (fallback %v), with trace %v (fallback %v)", i, offerIDs(a), a.Fallback, offerIDs(b), b.Fallback)
		}
		for j := range a.Offers {
			if a.Offers[j].Score != b.Offers[j].Score || a.Offers[j].Rank != b.Offers[j].Rank {
				t.Fatalf("scope %d offer %d: without trace %+v, with trace %+v", i, j, a.Offers[j], b.Offers[j])
			}
		}
	}
	if !reflect.DeepEqual(d1.Counters, d2.Counters) {
		t.Fatalf("counters without trace %v, with trace %v", d1.Counters, d2.Counters)
	}
	return d2
}

const workedExample = `
placements:
  - {id: p, content: text}
formulas:
  - {id: s1, score: 'offer.attributes.s1'}
  - {id: s2, score: 'offer.attributes.s2'}
  - {id: s3, score: 'offer.attributes.s3'}
offers:
  - {id: O1, attributes: {s1: 10}, content: {p: {text: o1}}}
  - {id: O2, attributes: {s1: 20}, content: {p: {text: o2}}}
  - {id: O3, attributes: {s1: 30, s2: 45}, content: {p: {text: o3}}}
  - {id: O4, attributes: {s2: 40}, content: {p: {text: o4}}}
  - {id: O5, attributes: {s2: 50, s3: 50}, content: {p: {text: o5}}}
  - {id: O6, attributes: {s3: 60}, content: {p: {text: o6}}}
collections:
  - {id: C1, offers: [O1, O2, O3]}
  - {id: C2, offers: [O3, O4, O5]}
  - {id: C3, offers: [O5, O6]}
activities:
  - id: a
    placements:
      p:
        criteria:
          - {collection: C1, rank: 'formula:s1', group: 1}
          - {collection: C2, rank: 'formula:s2', group: 1}
          - {collection: C3, rank: 'formula:s3', group: 2}
`

// TestWorkedExample is the example of the issue: group 1 holds C1 {O1, O2,
// O3} and C2 {O3, O4, O5}, group 2 holds C3 {O5, O6}; O3 scores 30 in C1
// and 45 in C2 and keeps 45; group 2 only fills what group 1 left.
func TestWorkedExample(t *testing.T) {
	lib := mustLoad(t, "lib/example.yaml", workedExample)
	tests := []struct {
		items int
		want  []string
	}{
		{10, []string{"O5", "O3", "O4", "O2", "O1", "O6"}},
		{6, []string{"O5", "O3", "O4", "O2", "O1", "O6"}},
		{5, []string{"O5", "O3", "O4", "O2", "O1"}},
		{2, []string{"O5", "O3"}},
		{1, []string{"O5"}},
	}
	for _, tt := range tests {
		d := decideBoth(t, lib, Request{Recipient: "r", Now: testNow, Scopes: []Scope{{"a", "p", tt.items}}})
		p := d.Propositions[0]
		if got := offerIDs(p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decide(items=%d) = %v, want %v", tt.items, got, tt.want)
		}
		if tt.items == 10 {
			wantScores := []float64{50, 45, 40, 20, 10, 60}
			for i, o := range p.Offers {
				if o.Score != wantScores[i] || o.Rank != i+1 {
					t.Errorf("offer %s: score %v rank %d, want score %v rank %d", o.ID, o.Score, o.Rank, wantScores[i], i+1)
				}
			}
		}
	}
}

// TestWorkedExampleDynamic runs the example with formulas that read the
// profile, so every candidate is scored per recipient.
func TestWorkedExampleDynamic(t *testing.T) {
	src := strings.ReplaceAll(workedExample, "score: 'offer.attributes.s", "score: 'profile.zero + offer.attributes.s")
	lib := mustLoad(t, "lib/example.yaml", src)
	d := decideBoth(t, lib, Request{Recipient: "r", Now: testNow, Profile: map[string]any{"zero": 0.0}, Scopes: []Scope{{"a", "p", 6}}})
	want := []string{"O5", "O3", "O4", "O2", "O1", "O6"}
	if got := offerIDs(d.Propositions[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("Decide = %v, want %v", got, want)
	}
}

const stepsPrelude = `
placements:
  - {id: hero, content: html}
  - {id: side, content: text, items: 2}
rules:
  - {id: gold, when: 'profile.tier == "gold"'}
fallbacks:
  - {id: fb, content: {hero: {html: fallback}, side: {text: fallback}}}
collections:
  - {id: all, anyTags: [t]}
`

const stepsActivity = `
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
      side: {criteria: [{collection: all}]}
`

// TestSteps checks each step of §4 step 2, and what the trace says.
func TestSteps(t *testing.T) {
	tests := []struct {
		name       string
		offers     string
		activity   string // replaces stepsActivity when set
		profile    map[string]any
		counts     mapCounts
		scopes     []Scope
		want       []string // offers of the first scope
		fallback   bool
		traceOffer string // this offer's trace entry ...
		traceStep  string // ... names this step
	}{
		{name: "approved offer chosen", offers: `
  - {id: a, tags: [t], content: {hero: {html: A}}}`, want: []string{"a"}},
		{name: "draft dropped by status", offers: `
  - {id: a, status: draft, priority: 9, tags: [t], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, want: []string{"b"}, traceOffer: "a", traceStep: "status"},
		{name: "archived dropped by status", offers: `
  - {id: a, status: archived, tags: [t], content: {hero: {html: A}}}`, want: []string{}, fallback: true, traceOffer: "a", traceStep: "status"},
		{name: "not started", offers: `
  - {id: a, start: 2026-12-02T09:00:01Z, tags: [t], content: {hero: {html: A}}}`, want: []string{}, fallback: true, traceOffer: "a", traceStep: "dates"},
		{name: "start is inclusive", offers: `
  - {id: a, start: 2026-12-02T09:00:00Z, tags: [t], content: {hero: {html: A}}}`, want: []string{"a"}},
		{name: "end is exclusive", offers: `
  - {id: a, end: 2026-12-02T09:00:00Z, tags: [t], content: {hero: {html: A}}}`, want: []string{}, fallback: true, traceOffer: "a", traceStep: "dates"},
		{name: "before end", offers: `
  - {id: a, end: 2026-12-02T09:00:01Z, tags: [t], content: {hero: {html: A}}}`, want: []string{"a"}},
		{name: "no content for placement", offers: `
  - {id: a, priority: 9, tags: [t], content: {side: {text: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, want: []string{"b"}, traceOffer: "a", traceStep: "content"},
		{name: "eligibility rule false", offers: `
  - {id: a, priority: 9, eligibility: gold, tags: [t], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, profile: map[string]any{"tier": "silver"}, want: []string{"b"}, traceOffer: "a", traceStep: "eligibility"},
		{name: "eligibility rule true", offers: `
  - {id: a, priority: 9, eligibility: gold, tags: [t], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, profile: map[string]any{"tier": "gold"}, want: []string{"a"}},
		{name: "missing field makes rule false", offers: `
  - {id: a, priority: 9, when: 'profile.age >= 21', tags: [t], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, profile: map[string]any{}, want: []string{"b"}, traceOffer: "a", traceStep: "eligibility"},
		{name: "criterion rule false", offers: `
  - {id: a, priority: 9, tags: [t], content: {hero: {html: A}}}`, activity: `
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all, eligibility: gold}]}
      side: {criteria: [{collection: all}]}
`, profile: map[string]any{"tier": "bronze"}, want: []string{}, fallback: true, traceOffer: "a", traceStep: "criterion"},
		{name: "offer and criterion rules must both pass", offers: `
  - {id: a, priority: 9, when: 'profile.age >= 21', tags: [t], content: {hero: {html: A}}}`, activity: `
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all, eligibility: gold}]}
      side: {criteria: [{collection: all}]}
`, profile: map[string]any{"tier": "gold", "age": 30.0}, want: []string{"a"}},
		{name: "capped for this recipient", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 2}], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, counts: mapCounts{"cap|a|profile|all|*|r1": 2}, want: []string{"b"}, traceOffer: "a", traceStep: "capped"},
		{name: "another recipient's counter does not cap", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 2}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|profile|all|*|r2": 2}, want: []string{"a"}},
		{name: "total cap reached", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: total, limit: 200}], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`, counts: mapCounts{"cap|a|total|all|*|*": 200}, want: []string{"b"}, traceOffer: "a", traceStep: "capped"},
		{name: "total cap below limit", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: total, limit: 200}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|total|all|*|*": 199}, want: []string{"a"}},
		{name: "monthly cap counts this month only", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, every: month}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|profile|m2026-11|*|r1": 1}, want: []string{"a"}},
		{name: "monthly cap reached this month", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, every: month}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|profile|m2026-12|*|r1": 1}, want: []string{}, fallback: true, traceOffer: "a", traceStep: "capped"},
		{name: "any cap exhausted caps the offer", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: total, limit: 100}, {scope: profile, limit: 1, every: day}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|profile|d2026-12-02|*|r1": 1}, want: []string{}, fallback: true, traceOffer: "a", traceStep: "capped"},
		{name: "per-placement counter", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, placement: each}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|profile|all|side|r1": 1}, want: []string{"a"}},
		{name: "per-placement counter reached", offers: `
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, placement: each}], content: {hero: {html: A}}}`, counts: mapCounts{"cap|a|profile|all|hero|r1": 1}, want: []string{}, fallback: true, traceOffer: "a", traceStep: "capped"},
		{name: "higher priority wins", offers: `
  - {id: a, priority: 5, tags: [t], content: {hero: {html: A}}}
  - {id: b, priority: 7, tags: [t], content: {hero: {html: B}}}
  - {id: c, priority: 6, tags: [t], content: {hero: {html: C}}}`, want: []string{"b"}},
		{name: "items override", offers: `
  - {id: a, priority: 5, tags: [t], content: {hero: {html: A}}}
  - {id: b, priority: 7, tags: [t], content: {hero: {html: B}}}
  - {id: c, priority: 6, tags: [t], content: {hero: {html: C}}}`, scopes: []Scope{{"act", "hero", 2}}, want: []string{"b", "c"}},
		{name: "activity not live shows nothing", offers: `
  - {id: a, tags: [t], content: {hero: {html: A}}}`, activity: `
activities:
  - id: act
    status: draft
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
`, want: []string{}},
		{name: "activity outside its dates shows nothing", offers: `
  - {id: a, tags: [t], content: {hero: {html: A}}}`, activity: `
activities:
  - id: act
    end: 2026-12-01T00:00:00Z
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
`, want: []string{}},
		{name: "no fallback shows nothing", offers: `
  - {id: a, status: draft, tags: [t], content: {hero: {html: A}}}`, activity: `
activities:
  - id: act
    placements:
      hero: {criteria: [{collection: all}]}
`, want: []string{}, traceOffer: "a", traceStep: "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			act := stepsActivity
			if tt.activity != "" {
				act = tt.activity
			}
			lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+"offers:"+tt.offers+act)
			scopes := tt.scopes
			if scopes == nil {
				scopes = []Scope{{"act", "hero", 0}}
			}
			d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Profile: tt.profile, Counts: tt.counts, Scopes: scopes})
			p := d.Propositions[0]
			if got := offerIDs(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decide offers = %v, want %v", got, tt.want)
			}
			if (p.Fallback != nil) != tt.fallback {
				t.Errorf("Decide fallback = %v, want fallback %v", p.Fallback, tt.fallback)
			}
			if len(p.Offers) > 0 && p.Fallback != nil {
				t.Errorf("Decide gave offers %v and fallback %v together", offerIDs(p), p.Fallback.ID)
			}
			if tt.traceOffer != "" {
				e := findTrace(p.Trace, tt.traceOffer)
				if e == nil || e.Step != tt.traceStep || e.Outcome != OutcomeDropped {
					t.Errorf("trace of %s = %+v, want dropped at step %s", tt.traceOffer, e, tt.traceStep)
				}
			}
		})
	}
}

func findTrace(entries []TraceEntry, offer string) *TraceEntry {
	for i := range entries {
		if entries[i].Offer == offer && entries[i].Outcome != OutcomeFallback {
			return &entries[i]
		}
	}
	return nil
}

func TestTraceCapCounterAndLimit(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+`offers:
  - {id: a, tags: [t], caps: [{scope: total, limit: 3}], content: {hero: {html: A}}}`+stepsActivity)
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Counts: mapCounts{"cap|a|total|all|*|*": 3}, Scopes: []Scope{{"act", "hero", 0}}})
	e := findTrace(d.Propositions[0].Trace, "a")
	if e == nil || e.Counter == nil || *e.Counter != 3 || e.Limit == nil || *e.Limit != 3 {
		t.Fatalf("trace = %+v, want counter 3 and limit 3", e)
	}
	last := d.Propositions[0].Trace[len(d.Propositions[0].Trace)-1]
	if last.Outcome != OutcomeFallback || last.Offer != "fb" || !strings.Contains(last.Reason, "1 capped") {
		t.Errorf("fallback trace = %+v, want fallback fb explaining 1 capped", last)
	}
}

// TestDuplicatesAcrossScopes checks §4.3: an offer chosen for one scope is
// not chosen for a later one, unless the activity or placement allows it.
func TestDuplicatesAcrossScopes(t *testing.T) {
	offers := `offers:
  - {id: a, priority: 9, tags: [t], content: {hero: {html: A}, side: {text: A}}}
  - {id: b, priority: 5, tags: [t], content: {hero: {html: B}, side: {text: B}}}
  - {id: c, priority: 1, tags: [t], content: {hero: {html: C}, side: {text: C}}}
`
	tests := []struct {
		name     string
		activity string
		want     []string // offers of the second scope (side)
	}{
		{"excluded by default", stepsActivity, []string{"b", "c"}},
		{"allowed by the activity", `
activities:
  - id: act
    allowDuplicates: true
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
      side: {criteria: [{collection: all}]}
`, []string{"a", "b"}},
		{"allowed by the placement", `
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
      side: {allowDuplicates: true, criteria: [{collection: all}]}
`, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+offers+tt.activity)
			d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Scopes: []Scope{{"act", "hero", 0}, {"act", "side", 0}}})
			if got := offerIDs(d.Propositions[0]); !reflect.DeepEqual(got, []string{"a"}) {
				t.Errorf("hero = %v, want [a]", got)
			}
			if got := offerIDs(d.Propositions[1]); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("side = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLaterScopeGetsFallback: when the only offer went to an earlier scope,
// the later one shows its fallback.
func TestLaterScopeGetsFallback(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+`offers:
  - {id: a, tags: [t], content: {hero: {html: A}, side: {text: A}}}`+stepsActivity)
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Scopes: []Scope{{"act", "hero", 0}, {"act", "side", 0}}})
	side := d.Propositions[1]
	if len(side.Offers) != 0 || side.Fallback == nil || side.Fallback.ID != "fb" {
		t.Fatalf("side = %v fallback %v, want the fallback fb", offerIDs(side), side.Fallback)
	}
	if e := findTrace(side.Trace, "a"); e == nil || e.Step != "duplicate" {
		t.Errorf("trace of a = %+v, want dropped as duplicate", e)
	}
}

// TestSameScopeTwice: two placeholders naming one scope show one decision,
// counted once.
func TestSameScopeTwice(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+`offers:
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 5}], content: {hero: {html: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}}}`+stepsActivity)
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Scopes: []Scope{{"act", "hero", 0}, {"act", "hero", 0}}})
	if !reflect.DeepEqual(offerIDs(d.Propositions[0]), offerIDs(d.Propositions[1])) {
		t.Errorf("two placeholders of one scope: %v and %v, want the same", offerIDs(d.Propositions[0]), offerIDs(d.Propositions[1]))
	}
	if len(d.Counters) != 1 || d.Counters[0].N != 1 {
		t.Errorf("Counters = %+v, want one counter incremented once", d.Counters)
	}
}

// TestCountersOfAMessage: a message's counters aggregate its offers' caps,
// and a cap used up by an earlier scope holds for a later one.
func TestCountersOfAMessage(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+`offers:
  - {id: a, priority: 9, tags: [t], caps: [{scope: profile, limit: 1, every: week}, {scope: total, limit: 10}, {scope: total, limit: 7}], content: {hero: {html: A}, side: {text: A}}}
  - {id: b, tags: [t], content: {hero: {html: B}, side: {text: B}}}
`+`
activities:
  - id: act
    allowDuplicates: true
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
      side: {criteria: [{collection: all}]}
`)
	d := decideBoth(t, lib, Request{Recipient: "r1", Now: testNow, Scopes: []Scope{{"act", "hero", 0}, {"act", "side", 0}}})
	if got := offerIDs(d.Propositions[1]); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("side = %v, want [b]: a's weekly profile cap of 1 was used by hero", got)
	}
	want := []Counter{
		{Key: "cap|a|profile|w2026-11-29|*|r1", Limit: 1, N: 1, Expire: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		{Key: "cap|a|total|all|*|*", Limit: 7, N: 1},
	}
	if !reflect.DeepEqual(d.Counters, want) {
		t.Errorf("Counters = %+v, want %+v", d.Counters, want)
	}
}

func TestUnknownScope(t *testing.T) {
	lib := mustLoad(t, "lib/lib.yaml", stepsPrelude+`offers:
  - {id: a, tags: [t], content: {hero: {html: A}}}`+stepsActivity)
	tests := []struct{ activity, placement, want string }{
		{"nope", "hero", `unknown activity "nope"`},
		{"act", "nope", `unknown placement "nope"`},
	}
	for _, tt := range tests {
		_, err := New(lib).Decide(context.Background(), &Request{Now: testNow, Scopes: []Scope{{tt.activity, tt.placement, 0}}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decide(%s/%s) error = %v, want %q", tt.activity, tt.placement, err, tt.want)
		}
	}
}

// TestRepeatedScopesAfterOthers: each repeat of a scope shows that scope's
// decision, wherever the repeats stand.
func TestRepeatedScopesAfterOthers(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", `
placements:
  - {id: a, content: text}
  - {id: b, content: text}
offers:
  - {id: oa, content: {a: {text: A}}}
  - {id: ob, content: {b: {text: B}}}
collections:
  - {id: all, offers: [oa, ob]}
activities:
  - id: act
    placements:
      a: {criteria: [{collection: all}]}
      b: {criteria: [{collection: all}]}
`)
	d := decideBoth(t, lib, Request{Recipient: "r", Now: testNow,
		Scopes: []Scope{{"act", "a", 0}, {"act", "a", 0}, {"act", "b", 0}, {"act", "b", 0}}})
	want := []string{"a/oa", "a/oa", "b/ob", "b/ob"}
	for i, p := range d.Propositions {
		if got := p.Placement + "/" + strings.Join(offerIDs(p), ","); got != want[i] {
			t.Errorf("scope %d = %s, want %s", i, got, want[i])
		}
	}
}
