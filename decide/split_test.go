package decide

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
)

// splitFormulas are formulas that read the profile. known says whether the
// interpreter of split formulas evaluates every part of them.
var splitFormulas = []struct {
	src   string
	known bool
}{
	{`offer.priority + (profile.spend > 1000 ? offer.attributes.margin / 2 : 0)`, true},
	{`offer.attributes.margin * profile.propensity`, true},
	{`offer.priority * 2 + profile.age - 3 * offer.priority % 4`, true},
	{`offer.priority / 3 + profile.age ** 0.5`, true},
	{`offer.priority ** 2 - (profile.vip ? 10 : -10)`, true},
	{`-offer.priority + +profile.age`, true},
	{`profile.tier == "gold" ? offer.priority * 2 : offer.attributes.margin - profile.age / 2`, true},
	{`profile.tier != "gold" && profile.age >= 18 || !profile.vip ? offer.priority : 1.5`, true},
	{`(profile.name > "M" ? 1 : 0) + (offer.name < "offer-3" ? 2 : 0) + offer.priority`, true},
	{`profile.missing + offer.priority`, true},
	{`profile.missing ?? offer.priority`, true},
	{`(profile.age ?? 0) + offer.priority`, true},
	{`("a" in profile.tags ? 3 : 1) * offer.attributes.margin + (offer.id == "o1" ? 1 : 0)`, true},
	{`offer.id in profile.liked ? 100 : offer.priority`, true},
	{`profile.tags contains "a" ? offer.priority : 0`, true},
	{`max(offer.priority, profile.age - 30) + abs(profile.delta) + ceil(offer.attributes.margin / 7)`, true},
	{`len(profile.tags) + offer.priority`, true},
	{`offer.priority % 3 + int(profile.age ?? 0) % 5`, true},
	{`offer.attributes.margin % profile.zero`, true},
	{`offer.priority * profile.huge * profile.huge`, true},
	{`offer.attributes.label + profile.name`, false},
	{`count(offer.tags, # == profile.tier) + offer.priority`, false},
	{`now.Day() + offer.priority`, false},
	{`let x = profile.age; x + offer.priority`, false},
}

// splitProfiles are profiles the formulas read, with missing fields, wrong
// kinds and extreme numbers.
var splitProfiles = []map[string]any{
	{"spend": 1500.0, "propensity": 0.37, "age": 44.0, "vip": true, "tier": "gold", "name": "Zoe", "tags": []any{"a", "b"}, "liked": []any{"o2"}, "delta": -3.5, "zero": 0.0, "huge": 1e200},
	{"spend": 10.0, "propensity": -2.0, "age": 17.0, "vip": false, "tier": "silver", "name": "Al", "tags": []any{}, "liked": []any{"o1", "o3"}, "delta": 2.0, "zero": 0.0, "huge": 3.0},
	{"age": "44", "vip": "yes", "tier": 3.0, "tags": "a", "spend": nil},
	{},
}

// splitOffers are the offers they rank, with integer and fractional
// attributes, and none.
var splitOffers = []*Offer{
	{ID: "o1", Name: "offer-1", Priority: 5, Tags: []string{"gold"}, Attributes: map[string]any{"margin": 12.0, "label": "x"}},
	{ID: "o2", Name: "offer-5", Priority: 0, Attributes: map[string]any{"margin": 2.5}},
	{ID: "o3", Name: "offer-3", Priority: 1 << 40, Attributes: map[string]any{}},
	{ID: "o4", Name: "offer-4", Priority: 7},
}

// TestSplitBounds: for formulas that read the profile, the interpreted
// bound of a score — per recipient, and over every recipient when known at
// load — is never below the score the VM gives; and where the interpreter
// knows every part, it computes exactly what the VM computes.
func TestSplitBounds(t *testing.T) {
	for _, f := range splitFormulas {
		prog, dynamic, err := compileExpr(f.src, formulaExpr)
		if err != nil || !dynamic {
			t.Fatalf("compile(%s) = %v, dynamic %v", f.src, err, dynamic)
		}
		sp := newSplit(prog.Node(), 0)
		formula := &Formula{ID: "f", prog: &scorer{prog: prog, split: sp}}
		for _, o := range splitOffers {
			env := newOfferEnv(o)
			slots := sp.offerSlots(env)
			static := sp.staticBound(slots, o.Priority)
			combos := sp.combos(slots, o.Priority)
			for pi, profile := range splitProfiles {
				name := fmt.Sprintf("%s/%s/profile %d", f.src, o.ID, pi)
				ev := testEvaluator(profile, nil)
				ev.env["offer"] = env
				exact, _ := runFormula(ev, formula, o)
				out, vmErr := ev.run(prog)
				ip := &interp{m: new(meter), profile: profile, now: testNow, sp: sp, oslots: slots,
					rvals: make([]val, len(sp.recip)), rdone: make([]bool, len(sp.recip))}
				v := ip.run(sp.root)
				bound := scoreBound(v, o.Priority)
				if bound < exact || static < exact {
					t.Errorf("%s: bound %v, static bound %v, below the score %v", name, bound, static, exact)
				}
				if c := ip.combo(sp); combos != nil && c >= 0 && combos[c] != bound {
					t.Errorf("%s: bound %v, from the combination of the profile's parts %v", name, bound, combos[c])
				}
				if v.k == vUnknown {
					if f.known {
						t.Errorf("%s: the interpreter does not know the formula", name)
					}
					continue
				}
				want := fromAny(out)
				if vmErr != nil {
					want = val{k: vErr}
				}
				if got, w := scoreBound(v, o.Priority), scoreBound(want, o.Priority); got != w && !(math.IsNaN(got) && math.IsNaN(w)) {
					t.Errorf("%s: interpreted %+v (bound %v), the VM gives %v (bound %v)", name, v, got, out, w)
				}
			}
		}
	}
}

// TestSplitSlots: a formula splits into the parts that read only the offer,
// the parts that read only the recipient, and what joins them.
func TestSplitSlots(t *testing.T) {
	tests := []struct {
		src          string
		offer, recip int
		recipBool    bool
	}{
		{`offer.priority + (profile.spend > 1000 ? offer.attributes.margin / 2 : 0)`, 2, 1, true},
		{`offer.attributes.margin * profile.propensity`, 1, 1, false},
		{`profile.a > 1 && profile.b < 2 ? offer.priority : 0`, 1, 1, true},
		{`profile.age + 1`, 0, 1, false},
	}
	for _, tt := range tests {
		prog, _, err := compileExpr(tt.src, formulaExpr)
		if err != nil {
			t.Fatal(err)
		}
		sp := newSplit(prog.Node(), 0)
		if len(sp.offer) != tt.offer || len(sp.recip) != tt.recip || sp.recipBool != tt.recipBool {
			t.Errorf("split(%s) = %d offer slots, %d recipient slots (boolean %v), want %d, %d (%v)",
				tt.src, len(sp.offer), len(sp.recip), sp.recipBool, tt.offer, tt.recip, tt.recipBool)
		}
	}
}

// describe is a decision's offers, scores and fallbacks, for comparing.
func describe(d *Decision) string {
	s := ""
	for _, p := range d.Propositions {
		s += p.Placement + ":"
		for _, o := range p.Offers {
			s += fmt.Sprintf(" %s=%v", o.ID, o.Score)
		}
		if p.Fallback != nil {
			s += " fallback " + p.Fallback.ID
		}
		s += "; "
	}
	return s
}

// TestDecideConcurrentSplit: one engine decides for many goroutines at once
// with a split formula (each pooled state keeps its own recipient slots),
// and every decision is the one made alone.
func TestDecideConcurrentSplit(t *testing.T) {
	lib, err := LoadFiles([]File{{Name: "bench.yaml", Data: []byte(benchLibrary("offer.priority + (profile.spend12m > 1000 ? offer.attributes.margin / 2 : 0) + offer.attributes.margin * profile.age / 100"))}})
	if err != nil {
		t.Fatal(err)
	}
	e := New(lib)
	profiles := benchProfiles()
	scopes := []Scope{{"act", "hero", 0}, {"act", "side", 0}, {"act", "banner", 0}}
	request := func(i int) *Request {
		return &Request{Campaign: "c", Recipient: fmt.Sprintf("r%d", i), Profile: profiles[i], Now: testNow, Scopes: scopes}
	}
	want := make([]string, len(profiles))
	for i := range profiles {
		d, err := e.Decide(context.Background(), request(i))
		if err != nil {
			t.Fatal(err)
		}
		want[i] = describe(d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 3*len(profiles); k++ {
				i := (k*7 + w) % len(profiles)
				d, err := e.Decide(context.Background(), request(i))
				if err == nil && describe(d) != want[i] {
					err = fmt.Errorf("recipient %d: concurrent decision %s, alone %s", i, describe(d), want[i])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
