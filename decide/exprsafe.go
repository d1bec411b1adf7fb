package decide

import (
	"math"
	"reflect"
	"time"

	"github.com/expr-lang/expr/ast"
)

// nilSafe rewrites an expression so that a missing profile field (nil) or a
// value of an unexpected type never makes evaluation fail (SPEC §3):
//
//   - member access on a map or an untyped value goes through __get
//     (profile.a.b is nil when a is missing);
//   - comparisons with an untyped side go through __lt/__le/__gt/__ge and
//     __eq/__ne, which are false when either side is nil (SPEC §3: "
//     comparisons with nil are false"), or for ordering when the kinds
//     differ; `x == nil` and `x != nil` keep their meaning, to test for a
//     missing field;
//   - operands of && || ! and ?: with an unknown type go through __bool,
//     for which only true is true;
//   - arithmetic with an untyped side goes through __add etc., which give
//     nil when a side is not a number (a formula that gives nil falls back
//     to the offer's priority).
//
// Where both sides have static types, expr's own operators and type checks
// apply, so `offer.name > 3` is still an error at load.
type nilSafe struct{}

var (
	boolType = reflect.TypeOf(true)
	anyType  = reflect.TypeOf((*any)(nil)).Elem()
)

var compareFuncs = map[string]string{"<": "__lt", "<=": "__le", ">": "__gt", ">=": "__ge"}
var arithFuncs = map[string]string{"+": "__add", "-": "__sub", "*": "__mul", "/": "__div", "%": "__mod", "**": "__pow", "^": "__pow"}

func (nilSafe) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		// Fields of maps and of untyped values go through __get: nil when
		// missing at any depth, and a plain map lookup where expr's own
		// fetch would use reflection and allocate.
		if n.Method {
			break
		}
		if t := n.Node.Type(); unknownType(t) || t.Kind() == reflect.Map || t.Kind() == reflect.Slice {
			patchCall(node, "__get", anyType, n.Node, n.Property)
		}
	case *ast.BinaryNode:
		untyped := unknownType(n.Left.Type()) || unknownType(n.Right.Type())
		switch n.Operator {
		case "&&", "||", "and", "or":
			n.Left = asBool(n.Left)
			n.Right = asBool(n.Right)
		case "<", "<=", ">", ">=":
			if untyped {
				patchCall(node, compareFuncs[n.Operator], boolType, n.Left, n.Right)
			}
		case "contains":
			// expr's contains takes strings; a profile list is the other
			// common left side (interests contains "running").
			if unknownType(n.Left.Type()) {
				patchCall(node, "__contains", boolType, n.Left, n.Right)
			}
		case "==", "!=":
			// Comparing with the nil literal is how a rule tests for a
			// missing field, so it keeps its meaning; any other comparison
			// with a missing value is false, either way round.
			if untyped && !isNil(n.Left) && !isNil(n.Right) {
				name := "__eq"
				if n.Operator == "!=" {
					name = "__ne"
				}
				patchCall(node, name, boolType, n.Left, n.Right)
			}
		case "+", "-", "*", "/", "%", "**", "^":
			if untyped {
				patchCall(node, arithFuncs[n.Operator], anyType, n.Left, n.Right)
			}
		}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			n.Node = asBool(n.Node)
		}
	case *ast.ConditionalNode:
		n.Cond = asBool(n.Cond)
	}
}

func isNil(n ast.Node) bool {
	_, ok := n.(*ast.NilNode)
	return ok
}

// asBool wraps an operand of unknown type in __bool.
func asBool(n ast.Node) ast.Node {
	if !unknownType(n.Type()) {
		return n
	}
	call := helperCall("__bool", boolType, n)
	call.SetLocation(n.Location())
	return call
}

func patchCall(node *ast.Node, name string, t reflect.Type, args ...ast.Node) {
	ast.Patch(node, helperCall(name, t, args...))
}

// get reads a field of a map or an item of a list, nil when absent.
func get(from, key any) any {
	switch c := from.(type) {
	case map[string]any:
		k, _ := key.(string)
		return c[k]
	case []any:
		i, ok := key.(int)
		if !ok {
			f, isFloat := key.(float64)
			i, ok = int(f), isFloat && f == math.Trunc(f)
		}
		if !ok {
			return nil
		}
		if i < 0 {
			i += len(c)
		}
		if i < 0 || i >= len(c) {
			return nil
		}
		return c[i]
	case []string:
		i, ok := key.(int)
		if !ok || i < 0 || i >= len(c) {
			return nil
		}
		return c[i]
	}
	return nil
}

// toFloat converts any Go number to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	}
	return 0, false
}

// compare orders two numbers, two strings or two times; ok is false for
// nil or mixed kinds, which makes every comparison false.
func compare(a, b any) (int, bool) {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		if !ok || math.IsNaN(fa) || math.IsNaN(fb) {
			return 0, false
		}
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case time.Time:
		y, ok := b.(time.Time)
		if !ok {
			return 0, false
		}
		return x.Compare(y), true
	}
	return 0, false
}

func arith(a, b any, op func(a, b float64) float64) any {
	fa, ok := toFloat(a)
	if !ok {
		return nil
	}
	fb, ok := toFloat(b)
	if !ok {
		return nil
	}
	r := op(fa, fb)
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return nil
	}
	return r
}
