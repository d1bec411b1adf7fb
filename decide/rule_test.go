package decide

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// ruleChecker evaluates rules both ways: with the VM, as before, and as
// parts (rule.go).
type ruleChecker struct {
	lib *Library
	ev  *evaluator
	ip  *interp
}

func newRuleChecker() *ruleChecker {
	return &ruleChecker{lib: &Library{}, ev: newEvaluator()}
}

// compile compiles src as a rule, and as parts (nil when the interpreter
// does not know them all).
func (rc *ruleChecker) compile(t testing.TB, src string) (*condition, bool) {
	prog, _, err := compileExpr(src, ruleExpr)
	if err != nil {
		return nil, false
	}
	return &condition{src: src, prog: prog, rule: rc.lib.paths.newRule(prog.Node())}, true
}

// check evaluates c over profile and context both ways and fails when
// the interpreter gives a definite result other than the VM's. It
// reports whether the interpreter's result was definite.
func (rc *ruleChecker) check(t testing.TB, c *condition, profile, ctxData map[string]any) bool {
	t.Helper()
	rc.ev.reset(context.Background(), profile, ctxData, testNow)
	out, err := rc.ev.run(c.prog)
	want, _ := out.(bool)
	if err != nil {
		want = false
	}
	if c.rule == nil {
		return false
	}
	n := len(rc.lib.paths.steps)
	if rc.ip == nil || len(rc.ip.pathVals) != n {
		rc.ip = &interp{m: new(meter), lib: rc.lib, pathVals: make([]val, n), pathAt: make([]uint64, n)}
	}
	ip := rc.ip
	ip.profile, ip.context, ip.now, ip.nowAny = profile, ctxData, testNow, testNow
	ip.gen++
	got, sure := ip.rule(c.rule)
	if sure && got != want {
		t.Fatalf("rule %s over profile %v, context %v: parts give %v, the VM %v (err %v)", c.src, profile, ctxData, got, want, err)
	}
	// Read again within the same decision: the paths come from the cache.
	if again, sure2 := ip.rule(c.rule); again != got || sure2 != sure {
		t.Fatalf("rule %s over profile %v: a second evaluation in one decision gives %v/%v, the first %v/%v", c.src, profile, again, sure2, got, sure)
	}
	return sure
}

// ruleGen writes random rules of the shapes libraries use, and others.
type ruleGen struct{ r *rand.Rand }

var (
	genPaths = []string{`profile.age`, `profile.tier`, `profile.loyalty.tier`, `profile.loyalty.points`, `profile.interests`,
		`profile.vip`, `profile.missing`, `profile.missing.deeper`, `profile.n`, `context.weather`, `profile["tier"]`,
		`profile.interests[0]`, `profile.m.k`, `context.missing`, `profile.list`, `profile.s`}
	genConsts = []string{`0`, `1`, `21`, `-3`, `2.5`, `1e3`, `"gold"`, `""`, `"a"`, `"21"`, `true`, `false`, `nil`}
	genLists  = []string{`["gold", "silver"]`, `[1, 2, 21]`, `[1, "a", nil]`, `["a"]`, `["", "x"]`, `[21.0, 2.5]`, `[true]`}
	genCmp    = []string{`==`, `!=`, `<`, `<=`, `>`, `>=`}
)

func (g *ruleGen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *ruleGen) operand() string {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3, 4:
		return g.pick(genPaths)
	case 5:
		return fmt.Sprintf("(%s + %s)", g.pick(genPaths), g.pick(genConsts[:6]))
	case 6:
		return fmt.Sprintf("(%s ?? %s)", g.pick(genPaths), g.pick(genConsts))
	case 7:
		return fmt.Sprintf("len(%s)", g.pick(genPaths))
	case 8:
		return fmt.Sprintf("(%s %% 3)", g.pick(genPaths))
	}
	return g.pick(genConsts)
}

func (g *ruleGen) rule(depth int) string {
	n := 9
	if depth > 2 {
		n = 6
	}
	switch g.r.IntN(n) {
	case 0:
		return fmt.Sprintf("%s %s %s", g.operand(), g.pick(genCmp), g.operand())
	case 1:
		return fmt.Sprintf("%s %s %s", g.pick(genPaths), g.pick(genCmp), g.pick(genConsts))
	case 2:
		return fmt.Sprintf("%s in %s", g.operand(), g.pick(genLists))
	case 3:
		return fmt.Sprintf("%s in %s", g.pick(genConsts), g.pick(genPaths))
	case 4:
		return g.pick(genPaths) // truthiness
	case 5:
		return g.pick([]string{
			fmt.Sprintf("%s contains %s", g.pick(genPaths), g.pick(genConsts)),
			fmt.Sprintf("%s startsWith %s", g.pick(genPaths), g.pick(genConsts)),
			fmt.Sprintf("%s in %s", g.pick(genPaths), g.pick(genPaths)),
			fmt.Sprintf("%s == nil", g.pick(genPaths)),
			fmt.Sprintf("%s != nil", g.pick(genPaths)),
			fmt.Sprintf("-%s < 0", g.pick(genPaths)),
		})
	case 6:
		return fmt.Sprintf("(%s) %s (%s)", g.rule(depth+1), g.pick([]string{"&&", "||", "and", "or"}), g.rule(depth+1))
	case 7:
		return fmt.Sprintf("%s(%s)", g.pick([]string{"!", "not "}), g.rule(depth+1))
	}
	return fmt.Sprintf("(%s) ? (%s) : (%s)", g.rule(depth+1), g.rule(depth+1), g.rule(depth+1))
}

// genValues are the values a generated profile's fields take: numbers of
// both Go kinds, NaN and infinities, strings, booleans, lists, maps, nil.
var genValues = []any{nil, 0.0, 21.0, -3.0, 2.5, 1e300, math.NaN(), math.Inf(1), 21, 3, "gold", "", "a", "21", "silver",
	true, false, []any{"gold", "a"}, []any{1.0, nil, "a", 21.0}, []any{}, map[string]any{"tier": "gold", "points": 1200.0, "k": "a"},
	map[string]any(nil), []string{"a", "gold"}, testNow, []any{[]any{"a"}}}

func (g *ruleGen) profile() (map[string]any, map[string]any) {
	p, c := map[string]any{}, map[string]any{}
	for _, k := range []string{"age", "tier", "loyalty", "interests", "vip", "n", "m", "list", "s"} {
		if g.r.IntN(5) > 0 {
			p[k] = genValues[g.r.IntN(len(genValues))]
		}
	}
	if g.r.IntN(3) > 0 {
		c["weather"] = genValues[g.r.IntN(len(genValues))]
	}
	if g.r.IntN(10) == 0 {
		return nil, nil
	}
	return p, c
}

// TestRuleMatchesVM: over generated rules and profiles, a rule's parts
// give the VM's result whenever they give one, and they give one for
// most rules.
func TestRuleMatchesVM(t *testing.T) {
	g := &ruleGen{rand.New(rand.NewPCG(1, 2))}
	rc := newRuleChecker()
	var rules, native, sure, evals int
	for range 3000 {
		src := g.rule(0)
		c, ok := rc.compile(t, src)
		if !ok {
			continue
		}
		rules++
		if c.rule != nil {
			native++
		}
		for range 8 {
			p, ctx := g.profile()
			evals++
			if rc.check(t, c, p, ctx) {
				sure++
			}
		}
	}
	t.Logf("%d rules compiled, %d as parts; %d of %d evaluations definite", rules, native, sure, evals)
	if rules < 1500 || native < rules/2 || sure < evals/3 {
		t.Fatalf("too few rules checked: %d compiled, %d as parts, %d of %d evaluations definite", rules, native, sure, evals)
	}
}

// TestRuleParts: the shapes of the sample library's rules and of
// BenchmarkDecide's are interpreted, not left to the VM, and give the
// VM's results.
func TestRuleParts(t *testing.T) {
	rc := newRuleChecker()
	for _, src := range []string{
		`profile.loyalty.tier == "gold"`,
		`profile.loyalty.tier == "gold" && profile.age >= 21`,
		`"running" in profile.interests || "trail" in profile.interests`,
		`context.weather in ["snow", "cold"] || profile.city in ["Minneapolis", "Denver", "Anchorage", "Montréal"]`,
		`profile.age >= 18 && profile.country in ["US", "CA"] && "ski" in profile.interests`,
		`profile.loyalty.tier == nil || profile.loyalty.tier == "none"`,
		`profile.hasKids == true`,
		`profile.age >= 15 && profile.tier in ["gold", "silver", "t0"] || "i0" in profile.interests`,
		`not profile.optOut && (profile.score ?? 0) > 0.5`,
		`profile.interests contains "ski" ? profile.age < 40 : profile.vip`,
	} {
		c, ok := rc.compile(t, src)
		if !ok || c.rule == nil {
			t.Fatalf("rule %s: compiled %v, as parts %v; want both", src, ok, c != nil && c.rule != nil)
		}
		for _, p := range []map[string]any{
			exprProfile,
			{"loyalty": map[string]any{"tier": "none"}, "age": 17.0, "country": "CA", "interests": []any{"ski", "trail"}, "hasKids": true, "city": "Denver"},
			{"loyalty": "gold", "age": "30", "interests": "ski", "hasKids": "true", "optOut": true, "score": 0.7},
			{"tier": "t0", "age": 15.0, "interests": []any{"i0"}, "score": 0.7, "vip": true},
			{},
			nil,
		} {
			if !rc.check(t, c, p, map[string]any{"weather": "snow"}) {
				t.Errorf("rule %s over %v: no definite result", src, p)
			}
		}
	}
}

// TestRuleWithinDecision: rules evaluated as parts in decisions give the
// decisions of full evaluation with the VM (a trace runs every rule with
// the VM), and a decision reads each path afresh for each recipient.
func TestRuleWithinDecision(t *testing.T) {
	lib, err := LoadFiles([]File{{Name: "bench.yaml", Data: []byte(benchLibrary("offer.priority"))}})
	if err != nil {
		t.Fatal(err)
	}
	native := 0
	for _, c := range lib.conditions {
		if c.rule != nil {
			native++
		}
	}
	if native != len(lib.conditions) {
		t.Fatalf("%d of %d rules as parts; want all", native, len(lib.conditions))
	}
	e := New(lib)
	scopes := []Scope{{"act", "hero", 0}, {"act", "side", 0}, {"act", "banner", 0}}
	for i, p := range benchProfiles() {
		fast, err := e.Decide(context.Background(), &Request{Recipient: fmt.Sprint("r", i), Profile: p, Now: testNow, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		full, err := e.Decide(context.Background(), &Request{Recipient: fmt.Sprint("r", i), Profile: p, Now: testNow, Scopes: scopes, Trace: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := decisionIDs(fast), decisionIDs(full); got != want {
			t.Fatalf("profile %v: decided %s, with the VM %s", p, got, want)
		}
	}
}

func decisionIDs(d *Decision) string {
	var b strings.Builder
	for _, p := range d.Propositions {
		for _, c := range p.Offers {
			fmt.Fprintf(&b, "%s:%g ", c.ID, c.Score)
		}
		if p.Fallback != nil {
			b.WriteString("=" + p.Fallback.ID)
		}
		b.WriteString("|")
	}
	return b.String()
}

// FuzzRule: for any rule, its parts give the VM's result whenever they
// give one, over profiles of every kind of value.
func FuzzRule(f *testing.F) {
	for _, seed := range []string{
		`profile.loyalty.tier == "gold" && profile.age >= 21`,
		`"running" in profile.interests || context.weather in ["snow", "cold"]`,
		`profile.age in [1, 2, 21] or not (profile.n < 3)`,
		`(profile.age ?? 1) % 3 == 1 ? profile.vip : len(profile.list) > 1`,
		`profile.m.k in ["a", ""] && -profile.n < 0`,
	} {
		f.Add(seed, uint64(1))
	}
	rc := newRuleChecker()
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		c, ok := rc.compile(t, src)
		if !ok {
			return
		}
		g := &ruleGen{rand.New(rand.NewPCG(seed, 7))}
		for range 16 {
			p, ctx := g.profile()
			rc.check(t, c, p, ctx)
		}
	})
}
