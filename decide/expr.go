package decide

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/offermail/offermail/diag"
)

// maxExprNodes bounds the size of an expression; with expr's memory budget
// per run it bounds what one evaluation can cost.
const maxExprNodes = 500

// evaluator runs compiled expressions under the budget of budget.go. Each
// decision state owns one: it is not safe for concurrent use.
type evaluator struct {
	machine vm.VM
	meter   meter
	// env is what programs run on: profile, context, now, the offer of a
	// formula and the helpers bound to meter.
	env map[string]any
	// now is the decision time env holds.
	now time.Time
	// cancelled is the context's error once an evaluation found the
	// decision cancelled; the decision then fails with it.
	cancelled error
}

func newEvaluator() *evaluator {
	ev := &evaluator{env: map[string]any{
		"profile": map[string]any(nil), "context": map[string]any(nil), "now": time.Time{}, "offer": (*offerEnv)(nil),
	}}
	ev.machine.MemoryBudget = maxItems
	maps.Copy(ev.env, ev.meter.funcs())
	return ev
}

// reset prepares the evaluator for one recipient's decision.
func (ev *evaluator) reset(ctx context.Context, profile, context map[string]any, now time.Time) {
	ev.meter.bind(ctx)
	ev.cancelled = nil
	ev.env["profile"], ev.env["context"] = profile, context
	// The decisions of a run share their time: boxing it again for each
	// would be an allocation per recipient.
	if !now.Equal(ev.now) || now.Location() != ev.now.Location() {
		ev.now = now
		ev.env["now"] = now
	}
}

// run evaluates prog. Once the decision is cancelled it evaluates nothing
// more and every run fails with the context's error.
func (ev *evaluator) run(prog *vm.Program) (any, error) {
	if ev.cancelled != nil {
		return nil, ev.cancelled
	}
	if err := ev.meter.begin(); err != nil {
		ev.cancelled = err
		return nil, err
	}
	out, err := ev.machine.Run(prog, ev.env)
	if err != nil && ev.meter.ctx != nil && ev.meter.ctx.Err() != nil {
		ev.cancelled = ev.meter.ctx.Err()
	}
	return out, err
}

// ruleEnv is what a rule (`when`) sees.
type ruleEnv struct {
	Profile map[string]any `expr:"profile"`
	Context map[string]any `expr:"context"`
	Now     time.Time      `expr:"now"`
}

// formulaEnv is what a formula (`score`) sees: a rule's names plus the offer.
type formulaEnv struct {
	Profile map[string]any `expr:"profile"`
	Context map[string]any `expr:"context"`
	Now     time.Time      `expr:"now"`
	Offer   *offerEnv      `expr:"offer"`
}

// offerEnv is the offer as expressions see it. Start and End are nil when
// the offer has no such bound, so comparing with them is false.
type offerEnv struct {
	ID         string         `expr:"id"`
	Name       string         `expr:"name"`
	Priority   int            `expr:"priority"`
	Tags       []string       `expr:"tags"`
	Attributes map[string]any `expr:"attributes"`
	Start      any            `expr:"start"`
	End        any            `expr:"end"`
}

func newOfferEnv(o *Offer) *offerEnv {
	e := &offerEnv{ID: o.ID, Name: o.Name, Priority: o.Priority, Tags: o.Tags, Attributes: o.Attributes}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if e.Attributes == nil {
		e.Attributes = map[string]any{}
	}
	if !o.Start.IsZero() {
		e.Start = o.Start
	}
	if !o.End.IsZero() {
		e.End = o.End
	}
	return e
}

// condition is a compiled rule. Every rule and inline `when` with the same
// text shares one condition, so a decision evaluates it at most once per
// recipient (rules do not see the offer).
type condition struct {
	index int // slot in a decision's memo
	src   string
	prog  *vm.Program
	// rule is the program as parts, when the interpreter knows them all
	// (rule.go).
	rule *part
}

// scorer is a compiled formula.
type scorer struct {
	src  string
	prog *vm.Program
	// static: the formula reads only offer fields, so every offer's score is
	// computed once at load instead of per recipient.
	static bool
	// split bounds the scores of a formula that is not static (split.go).
	split *split
}

// exprError is a compile error inside an expression: 1-based line and
// column (in characters) within the expression text, and its code:
// Expression, or Limit for what exceeds a bound on cost.
type exprError struct {
	line, col int
	msg       string
	code      diag.Code
}

func (e *exprError) Error() string { return e.msg }

type exprKind int

const (
	ruleExpr exprKind = iota
	formulaExpr
)

// compileExpr compiles a rule or formula. It reports whether the program
// reads the recipient (profile, context) or the time, which decides whether
// a formula can be precomputed.
//
// It compiles twice with expr.Compile. The first pass, against the struct
// types of what a rule or formula sees and without patches, gives precise
// errors at load: the nil-safe patcher replaces nodes by typed helper calls,
// which expr's checker does not revisit, so it would hide an unknown name or
// a wrong argument behind a call. The second pass, on the map environment
// the program runs with (expr reads a map without reflection), applies the
// patches (nil safety, then the budget's charges) and optimizes. Before
// either, the text's length and nesting are bounded (exprshape.go).
func compileExpr(src string, kind exprKind) (*vm.Program, bool, error) {
	if strings.TrimSpace(src) == "" {
		return nil, false, &exprError{1, 1, "expression is empty", diag.Expression}
	}
	if err := checkShape(src, kind); err != nil {
		return nil, false, err
	}
	var env any = ruleEnv{}
	runEnv := newEvaluator().env
	if kind == formulaExpr {
		env = formulaEnv{}
	} else {
		delete(runEnv, "offer")
	}
	checked, err := expr.Compile(src,
		expr.Env(env),
		expr.MaxNodes(maxExprNodes),
		// now() would read the wall clock; the decision time is `now`.
		expr.DisableBuiltin("now"),
		expr.Optimize(false),
	)
	if err != nil {
		return nil, false, toExprError(err, kind)
	}
	if err := refuse(checked.Node(), src); err != nil {
		return nil, false, err
	}
	// A result of unknown type (a profile field) is decided at run time: a
	// rule is true only for true, a formula scores only a number.
	switch result := checked.Node().Type(); {
	case unknownType(result):
	case kind == ruleExpr && result.Kind() != reflect.Bool:
		return nil, false, &exprError{1, 1, fmt.Sprintf("a rule must be true or false, but this expression gives %s", typeName(result)), diag.Expression}
	case kind == formulaExpr && !isNumber(result):
		return nil, false, &exprError{1, 1, fmt.Sprintf("a formula must give a number, but this expression gives %s", typeName(result)), diag.Expression}
	}
	prog, err := expr.Compile(src,
		expr.Env(runEnv),
		expr.MaxNodes(maxExprNodes),
		// date() is dateUTC, from the environment.
		expr.DisableBuiltin("date"),
		expr.DisableBuiltin("now"),
		expr.Patch(&nilSafe{}),
		expr.Patch(budget{}),
	)
	if err != nil {
		return nil, false, toExprError(err, kind)
	}
	return prog, readsRecipient(prog.Node()), nil
}

func toExprError(err error, kind exprKind) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &exprError{1, 1, err.Error(), diag.Expression}
	}
	msg := fe.Message
	if kind == ruleExpr && strings.Contains(msg, "unknown name offer") {
		msg = "offer is not available in rules (only in formulas)"
	}
	line, col := fe.Line, fe.Column+1 // expr columns are 0-based
	if line < 1 {
		line = 1
	}
	return &exprError{line, col, msg, diag.Expression}
}

func unknownType(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.Interface
}

func isNumber(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func typeName(t reflect.Type) string {
	switch {
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case isNumber(t):
		return "a number"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.Map:
		return "a map"
	}
	return t.String()
}

// readsRecipient reports whether the expression uses profile, context or
// now (anything other than the offer).
func readsRecipient(n ast.Node) bool {
	v := &identFinder{names: map[string]bool{"profile": true, "context": true, "now": true, "$env": true}}
	ast.Walk(&n, v)
	return v.found
}

type identFinder struct {
	names map[string]bool
	found bool
}

func (f *identFinder) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok && f.names[id.Value] {
		f.found = true
	}
}
