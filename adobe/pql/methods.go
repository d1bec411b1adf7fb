package pql

import (
	"regexp"
	"strconv"
	"strings"
)

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
