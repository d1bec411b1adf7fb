package decide

import (
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
)

// FuzzEval: no expression, compiled as a rule or a formula, makes
// compilation or evaluation panic; a rule typed boolean at load gives a
// boolean; every evaluation, over a profile with long strings and lists,
// stays within its budget of steps and bytes and allocates less than a
// ceiling measured in-process; and a formula that reads the profile, split
// (split.go), bounds its score from above, for this recipient and over
// every recipient.
func FuzzEval(f *testing.F) {
	for _, seed := range []string{
		`profile.loyalty.tier == "gold" && profile.age >= 21`,
		`"running" in profile.interests || context.weather in ["snow", "cold"]`,
		`offer.priority + (offer.attributes.margin > 10 ? 20 : 0)`,
		`profile.name matches "^A" and not (profile.x.y < 3)`,
		`now.Year() > 2025 ? 1 : 0`,
		`len(profile.items) > 2 ** 3 % 5`,
		`profile.a[0].b ?? "x"`,
		`let a = profile.s + profile.s; let b = a + a; let c = b + b; len(c) > 0`,
		`count(1..profile.n, # % 7 == 0) > 0`,
		`count(profile.l, count(profile.l, # == "a") > 0) > 0`,
		`len(replace(profile.s, "", profile.s)) > 0`,
		`len(toJSON([[profile.l, profile.l], [profile.l, profile.l]])) > 0`,
		`len(join(profile.l, profile.s)) > 0 || len(split(profile.s, "")) > 0`,
		`len(flatten([profile.l, [profile.l, [profile.l]]])) > 0 && len(concat(profile.l, profile.l)) > 0`,
		`sum(map(filter(profile.l, # != "b"), len(#))) > 0 && upper(profile.s) != lower(profile.s)`,
		`now.Format(profile.s) != "" && string(profile.l) != ""`,
	} {
		f.Add(seed)
	}
	profile := map[string]any{"s": strings.Repeat("ab(", 20000), "n": 60000.0}
	for k, v := range exprProfile {
		profile[k] = v
	}
	l := make([]any, 5000)
	for i := range l {
		l[i] = strings.Repeat("b", i%50)
	}
	profile["l"] = l
	ev := testEvaluator(profile, map[string]any{"weather": "snow"})
	offer := &Offer{ID: "o", Priority: 3, Tags: []string{"x"}, Attributes: map[string]any{"margin": 12.0}}
	ev.env["offer"] = newOfferEnv(offer)
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range []exprKind{ruleExpr, formulaExpr} {
			prog, dynamic, err := compileExpr(src, kind)
			if err != nil {
				continue
			}
			metrics.Read(allocs)
			before := allocs[0].Value.Uint64()
			out, err := ev.run(prog)
			metrics.Read(allocs)
			if spent := allocs[0].Value.Uint64() - before; spent > 64<<20 {
				t.Fatalf("%q allocated %d bytes in one evaluation", src, spent)
			}
			if ev.meter.steps > maxSteps || ev.meter.bytes > maxBytes {
				t.Fatalf("%q spent %d steps and %d bytes, over the budget", src, ev.meter.steps, ev.meter.bytes)
			}
			if err == nil && kind == ruleExpr && !unknownType(prog.Node().Type()) {
				if _, ok := out.(bool); !ok {
					t.Fatalf("rule %q gave %T, want bool", src, out)
				}
			}
			if kind == formulaExpr && dynamic {
				sp := newSplit(prog.Node(), 0)
				slots := sp.offerSlots(ev.env["offer"].(*offerEnv))
				static := sp.staticBound(slots, offer.Priority)
				ip := &interp{m: new(meter), profile: profile, context: ev.env["context"].(map[string]any), now: testNow,
					sp: sp, oslots: slots, rvals: make([]val, len(sp.recip)), rdone: make([]bool, len(sp.recip))}
				bound := scoreBound(ip.run(sp.root), offer.Priority)
				exact, _ := runFormula(ev, &Formula{ID: "f", prog: &scorer{prog: prog}}, offer)
				if bound < exact || static < exact {
					t.Fatalf("formula %q scores %v, above its bound %v (over every recipient %v)", src, exact, bound, static)
				}
				if combos := sp.combos(slots, offer.Priority); combos != nil {
					if c := ip.combo(sp); c >= 0 && combos[c] < exact {
						t.Fatalf("formula %q scores %v, above its bound %v for its profile parts", src, exact, combos[c])
					}
				}
			}
		}
	})
}

// FuzzLoad: no library file — aliases and anchors included — makes loading
// panic or run away, and a library that loads can decide every scope of
// every activity, choosing the same offers with the same scores with and
// without a trace (the full evaluation, and the walks that stop early).
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../templates/library/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(workedExample))
	f.Add([]byte(strings.ReplaceAll(workedExample, "score: 'offer.attributes.s", "score: 'profile.age / 10 + offer.attributes.s")))
	f.Add([]byte(aliasBomb("")))
	f.Add([]byte("placements:\n  - &p {id: p, content: text}\noffers:\n  - id: o\n    content: &c {p: {text: x}}\n    attributes: &a {k: [*c, *c, {n: *c}]}\n  - {id: o2, content: *c, attributes: *a}\n"))
	f.Add([]byte("offers:\n  - id: o\n    attributes: &self\n      again: *self\n"))
	f.Add([]byte("placements: &ps\n  - {id: p, content: text}\nrules: *ps\noffers:\n  - <<: {id: o}\n    content: {p: {text: x}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lib, err := LoadFiles([]File{{Name: "fuzz.yaml", Data: data}})
		if err != nil {
			return
		}
		for _, id := range lib.ActivityIDs() {
			for _, ap := range lib.Activity(id).Placements {
				decideBoth(t, lib, Request{Recipient: "r", Now: testNow, Profile: exprProfile, Scopes: []Scope{{id, ap.Placement, 0}}})
			}
		}
	})
}
