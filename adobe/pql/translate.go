package pql

import (
	"regexp"
	"strconv"
	"strings"
)

// Kind says what a PQL text is used for: a decision rule (true or false)
// or a ranking formula (a number, and it may read the offer).
type Kind int

const (
	Rule Kind = iota
	Formula
)

// Translate parses a PQL text and writes the offermail expression (SPEC §3)
// with the same meaning. Errors are *diag.Error at the line and column of
// the construct in src: syntax errors, and, wrapping ErrUnsupported,
// well-formed PQL that has no offermail equivalent (experience events,
// audiences, Java-only regular expressions…).
func Translate(src string, kind Kind) (string, error) {
	n, err := Parse(src)
	if err != nil {
		return "", err
	}
	t := &translator{kind: kind, vars: map[string]int{}}
	f, err := t.node(n)
	if err != nil {
		return "", locate(err, src)
	}
	return f.s, nil
}

// Precedences of the expression language, as expr-lang parses it.
const (
	precTernary = 1
	precOr      = 10
	precAnd     = 15
	precCmp     = 20
	precAdd     = 30
	precMul     = 60
	precUnary   = 70
	precPrimary = 100
)

// frag is a piece of translated expression and how tightly it binds.
type frag struct {
	s    string
	prec int
}

func prim(s string) frag { return frag{s, precPrimary} }

// in returns the fragment's text, parenthesized if it binds less tightly
// than min.
func (f frag) in(min int) string {
	if f.prec < min {
		return "(" + f.s + ")"
	}
	return f.s
}

func binary(x frag, op string, y frag, prec int) frag {
	return frag{x.in(prec) + " " + op + " " + y.in(prec+1), prec}
}

func and(fs ...frag) frag {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.in(precAnd + 1)
	}
	return frag{strings.Join(parts, " && "), precAnd}
}

func not(f frag) frag { return frag{"!" + f.in(precUnary), precUnary} }

type translator struct {
	kind Kind
	// vars maps quantifier and lambda variables to their nesting level;
	// the lambda's variable (the profile) is level 0.
	vars  map[string]int
	level int
}

func (t *translator) node(n Node) (frag, error) {
	switch n := n.(type) {
	case *Lit:
		return literal(n)
	case *List:
		items := make([]string, len(n.Items))
		for i, it := range n.Items {
			f, err := t.node(it)
			if err != nil {
				return frag{}, err
			}
			items[i] = f.in(precTernary + 1)
		}
		return prim("[" + strings.Join(items, ", ") + "]"), nil
	case *Ident:
		if tf, ok := timeWord(n.Name); ok {
			return tf.f, nil
		}
		return t.path(n)
	case *Param, *ContextRef, *Member, *Index:
		return t.path(n)
	case *Call:
		if n.Recv == nil {
			return t.function(n)
		}
		if n.Name == "get" {
			return t.path(n)
		}
		return t.method(n)
	case *Unary:
		x, err := t.node(n.X)
		if err != nil {
			return frag{}, err
		}
		if n.Op == "-" {
			return frag{"-" + x.in(precUnary), precUnary}, nil
		}
		return not(x), nil
	case *Binary:
		return t.binary(n)
	case *Quant:
		return t.quant(n)
	case *Lambda:
		t.vars[n.Var] = 0
		defer delete(t.vars, n.Var)
		return t.node(n.Body)
	case *Occurs:
		return t.occurs(n)
	}
	return frag{}, errAt(n.Pos(), "unexpected expression")
}

func literal(n *Lit) (frag, error) {
	switch n.Kind {
	case "string":
		return prim(strconv.Quote(n.Val)), nil
	case "null":
		return prim("nil"), nil
	case "number":
		if _, err := strconv.ParseFloat(n.Val, 64); err != nil {
			return frag{}, errAt(n.At, "number %s is out of range", n.Val)
		}
	}
	return prim(n.Val), nil
}

var exprOps = map[string]string{
	"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
	"+": "+", "-": "-", "*": "*", "/": "/", "%": "%",
}

func (t *translator) binary(n *Binary) (frag, error) {
	x, err := t.node(n.X)
	if err != nil {
		return frag{}, err
	}
	if n.Op == "like" {
		pat, ok := n.Y.(*Lit)
		if !ok || pat.Kind != "string" {
			return frag{}, unsupportedAt(n.Y.Pos(), "like needs a string pattern written in the rule")
		}
		return binary(x, "matches", prim(strconv.Quote(likePattern(pat.Val))), precCmp), nil
	}
	y, err := t.node(n.Y)
	if err != nil {
		return frag{}, err
	}
	switch n.Op {
	case "or":
		return binary(x, "||", y, precOr), nil
	case "and":
		return binary(x, "&&", y, precAnd), nil
	case "in":
		return binary(x, "in", y, precCmp), nil
	case "notIn":
		// PQL's notIn is false when the value is null, unlike "not in".
		return and(binary(x, "!=", prim("nil"), precCmp), not(binary(x, "in", y, precCmp))), nil
	case "+", "-":
		return binary(x, exprOps[n.Op], y, precAdd), nil
	case "*", "/", "%":
		return binary(x, exprOps[n.Op], y, precMul), nil
	}
	return binary(x, exprOps[n.Op], y, precCmp), nil
}

// likePattern turns a PQL like pattern (% any run, _ one character) into
// an anchored regular expression.
func likePattern(p string) string {
	var b strings.Builder
	b.WriteString("^(?s)")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// function translates the documented free functions.
func (t *translator) function(n *Call) (frag, error) {
	switch strings.ToLower(n.Name) {
	case "if":
		if len(n.Args) != 3 {
			return frag{}, errAt(n.At, "if takes 3 arguments (condition, then, else), got %d", len(n.Args))
		}
		var f [3]frag
		for i, a := range n.Args {
			var err error
			if f[i], err = t.node(a); err != nil {
				return frag{}, err
			}
		}
		return frag{f[0].in(precTernary+1) + " ? " + f[1].in(precTernary+1) + " : " + f[2].in(precTernary+1), precTernary}, nil
	case "date":
		tf, err := dateLiteral(n)
		if err != nil {
			return frag{}, err
		}
		return tf.f, nil
	case "currentmonth":
		return noArgs(n, "int(now.Month())")
	case "currentyear":
		return noArgs(n, "now.Year()")
	case "currentdayofmonth":
		return noArgs(n, "now.Day()")
	case "insegment", "insegments":
		return frag{}, unsupportedAt(n.At, "audience (segment) membership is not known to offermail; give the audience as a profile field")
	}
	return frag{}, unsupportedAt(n.At, "function %s() is not supported", n.Name)
}

func noArgs(n *Call, s string) (frag, error) {
	if len(n.Args) != 0 {
		return frag{}, errAt(n.At, "%s() takes no arguments", n.Name)
	}
	return prim(s), nil
}

var stringMethods = map[string]struct {
	test   string
	negate bool
}{
	"equals": {"equals", false}, "notEqualTo": {"equals", true},
	"contains": {"contains", false}, "doesNotContain": {"contains", true},
	"startsWith": {"startsWith", false}, "doesNotStartWith": {"startsWith", true},
	"endsWith": {"endsWith", false}, "doesNotEndWith": {"endsWith", true},
}

// method translates X.name(args).
func (t *translator) method(n *Call) (frag, error) {
	x, err := t.node(n.Recv)
	if err != nil {
		return frag{}, err
	}
	args := make([]frag, len(n.Args))
	for i, a := range n.Args {
		if args[i], err = t.node(a); err != nil {
			return frag{}, err
		}
	}
	want := func(min, max int) error {
		if len(args) < min || len(args) > max {
			if min == max {
				return errAt(n.At, "%s takes %d argument(s), got %d", n.Name, min, len(args))
			}
			return errAt(n.At, "%s takes %d to %d arguments, got %d", n.Name, min, max, len(args))
		}
		return nil
	}
	isNotNil := binary(x, "!=", prim("nil"), precCmp)
	switch n.Name {
	case "isNull", "isNotNull":
		if err := want(0, 0); err != nil {
			return frag{}, err
		}
		if n.Name == "isNull" {
			return binary(x, "==", prim("nil"), precCmp), nil
		}
		return isNotNil, nil
	case "equals", "notEqualTo", "contains", "doesNotContain", "startsWith", "doesNotStartWith", "endsWith", "doesNotEndWith":
		if err := want(1, 2); err != nil {
			return frag{}, err
		}
		base, negate := stringMethods[n.Name].test, stringMethods[n.Name].negate
		caseSensitive := true
		if len(args) == 2 {
			b, ok := n.Args[1].(*Lit)
			if !ok || b.Kind != "bool" {
				return frag{}, unsupportedAt(n.Args[1].Pos(), "the case-sensitivity argument of %s must be true or false", n.Name)
			}
			caseSensitive = b.Val == "true"
		}
		f, err := stringTest(x, base, args[0], n.Args[0], caseSensitive)
		if err != nil {
			return frag{}, err
		}
		if negate {
			// Like PQL's notIn, a negated test is false for a missing value.
			return and(isNotNil, not(f)), nil
		}
		return f, nil
	case "matches":
		if err := want(1, 1); err != nil {
			return frag{}, err
		}
		re, ok := n.Args[0].(*Lit)
		if !ok || re.Kind != "string" {
			return frag{}, unsupportedAt(n.Args[0].Pos(), "matches needs a regular expression written in the rule")
		}
		if _, err := regexp.Compile(re.Val); err != nil {
			return frag{}, unsupportedAt(n.Args[0].Pos(), "regular expression %q uses syntax offermail's engine (RE2) lacks: %v", re.Val, errText(err))
		}
		return binary(x, "matches", args[0], precCmp), nil
	case "includes":
		if err := want(1, 1); err != nil {
			return frag{}, err
		}
		return binary(x, "contains", args[0], precCmp), nil
	case "intersects":
		if err := want(1, 1); err != nil {
			return frag{}, err
		}
		if t.level > 0 {
			return frag{}, unsupportedAt(n.At, "intersects inside exists/forall is not supported")
		}
		return and(isNotNil, prim("any("+args[0].in(precTernary+1)+", # in "+x.in(precCmp+1)+")")), nil
	case "count":
		if err := want(0, 0); err != nil {
			return frag{}, err
		}
		return prim("len(" + x.s + ")"), nil
	case "getMonth", "getYear", "getDayOfMonth":
		if err := want(0, 0); err != nil {
			return frag{}, err
		}
		// A method called on date(…) directly fails at run time under the
		// engine's timezone setting; through a let it does not.
		get := map[string]string{"getMonth": "int(d.Month())", "getYear": "d.Year()", "getDayOfMonth": "d.Day()"}[n.Name]
		return prim("(let d = date(" + x.s + "); " + get + ")"), nil
	}
	return frag{}, unsupportedAt(n.At, "function %s() is not supported", n.Name)
}

func errText(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "error parsing regexp: ")
}

// stringTest writes equals, contains, startsWith or endsWith, in the
// expression language's operators when case matters, as an anchored
// case-insensitive regular expression when it does not.
func stringTest(x frag, test string, y frag, yn Node, caseSensitive bool) (frag, error) {
	if caseSensitive {
		switch test {
		case "equals":
			return binary(x, "==", y, precCmp), nil
		case "contains":
			return binary(x, "contains", y, precCmp), nil
		}
		return binary(x, test, y, precCmp), nil
	}
	lit, ok := yn.(*Lit)
	if !ok || lit.Kind != "string" {
		// A computed right side: compare lower-cased copies.
		lx, ly := prim("lower("+x.s+")"), prim("lower("+y.s+")")
		op := map[string]string{"equals": "==", "contains": "contains", "startsWith": "startsWith", "endsWith": "endsWith"}[test]
		return binary(lx, op, ly, precCmp), nil
	}
	q := regexp.QuoteMeta(lit.Val)
	re := map[string]string{"equals": "^" + q + "$", "contains": q, "startsWith": "^" + q, "endsWith": q + "$"}[test]
	return binary(x, "matches", prim(strconv.Quote("(?i)"+re)), precCmp), nil
}

// quant translates exists/forall over a list in the profile into any/all.
func (t *translator) quant(n *Quant) (frag, error) {
	from, err := t.node(n.From)
	if err != nil {
		return frag{}, err
	}
	t.level++
	t.vars[n.Var] = t.level
	defer func() { delete(t.vars, n.Var); t.level-- }()
	cond := prim("true")
	if n.Cond != nil {
		if cond, err = t.node(n.Cond); err != nil {
			return frag{}, err
		}
	}
	fn := "any"
	if n.Kind == "forall" {
		fn = "all"
	}
	call := prim(fn + "(" + from.in(precTernary+1) + ", " + cond.in(precTernary+1) + ")")
	return and(binary(from, "!=", prim("nil"), precCmp), call), nil
}
