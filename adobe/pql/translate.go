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
