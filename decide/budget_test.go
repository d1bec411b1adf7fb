package decide

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/internal/boundtest"
)

// budgetLibrary is a library with one offer whose eligibility is rule.
func budgetLibrary(rule string) string {
	return `placements:
  - {id: p, content: text}
fallbacks:
  - {id: fb, content: {p: {text: F}}}
offers:
  - id: o
    when: '` + rule + `'
    content: {p: {text: x}}
collections:
  - {id: c, offers: [o]}
activities:
  - id: a
    fallback: fb
    placements:
      p: {criteria: [{collection: c}]}
`
}

// deadline is the context hostile inputs run under: if a bound failed, the
// test ends with the context's error instead of running on. No test
// asserts how long anything took.
func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestBudgetStopsHostileRules: rules that would build gigabytes or loop for
// minutes (issue 13, item 3) load, and their evaluation stops at its budget:
// the rule is false, the trace says why, and the decision stays within a
// memory ceiling measured in-process.
func TestBudgetStopsHostileRules(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	doublings := func(first string) string {
		src := "let v0 = " + first + "; "
		for i := 1; i <= 10; i++ {
			src += fmt.Sprintf("let v%d = v%d + v%d; ", i, i-1, i-1)
		}
		return src + "len(v10) > 0"
	}
	tests := []struct {
		name    string
		rule    string
		profile map[string]any
		want    string
	}{
		// Ten doublings of a 64 KB string would be 64 MB, then 128 MB...
		{"let doublings", doublings("profile.s + profile.s"), map[string]any{"s": big}, "builds more than 1048576 bytes"},
		{"typed let doublings", doublings("upper(profile.s)"), map[string]any{"s": big}, "builds more than 1048576 bytes"},
		{"replace amplifies", `len(replace(profile.s, "", profile.s)) > 0`, map[string]any{"s": big[:10000]}, "builds more than"},
		{"toJSON of shared lists", `let a = [profile.s, profile.s]; let b = [a, a, a, a]; let c = [b, b, b, b]; let d = [c, c, c, c]; len(toJSON(d)) > 0`, map[string]any{"s": big}, "builds more than"},
		{"join amplifies", `len(join(profile.l, profile.s)) > 0`, map[string]any{"s": big, "l": []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r"}}, "builds more than"},
		// count over a range the VM may build, with a body: 65,000 × 6 steps.
		{"count over a long range", `count(1..profile.n, # % 7 == 0) > 0`, map[string]any{"n": 65000.0}, "needs more than 250000 steps"},
		{"count over a huge range", `count(1..profile.n, # % 7 == 0) > 0`, map[string]any{"n": 999999.0}, "memory budget exceeded"},
		{"nested loops", `count(profile.l, count(profile.l, # == "a") > 0) > 0`, map[string]any{"l": strings.Split(strings.Repeat("b,", 20000), ",")}, "needs more than 250000 steps"},
		{"searching a long string in a loop", `count(1..profile.n, profile.s contains "y") > 0`, map[string]any{"n": 10000.0, "s": strings.Repeat(big, 16)}, "needs more than 250000 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if l, ok := tt.profile["l"].([]string); ok {
				list := make([]any, len(l))
				for i, s := range l {
					list[i] = s
				}
				tt.profile["l"] = list
			}
			lib := mustLoad(t, "lib.yaml", budgetLibrary(tt.rule))
			ctx := deadline(t)
			var d *Decision
			var err error
			mem := boundtest.Allocated(func() {
				d, err = New(lib).Decide(ctx, &Request{Recipient: "r", Now: testNow, Profile: tt.profile, Trace: true, Scopes: []Scope{{"a", "p", 0}}})
			})
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			p := d.Propositions[0]
			if p.Fallback == nil || len(p.Offers) != 0 {
				t.Fatalf("Decide = %v (fallback %v), want the fallback", offerIDs(p), p.Fallback)
			}
			e := findTrace(p.Trace, "o")
			if e == nil || e.Step != "eligibility" || !strings.Contains(e.Reason, tt.want) {
				t.Fatalf("trace of o = %+v, want eligibility dropped with %q", e, tt.want)
			}
			if limit := uint64(16 << 20); mem > limit {
				t.Errorf("the decision allocated %d bytes, more than %d", mem, limit)
			}
		})
	}
}

// TestBudgetRefusedAtLoad: what can be refused before anything runs is a
// load error at the place in the file (issue 13, item 3).
func TestBudgetRefusedAtLoad(t *testing.T) {
	tests := []struct{ rule, want string }{
		{`len(repeat(repeat(string(profile.age), 1000), 1000000)) > 0`, "lib.yaml:7:16: repeat is not allowed in rules and formulas"},
		{`count(1..999999, {# % 7 == 0}) > 0`, "lib.yaml:7:19: the range 1..999999 holds 999999 numbers, more than the 65536 an evaluation may build"},
		{`profile.age in 0..100000`, "lib.yaml:7:28: the range 0..100000 holds 100001 numbers"},
	}
	for _, tt := range tests {
		_, err := LoadFiles([]File{{Name: "lib.yaml", Data: []byte(budgetLibrary(tt.rule))}})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("LoadFiles(%s) = %v, want %q", tt.rule, err, tt.want)
			continue
		}
		wantLimit(t, err)
	}
}

// TestBudgetKeepsOrdinaryRules: rules over lists and strings of ordinary
// size run as before under the budget.
func TestBudgetKeepsOrdinaryRules(t *testing.T) {
	profile := map[string]any{
		"interests": []any{"running", "ski"}, "name": "Ana", "n": 1000.0,
		"orders": []any{map[string]any{"total": 120.0}, map[string]any{"total": 30.0}},
	}
	for _, src := range []string{
		`"ski" in profile.interests && profile.name startsWith "A"`,
		`count(profile.orders, #.total > 100) == 1`,
		`sum(map(profile.orders, #.total)) == 150`,
		`count(1..profile.n, # % 10 == 0) == 100`,
		`len(join(profile.interests, ", ")) == 12 && upper(profile.name) == "ANA"`,
		`toJSON(profile.interests) contains "ski" && string(profile.n) == "1000"`,
		`len(split("a,b,c", ",")) == 3 && replace(profile.name, "a", "e") == "Ane"`,
		`profile.name matches "^A.a$" && any(profile.interests, # == "ski")`,
	} {
		prog, _, err := compileExpr(src, ruleExpr)
		if err != nil {
			t.Errorf("compile(%s): %v", src, err)
			continue
		}
		out, err := testEvaluator(profile, nil).run(prog)
		if err != nil || out != true {
			t.Errorf("%s = %v, %v; want true", src, out, err)
		}
	}
}

// TestDecideCancelled: once the decision's context is done, no expression
// is evaluated any more and Decide fails with the context's error — the
// preview stops working for a client that went away.
func TestDecideCancelled(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", stepsPrelude+`offers:
  - {id: a, tags: [t], eligibility: gold, content: {hero: {html: a}, side: {text: a}}, caps: [{scope: total, limit: 9}]}
  - {id: b, tags: [t], when: 'profile.age > 3', content: {hero: {html: b}, side: {text: b}}}
`+stepsActivity)
	ctx, cancel := context.WithCancel(context.Background())
	// The client goes away while the first scope reads its counters.
	counts := cancelCounts{cancel}
	_, err := New(lib).Decide(ctx, &Request{Recipient: "r", Now: testNow, Profile: map[string]any{"tier": "gold", "age": 30.0},
		Counts: counts, Scopes: []Scope{{"act", "hero", 0}, {"act", "side", 0}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Decide = %v, want context.Canceled", err)
	}
}

type cancelCounts struct{ cancel context.CancelFunc }

func (c cancelCounts) Count(context.Context, string) (int64, error) {
	c.cancel()
	return 0, nil
}

// TestEvaluationCancelled: a long evaluation looks at its context as it
// charges its steps, and stops within it.
func TestEvaluationCancelled(t *testing.T) {
	prog, _, err := compileExpr(`count(1..profile.n, # > 0) > 0`, ruleExpr)
	if err != nil {
		t.Fatal(err)
	}
	ev := testEvaluator(map[string]any{"n": 60000.0}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ev.meter.bind(ctx)
	if err := ev.meter.begin(); err != nil {
		t.Fatal(err)
	}
	cancel() // after the evaluation started
	_, err = ev.machine.Run(prog, ev.env)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}

// TestExpressionShapeLimits: an expression too long or too deeply nested is
// refused before it is parsed (issue 13, item 4): 600,000 parentheses are a
// load error at the rule, not a stack overflow.
func TestExpressionShapeLimits(t *testing.T) {
	parens := func(n int) string { return strings.Repeat("(", n) + "true" + strings.Repeat(")", n) }
	tests := []struct {
		name, file, want string
	}{
		{"600,000 parentheses", budgetLibrary(parens(600_000)), "lib.yaml:7:12: this rule is 1200004 bytes long, over the limit of 15360 bytes (15 KB)"},
		{"nesting", budgetLibrary(parens(1000)), "lib.yaml:7:76: brackets nest more than 64 deep here"},
		{"nesting in lists", budgetLibrary(`"a" in ` + strings.Repeat("[", 70) + strings.Repeat("]", 70)), "lib.yaml:7:83: brackets nest more than 64 deep here"},
		{"brackets in strings do not nest", budgetLibrary(`profile.x == "` + strings.Repeat("(", 100) + `" && ` + parens(70)), "lib.yaml:7:195: brackets nest more than 64 deep here"},
		{"long formula", strings.Replace(budgetLibrary("true"), "offers:", "formulas:\n  - {id: f, score: '"+strings.Repeat("1 + ", 2100)+"1'}\noffers:", 1), "lib.yaml:6:21: this formula is 8401 bytes long, over the limit of 8192 bytes (8 KB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadBounded(t, tt.file, 64<<20)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("LoadFiles = %.300v, want %q", err, tt.want)
			}
			wantLimit(t, err)
		})
	}
}

// wantLimit fails the test unless the first error in err has code Limit.
func wantLimit(t *testing.T, err error) {
	t.Helper()
	var e *diag.Error
	if !errors.As(err, &e) {
		t.Errorf("error %.200v is no diag.Error", err)
	} else if e.Code != diag.Limit {
		t.Errorf("error %.200v has code %v, want %v", err, e.Code, diag.Limit)
	}
}

// loadBounded loads one library file under a deadline and a memory
// ceiling measured in-process: a load that does not end in time fails the
// test instead of hanging it.
func loadBounded(t *testing.T, file string, ceiling uint64) error {
	t.Helper()
	ctx := deadline(t)
	done := make(chan error, 1)
	var mem uint64
	go func() {
		var err error
		mem = boundtest.Allocated(func() { _, err = LoadFiles([]File{{Name: "lib.yaml", Data: []byte(file)}}) })
		done <- err
	}()
	select {
	case err := <-done:
		if mem > ceiling {
			t.Errorf("loading allocated %d bytes, more than %d", mem, ceiling)
		}
		return err
	case <-ctx.Done():
		t.Fatalf("loading did not end before its deadline")
		return nil
	}
}
