package decide

import (
	"context"
	"strings"
	"testing"
)

// testEvaluator is an evaluator for one recipient at testNow.
func testEvaluator(profile, ctxData map[string]any) *evaluator {
	ev := newEvaluator()
	ev.reset(context.Background(), profile, ctxData, testNow)
	return ev
}

var exprProfile = map[string]any{
	"age":       30.0,
	"tier":      "gold",
	"interests": []any{"running", "ski"},
	"loyalty":   map[string]any{"tier": "gold", "points": 1200.0},
	"vip":       true,
	"name":      "Ana",
}

// TestRules checks SPEC §3: operators, and that a missing field is nil and
// compares false instead of failing.
func TestRules(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`profile.age >= 21`, true},
		{`profile.age == 30`, true},
		{`profile.age != 30`, false},
		{`profile.age < 30 || profile.age > 29`, true},
		{`profile.age % 7 == 2`, true},
		{`profile.age / 3 == 10 && profile.age * 2 - 1 == 59`, true},
		{`profile.tier == "gold" && profile.loyalty.points > 1000`, true},
		{`"ski" in profile.interests`, true},
		{`"golf" in profile.interests`, false},
		{`profile.tier in ["gold", "silver"]`, true},
		{`profile.name contains "n"`, true},
		{`profile.interests contains "ski"`, true},
		{`profile.interests contains "golf"`, false},
		{`profile.loyalty contains "gold"`, false},
		{`profile.name startsWith "A" && profile.name endsWith "a"`, true},
		{`profile.name matches "^A.a$"`, true},
		{`profile.vip ? profile.age > 10 : false`, true},
		{`!profile.vip`, false},
		{`now.Year() == 2026`, true},
		{`context.weather == "snow"`, true},
		// Missing fields: nil, comparisons false, never an error.
		{`profile.missing >= 21`, false},
		{`profile.missing < 21`, false},
		{`profile.missing == 21`, false},
		{`profile.missing != 21`, false},
		{`profile.missing != "x"`, false},
		{`"x" != profile.missing`, false},
		{`profile.missing == profile.other`, false},
		{`profile.missing == nil`, true},
		{`profile.missing != nil`, false},
		{`profile.tier != nil`, true},
		{`profile.tier != "silver"`, true},
		{`profile.age == 30.0 && profile.age != 31`, true},
		{`profile.interests == ["running", "ski"]`, true},
		{`profile.missing.deeper.still == "x"`, false},
		{`profile.missing.deeper > 3`, false},
		{`profile.missing`, false},
		{`!profile.missing`, true},
		{`profile.missing && true`, false},
		{`profile.missing || true`, true},
		{`"x" in profile.missing`, false},
		{`profile.missing contains "x"`, false},
		{`profile.missing startsWith "x"`, false},
		{`profile.missing matches "x"`, false},
		{`profile.missing + 1 > 0`, false},
		{`profile.missing ? true : false`, false},
		// Mixed kinds compare false rather than failing.
		{`profile.name > 3`, false},
		{`profile.age >= "30"`, false},
		// A non-boolean result of unknown type is false.
		{`profile.name`, false},
	}
	ev := testEvaluator(exprProfile, map[string]any{"weather": "snow"})
	for _, tt := range tests {
		prog, _, err := compileExpr(tt.src, ruleExpr)
		if err != nil {
			t.Errorf("compile(%s): %v", tt.src, err)
			continue
		}
		out, err := ev.run(prog)
		if err != nil {
			t.Errorf("run(%s): %v", tt.src, err)
			continue
		}
		// A rule is true only when it gives true (state.cond).
		if got, _ := out.(bool); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestRuleCompileErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`profile.age >=`, "unexpected token EOF"},
		{`1 + 2`, "a rule must be true or false"},
		{`offer.priority > 3`, "offer is not available in rules"},
		{`unknown == 1`, "unknown name unknown"},
		{`now()`, "not callable"}, // the decision time is `now`, never the wall clock
		{`"a" + 1 == "a1"`, "invalid operation"},
		{``, "expression is empty"},
		{strings.Repeat("profile.a + ", 400) + "1 > 0", "exceeds maximum allowed nodes"},
	}
	for _, tt := range tests {
		_, _, err := compileExpr(tt.src, ruleExpr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compile(%.40s) error = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestFormulas(t *testing.T) {
	tests := []struct {
		src     string
		want    float64
		note    bool // scored by priority, with a note
		dynamic bool
	}{
		{`offer.priority + (offer.attributes.margin > 10 ? 20 : 0)`, 25, false, false},
		{`offer.priority * 2`, 10, false, false},
		{`len(offer.tags) * 10`, 20, false, false},
		{`offer.attributes.missing * 2`, 5, true, false},
		{`profile.age + offer.priority`, 35, false, true},
		{`profile.missing + offer.priority`, 5, true, true},
		{`offer.priority / profile.zero`, 5, true, true},
		{`now.Day() + 0.5`, 2.5, false, true},
	}
	o := &Offer{ID: "o", Priority: 5, Tags: []string{"a", "b"}, Attributes: map[string]any{"margin": 12.0}}
	for _, tt := range tests {
		prog, dynamic, err := compileExpr(tt.src, formulaExpr)
		if err != nil {
			t.Errorf("compile(%s): %v", tt.src, err)
			continue
		}
		if dynamic != tt.dynamic {
			t.Errorf("compile(%s) dynamic = %v, want %v", tt.src, dynamic, tt.dynamic)
		}
		f := &Formula{ID: "f", prog: &scorer{prog: prog}}
		ev := testEvaluator(map[string]any{"age": 30.0, "zero": 0.0}, nil)
		ev.env["offer"] = newOfferEnv(o)
		got, note := runFormula(ev, f, o)
		if got != tt.want || (note != "") != tt.note {
			t.Errorf("%s = %v (note %q), want %v (note %v)", tt.src, got, note, tt.want, tt.note)
		}
	}
}

// TestExpressionCost: a range larger than the VM's memory budget fails the
// evaluation instead of running unbounded; the rule is then false.
func TestExpressionCost(t *testing.T) {
	prog, _, err := compileExpr(`len(map(1..profile.n, # * 2)) > 0`, ruleExpr)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	_, err = testEvaluator(map[string]any{"n": 1e8}, nil).run(prog)
	if err == nil || !strings.Contains(err.Error(), "memory budget") {
		t.Fatalf("run = %v, want a memory budget error", err)
	}
}
