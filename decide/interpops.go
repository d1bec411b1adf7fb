package decide

import (
	"cmp"
	"math"
	"reflect"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
)

// typed applies an operator whose operands have static types (expr's own,
// not a nil-safe helper) the way expr's runtime does: ints stay ints, an
// int with a float is a float, division and powers are floats, and what
// is not an int or a float64 goes through runtime's own function.
func (ip *interp) typed(op pop, a, b val) val {
	switch op {
	case pNeg:
		switch a.k {
		case vInt:
			return val{k: vInt, i: -a.i}
		case vFloat:
			return val{k: vFloat, f: -a.f}
		}
		return fromAny(runtime.Negate(a.any()))
	case pPlus:
		return a
	case pTAdd, pTSub, pTMul:
		if a.k == vInt && b.k == vInt {
			switch op {
			case pTAdd:
				return val{k: vInt, i: a.i + b.i}
			case pTSub:
				return val{k: vInt, i: a.i - b.i}
			}
			return val{k: vInt, i: a.i * b.i}
		}
		if a.isNum() && b.isNum() {
			x, _ := a.num()
			y, _ := b.num()
			switch op {
			case pTAdd:
				return val{k: vFloat, f: x + y}
			case pTSub:
				return val{k: vFloat, f: x - y}
			}
			return val{k: vFloat, f: x * y}
		}
		switch op {
		case pTAdd:
			return fromAny(runtime.Add(a.any(), b.any()))
		case pTSub:
			return fromAny(runtime.Subtract(a.any(), b.any()))
		}
		return fromAny(runtime.Multiply(a.any(), b.any()))
	case pTDiv:
		if a.isNum() && b.isNum() {
			x, _ := a.num()
			y, _ := b.num()
			return val{k: vFloat, f: x / y}
		}
		return fromAny(runtime.Divide(a.any(), b.any()))
	case pTMod:
		if a.k == vInt && b.k == vInt {
			if b.i == 0 {
				return val{k: vErr}
			}
			return val{k: vInt, i: a.i % b.i}
		}
		return fromAny(runtime.Modulo(a.any(), b.any()))
	case pTPow:
		if a.isNum() && b.isNum() {
			x, _ := a.num()
			y, _ := b.num()
			return val{k: vFloat, f: math.Pow(x, y)}
		}
		return val{k: vFloat, f: runtime.Exponent(a.any(), b.any())}
	case pTLt, pTLe, pTGt, pTGe:
		if a.k == vInt && b.k == vInt {
			return boolVal(ordered(op, cmp.Compare(a.i, b.i)))
		}
		if a.isNum() && b.isNum() {
			x, _ := a.num()
			y, _ := b.num()
			switch op {
			case pTLt:
				return boolVal(x < y)
			case pTLe:
				return boolVal(x <= y)
			case pTGt:
				return boolVal(x > y)
			}
			return boolVal(x >= y)
		}
		switch op {
		case pTLt:
			return boolVal(runtime.Less(a.any(), b.any()))
		case pTLe:
			return boolVal(runtime.LessOrEqual(a.any(), b.any()))
		case pTGt:
			return boolVal(runtime.More(a.any(), b.any()))
		}
		return boolVal(runtime.MoreOrEqual(a.any(), b.any()))
	case pTEq, pTNe:
		return boolVal(ip.equal(a, b) == (op == pTEq))
	case pIn:
		if s, ok := a.x.(string); ok {
			if in, ok := inStrings(s, b.x); ok {
				return boolVal(in)
			}
		}
		return boolVal(runtime.In(a.any(), b.any()))
	}
	return unknown
}

// inStrings is runtime.In for a string needle in the two kinds of list
// rules name most — a list from the data, a constant list of strings (a
// set, as expr's optimizer makes it) — without reflection: runtime.Equal
// holds a string equal only to the same string. ok is false for any
// other list.
func inStrings(s string, list any) (in, ok bool) {
	switch l := list.(type) {
	case map[string]struct{}:
		_, in := l[s]
		return in, true
	case []any:
		for _, e := range l {
			if e, isString := e.(string); isString && e == s {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// equal is runtime.Equal, without boxing numbers.
func (ip *interp) equal(a, b val) bool {
	if a.k == vInt && b.k == vInt {
		return a.i == b.i
	}
	if a.isNum() && b.isNum() {
		x, _ := a.num()
		y, _ := b.num()
		return x == y
	}
	if a.k == vBool && b.k == vBool {
		return a.b == b.b
	}
	return ip.m.equal(a.any(), b.any())
}

// field reads a field of the offer, as expr names it.
func (ip *interp) field(name string) val {
	o := ip.offer
	switch name {
	case "id":
		return fromAny(o.ID)
	case "name":
		return fromAny(o.Name)
	case "priority":
		return val{k: vInt, i: o.Priority}
	case "tags":
		return val{k: vAny, x: o.Tags}
	case "attributes":
		return val{k: vAny, x: o.Attributes}
	case "start":
		return fromAny(o.Start)
	case "end":
		return fromAny(o.End)
	}
	return unknown
}

// builtin calls an expr builtin the way the VM does: pointer arguments
// dereferenced, then its Fast, Safe or Func implementation.
func (ip *interp) builtin(p *part) val {
	in := make([]any, len(p.kids))
	for i, k := range p.kids {
		a := ip.eval(k)
		if a.k <= vErr {
			return a
		}
		in[i] = a.any()
	}
	derefArgs(in)
	out, mem, ok, err := callBuiltin(builtin.Builtins[p.builtin], in)
	if !ok {
		return unknown
	}
	ip.m.alloc(int64(mem) * itemBytes)
	if err != nil {
		return val{k: vErr}
	}
	return fromAny(out)
}

func isNilValue(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// ordered applies a comparison operator to the result of a comparison.
func ordered(op pop, c int) bool {
	switch op {
	case pLt, pTLt:
		return c < 0
	case pLe, pTLe:
		return c <= 0
	case pGt, pTGt:
		return c > 0
	}
	return c >= 0
}
