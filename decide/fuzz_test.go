package decide

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
)

// FuzzCompileExpr: no expression, compiled as a rule or a formula, makes
// compilation or evaluation panic, and a rule typed boolean at load gives a
// boolean.
func FuzzCompileExpr(f *testing.F) {
	for _, seed := range []string{
		`profile.loyalty.tier == "gold" && profile.age >= 21`,
		`"running" in profile.interests || context.weather in ["snow", "cold"]`,
		`offer.priority + (offer.attributes.margin > 10 ? 20 : 0)`,
		`profile.name matches "^A" and not (profile.x.y < 3)`,
		`now.Year() > 2025 ? 1 : 0`,
		`len(profile.items) > 2 ** 3 % 5`,
		`profile.a[0].b ?? "x"`,
	} {
		f.Add(seed)
	}
	env := newEnv(exprProfile, map[string]any{"weather": "snow"}, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	env["offer"] = newOfferEnv(&Offer{ID: "o", Priority: 3, Tags: []string{"x"}, Attributes: map[string]any{"margin": 12.0}})
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range []exprKind{ruleExpr, formulaExpr} {
			prog, _, err := compileExpr(src, kind)
			if err != nil {
				continue
			}
			var machine vm.VM
			out, err := machine.Run(prog, env)
			if err == nil && kind == ruleExpr && !unknownType(prog.Node().Type()) {
				if _, ok := out.(bool); !ok {
					t.Fatalf("rule %q gave %T, want bool", src, out)
				}
			}
		}
	})
}

// FuzzLoad: no library file makes loading panic, and a library that loads
// can decide every scope of every activity.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../templates/library/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(workedExample))
	f.Fuzz(func(t *testing.T, data []byte) {
		lib, err := LoadFiles([]File{{Name: "fuzz.yaml", Data: data}})
		if err != nil {
			return
		}
		e := New(lib)
		for _, id := range lib.ActivityIDs() {
			for _, ap := range lib.Activity(id).Placements {
				_, err := e.Decide(context.Background(), &Request{Recipient: "r", Now: testNow, Trace: true,
					Profile: exprProfile, Scopes: []Scope{{id, ap.Placement, 0}}})
				if err != nil {
					t.Fatalf("Decide(%s/%s): %v", id, ap.Placement, err)
				}
			}
		}
	})
}
