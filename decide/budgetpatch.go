package decide

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"

	"github.com/offermail/offermail/diag"
)

// budget rewrites an expression, after nilSafe, so that everything whose
// cost grows with the data it reads is charged to the evaluation's meter
// (budget.go) before it runs:
//
//   - a loop (all, any, count, filter, map, …) charges its items times the
//     size of its body, through __loop on the collection;
//   - an operand or argument that may be a string or a list is read
//     through __read, which charges its size; the nil-safe helpers charge
//     their own operands;
//   - joining strings (__cat, __add) and the builtins whose result can be
//     far larger than their arguments (__call: repeat, replace, join,
//     split, concat, flatten, toJSON, string) charge the size of the
//     result before building it; the other builtins that build a value
//     charge it once built (__built).
//
// Every wrapper keeps the type of what it wraps, so the checker and the
// compiler see the same expression as before, and returns its argument
// unchanged. Lists, ranges and maps built by the VM itself count against
// its own memory budget (maxItems).
type budget struct{}

// loops are the builtins that take a predicate and run it per item.
var loops = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true, "find": true,
	"findIndex": true, "findLast": true, "findLastIndex": true, "count": true, "sum": true,
	"groupBy": true, "sortBy": true, "reduce": true,
}

// amplifiers are the builtins whose result can be much larger than their
// arguments; meter.resultSize bounds each before it runs.
var amplifiers = map[string]bool{
	"repeat": true, "replace": true, "join": true, "split": true, "splitAfter": true,
	"concat": true, "flatten": true, "toJSON": true, "string": true,
}

// builders are the other builtins that build a new string, list or map
// from their arguments, at most a few times their size.
var builders = map[string]bool{
	"trim": true, "trimPrefix": true, "trimSuffix": true, "upper": true, "lower": true,
	"keys": true, "values": true, "toPairs": true, "fromPairs": true, "sort": true, "uniq": true,
	"reverse": true, "take": true, "fromJSON": true, "toBase64": true, "fromBase64": true,
}

func (budget) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		switch {
		case closure(n) != nil:
			n.Arguments[0] = wrap("__loop", n.Arguments[0], bodyWeight(closure(n)))
		case amplifiers[n.Name]:
			name := &ast.StringNode{Value: n.Name}
			name.SetType(reflect.TypeOf(""))
			ast.Patch(node, helperCall("__call", n.Type(), append([]ast.Node{name}, n.Arguments...)...))
		default:
			for i, a := range n.Arguments {
				n.Arguments[i] = read(a, 1)
			}
			if builders[n.Name] {
				ast.Patch(node, helperCall("__built", n.Type(), n))
			}
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && helperTypes[id.Value] != nil {
			return // the helpers charge what they cost
		}
		// Methods of the decision time (now.Format(…)).
		for i, a := range n.Arguments {
			n.Arguments[i] = read(a, 1)
		}
		if grows(n.Type()) {
			ast.Patch(node, helperCall("__built", n.Type(), n))
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "+":
			if isString(n.Left.Type()) && isString(n.Right.Type()) {
				patchCall(node, "__cat", n.Type(), n.Left, n.Right)
			}
		case "==", "!=", "<", "<=", ">", ">=", "startsWith", "endsWith":
			// Comparing with a literal costs at most the literal's length.
			if !literal(n.Left) && !literal(n.Right) {
				n.Left, n.Right = read(n.Left, 1), read(n.Right, 1)
			}
		case "in":
			// Each item is compared with the needle at most for its own
			// length: reading the list covers it.
			n.Right = read(n.Right, 1)
		case "contains":
			n.Left, n.Right = read(n.Left, 1), read(n.Right, 1)
		case "matches":
			// Matching costs the text's length times the pattern's;
			// compiling a pattern that is not a literal costs its length.
			weight := 64
			if p, ok := n.Right.(*ast.StringNode); ok {
				weight = 1 + len(p.Value)/8
			}
			n.Left, n.Right = read(n.Left, weight), read(n.Right, 64)
		}
	}
}

func closure(n *ast.BuiltinNode) *ast.PredicateNode {
	if !loops[n.Name] {
		return nil
	}
	for _, a := range n.Arguments {
		if p, ok := a.(*ast.PredicateNode); ok {
			return p
		}
	}
	return nil
}

// bodyWeight is what one item of a loop costs: the nodes of its predicate, and
// a step per 64 bytes of the strings written in it.
func bodyWeight(c *ast.PredicateNode) int {
	w := &weigher{n: 1}
	ast.Walk(&c.Node, w)
	return w.n
}

type weigher struct{ n int }

func (w *weigher) Visit(n *ast.Node) {
	w.n++
	if s, ok := (*n).(*ast.StringNode); ok {
		w.n += len(s.Value) / 64
	}
}

// read wraps an operand that may be a string or a list in __read; other
// operands, and literals (bounded by the expression's length), cost
// nothing more to read.
func read(n ast.Node, weight int) ast.Node {
	if literal(n) || !grows(n.Type()) {
		return n
	}
	if b, ok := n.(*ast.BinaryNode); ok && b.Operator == ".." {
		return n // counted by the VM when built
	}
	return wrap("__read", n, weight)
}

// literal reports whether n is written in the expression, and so bounded
// by its length.
func literal(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.StringNode, *ast.ConstantNode:
		return true
	case *ast.ArrayNode:
		for _, e := range n.Nodes {
			if !literal(e) {
				return false
			}
		}
		return true
	case *ast.MapNode:
		for _, p := range n.Pairs {
			if pair := p.(*ast.PairNode); !literal(pair.Key) || !literal(pair.Value) {
				return false
			}
		}
		return true
	}
	return false
}

func wrap(name string, n ast.Node, weight int) ast.Node {
	w := &ast.IntegerNode{Value: weight}
	w.SetType(reflect.TypeOf(0))
	call := helperCall(name, n.Type(), n, w)
	call.SetLocation(n.Location())
	return call
}

// grows reports whether a value of type t may be a string, list or map.
func grows(t reflect.Type) bool {
	if unknownType(t) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}

func isString(t reflect.Type) bool { return t != nil && t.Kind() == reflect.String }

// refuse reports what check can refuse before anything runs: repeat, whose
// result has no useful bound, and a range written with literal bounds that
// holds more numbers than an evaluation may build.
func refuse(tree ast.Node, src string) error {
	r := &refuser{}
	ast.Walk(&tree, r)
	if r.node == nil {
		return nil
	}
	fe := (&file.Error{Location: r.node.Location()}).Bind(file.NewSource(src))
	return &exprError{fe.Line, fe.Column + 1, r.msg, diag.Limit} // expr's columns are 0-based
}

type refuser struct {
	node ast.Node
	msg  string
}

// Visit keeps the refusal that comes first in the text (the walk visits
// inner nodes first).
func (r *refuser) Visit(node *ast.Node) {
	n := *node
	if r.node != nil && r.node.Location().From <= n.Location().From {
		return
	}
	switch n := n.(type) {
	case *ast.BuiltinNode:
		if n.Name == "repeat" {
			r.node, r.msg = n, "repeat is not allowed in rules and formulas: its result can outgrow any budget"
		}
	case *ast.BinaryNode:
		lo, okLo := literalInt(n.Left)
		hi, okHi := literalInt(n.Right)
		if n.Operator == ".." && okLo && okHi && hi-lo+1 > maxItems {
			r.node, r.msg = n, fmt.Sprintf("the range %d..%d holds %d numbers, more than the %d an evaluation may build; compare instead (x >= %d && x <= %d)", lo, hi, hi-lo+1, maxItems, lo, hi)
		}
	}
}

func literalInt(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.UnaryNode:
		if v, ok := literalInt(n.Node); ok && n.Operator == "-" {
			return -v, true
		}
	}
	return 0, false
}
