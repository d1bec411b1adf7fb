package decide

import (
	"math"
	"reflect"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// nilSafe rewrites an expression so that a missing profile field (nil) or a
// value of an unexpected type never makes evaluation fail (SPEC §3):
//
//   - member access on an untyped value is optional (profile.a.b is nil
//     when a is missing);
//   - comparisons with an untyped side go through __lt/__le/__gt/__ge,
//     which are false when either side is nil or the kinds differ;
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
		// expr only honours Optional inside a ChainNode, and one ChainNode
		// must wrap the whole chain: unwrap the inner one, wrap this one.
		if inner, ok := n.Node.(*ast.ChainNode); ok {
			n.Node = inner.Node
		}
		if t := n.Node.Type(); unknownType(t) || t.Kind() == reflect.Map {
			n.Optional = true
			chain := &ast.ChainNode{Node: n}
			chain.SetType(n.Type())
			ast.Patch(node, chain)
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

// asBool wraps an operand of unknown type in __bool.
func asBool(n ast.Node) ast.Node {
	if !unknownType(n.Type()) {
		return n
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "__bool"}, Arguments: []ast.Node{n}}
	call.SetLocation(n.Location())
	call.SetType(boolType)
	return call
}

func patchCall(node *ast.Node, name string, t reflect.Type, args ...ast.Node) {
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: name}, Arguments: args}
	ast.Patch(node, call)
	call.SetType(t)
}

// safeFunctions are the helpers the patched expressions call. They are pure.
var safeFunctions = []expr.Option{
	expr.Function("__bool", func(p ...any) (any, error) { b, _ := p[0].(bool); return b, nil }, new(func(any) bool)),
	expr.Function("__num", func(p ...any) (any, error) {
		if f, ok := toFloat(p[0]); ok {
			return f, nil
		}
		return nil, nil
	}, new(func(any) any)),
	expr.Function("__lt", func(p ...any) (any, error) { c, ok := compare(p[0], p[1]); return ok && c < 0, nil }, new(func(any, any) bool)),
	expr.Function("__le", func(p ...any) (any, error) { c, ok := compare(p[0], p[1]); return ok && c <= 0, nil }, new(func(any, any) bool)),
	expr.Function("__gt", func(p ...any) (any, error) { c, ok := compare(p[0], p[1]); return ok && c > 0, nil }, new(func(any, any) bool)),
	expr.Function("__ge", func(p ...any) (any, error) { c, ok := compare(p[0], p[1]); return ok && c >= 0, nil }, new(func(any, any) bool)),
	expr.Function("__add", func(p ...any) (any, error) {
		if a, ok := p[0].(string); ok {
			if b, ok := p[1].(string); ok {
				return a + b, nil
			}
		}
		return arith(p[0], p[1], func(a, b float64) float64 { return a + b }), nil
	}, new(func(any, any) any)),
	expr.Function("__sub", func(p ...any) (any, error) {
		return arith(p[0], p[1], func(a, b float64) float64 { return a - b }), nil
	}, new(func(any, any) any)),
	expr.Function("__mul", func(p ...any) (any, error) {
		return arith(p[0], p[1], func(a, b float64) float64 { return a * b }), nil
	}, new(func(any, any) any)),
	expr.Function("__div", func(p ...any) (any, error) {
		return arith(p[0], p[1], func(a, b float64) float64 { return a / b }), nil
	}, new(func(any, any) any)),
	expr.Function("__mod", func(p ...any) (any, error) {
		return arith(p[0], p[1], math.Mod), nil
	}, new(func(any, any) any)),
	expr.Function("__pow", func(p ...any) (any, error) {
		return arith(p[0], p[1], math.Pow), nil
	}, new(func(any, any) any)),
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
