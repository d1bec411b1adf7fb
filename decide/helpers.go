package decide

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
)

// helperCall calls a helper. Both the call and the callee are typed: the
// checker does not revisit typed nodes, and the compiler needs the
// callee's function type to call it without reflection.
func helperCall(name string, t reflect.Type, args ...ast.Node) *ast.CallNode {
	callee := &ast.IdentifierNode{Value: name}
	callee.SetType(helperTypes[name])
	call := &ast.CallNode{Callee: callee, Arguments: args}
	call.SetType(t)
	return call
}

// helperTypes are the function types of the helpers, for the compiler.
var helperTypes = func() map[string]reflect.Type {
	types := map[string]reflect.Type{}
	for name, fn := range new(meter).funcs() {
		types[name] = reflect.TypeOf(fn)
	}
	return types
}()

// funcs returns the functions patched expressions call, by name, bound to
// the meter that charges their cost. They are pure. They live in the
// environment rather than being registered with expr.Function because expr
// calls functions of these concrete types directly, without allocating an
// argument slice on every run; every decision state binds its own.
func (m *meter) funcs() map[string]any {
	return map[string]any{
		"date": dateUTC,
		// Nil-safe operators (exprsafe.go).
		"__get":      func(from, key any) any { return get(from, key) },
		"__bool":     func(v any) bool { b, _ := v.(bool); return b },
		"__contains": m.contains,
		"__eq":       func(a, b any) bool { return a != nil && b != nil && m.equal(a, b) },
		"__ne":       func(a, b any) bool { return a != nil && b != nil && !m.equal(a, b) },
		"__lt":       func(a, b any) bool { c, ok := m.compare(a, b); return ok && c < 0 },
		"__le":       func(a, b any) bool { c, ok := m.compare(a, b); return ok && c <= 0 },
		"__gt":       func(a, b any) bool { c, ok := m.compare(a, b); return ok && c > 0 },
		"__ge":       func(a, b any) bool { c, ok := m.compare(a, b); return ok && c >= 0 },
		"__sub":      func(a, b any) any { return arith(a, b, subF) },
		"__mul":      func(a, b any) any { return arith(a, b, mulF) },
		"__div":      func(a, b any) any { return arith(a, b, divF) },
		"__mod":      func(a, b any) any { return arith(a, b, math.Mod) },
		"__pow":      func(a, b any) any { return arith(a, b, math.Pow) },
		"__add": func(a, b any) any {
			if x, ok := a.(string); ok {
				if y, ok := b.(string); ok {
					m.alloc(int64(len(x)) + int64(len(y)))
					return x + y
				}
			}
			return arith(a, b, addF)
		},

		// Budget (budgetpatch.go).
		"__cat": func(a, b string) string {
			m.alloc(int64(len(a)) + int64(len(b)))
			return a + b
		},
		"__read": func(x, weight any) any {
			m.readWeighted(x, weight.(int))
			return x
		},
		"__loop": func(x, weight any) any {
			m.loop(x, weight.(int))
			return x
		},
		"__built": func(x any) any {
			m.alloc(built(x))
			return x
		},
		"__call": m.call,
	}
}

// The arithmetic of the nil-safe helpers, shared with the interpreter of
// split formulas (interp.go) so that both compute the same bits.
func addF(x, y float64) float64 { return x + y }
func subF(x, y float64) float64 { return x - y }
func mulF(x, y float64) float64 { return x * y }
func divF(x, y float64) float64 { return x / y }

func (m *meter) contains(a, b any) bool {
	m.read(a)
	m.read(b)
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && strings.Contains(x, y)
	case []any:
		for _, e := range x {
			if e != nil && b != nil && runtime.Equal(e, b) {
				return true
			}
		}
	}
	return false
}

// readWeighted charges reading x weight times over.
func (m *meter) readWeighted(x any, weight int) {
	if weight <= 1 {
		m.read(x)
		return
	}
	m.step(min(size(x, maxSteps/int64(weight)+1)*int64(weight), maxSteps+1))
}

// loop charges a loop over x whose body costs weight per item.
func (m *meter) loop(x any, weight int) {
	n, w := length(x), int64(weight)
	if n > maxSteps/w {
		panic(errSteps)
	}
	m.step(n * w)
}

func (m *meter) equal(a, b any) bool {
	m.read(a)
	m.read(b)
	return runtime.Equal(a, b)
}

func (m *meter) compare(a, b any) (int, bool) {
	if s, ok := a.(string); ok && len(s) >= 64 {
		m.read(s)
	}
	if s, ok := b.(string); ok && len(s) >= 64 {
		m.read(s)
	}
	return compare(a, b)
}

// call runs a builtin whose result can be much larger than its arguments
// (args[0] names it), after charging the size of that result: a result
// over the budget is never built.
func (m *meter) call(args ...any) any {
	name := args[0].(string)
	args = args[1:]
	derefArgs(args)
	m.alloc(m.resultSize(name, args))
	out, _, _, err := callBuiltin(builtin.Builtins[builtin.Index[name]], args)
	if err != nil {
		panic(err)
	}
	return out
}

// derefArgs dereferences pointer arguments in place, as the compiler does
// for builtins.
func derefArgs(args []any) {
	for i, a := range args {
		if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer && !v.IsNil() {
			args[i] = v.Elem().Interface()
		}
	}
}

// callBuiltin calls b's Fast, Safe or Func implementation as the VM does;
// mem is what Safe reports allocating, and ok is false when b has none.
func callBuiltin(b *builtin.Function, args []any) (out any, mem uint, ok bool, err error) {
	switch {
	case b.Fast != nil && len(args) == 1:
		return b.Fast(args[0]), 0, true, nil
	case b.Safe != nil:
		out, mem, err = b.Safe(args...)
		return out, mem, true, err
	case b.Func != nil:
		out, err = b.Func(args...)
		return out, 0, true, err
	}
	return nil, 0, false, nil
}

// resultSize bounds the bytes a builtin's result takes, reading (and
// charging) its arguments to find out.
func (m *meter) resultSize(name string, args []any) int64 {
	str := func(i int) string {
		if i < len(args) {
			s, _ := args[i].(string)
			return s
		}
		return ""
	}
	limit := int64(maxBytes) + 1
	switch name {
	case "repeat":
		n := int64(runtime.ToInt(args[1]))
		if n > 0 && int64(len(str(0))) > limit/n {
			return limit
		}
		return int64(len(str(0))) * max(n, 0)
	case "replace":
		s, old, repl := str(0), str(1), str(2)
		m.read(s)
		var n int64
		if old == "" {
			n = int64(utf8.RuneCountInString(s)) + 1
		} else {
			n = int64(strings.Count(s, old))
		}
		if len(args) == 4 && runtime.ToInt(args[3]) >= 0 {
			n = min(n, int64(runtime.ToInt(args[3])))
		}
		if grow := int64(len(repl)) - int64(len(old)); grow > 0 {
			if n > limit/grow {
				return limit
			}
			return int64(len(s)) + n*grow
		}
		return int64(len(s))
	case "join":
		glue := int64(len(str(1)))
		n := length(args[0])
		if n > 0 && glue > limit/n {
			return limit
		}
		return size(args[0], limit)*64 + n*glue
	case "split", "splitAfter":
		s, sep := str(0), str(1)
		m.read(s)
		n := int64(utf8.RuneCountInString(s))
		if sep != "" {
			n = int64(strings.Count(s, sep))
		}
		return (n + 1) * itemBytes
	case "concat", "flatten":
		var n int64
		for _, a := range args {
			n += leaves(a, limit/itemBytes-n)
		}
		return n * itemBytes
	case "toJSON", "string":
		return printed(args[0], 0, limit)
	}
	panic(fmt.Sprintf("decide: no size for builtin %s", name))
}

// leaves counts the items flatten would give for x, stopping past limit.
func leaves(x any, limit int64) int64 {
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return 1
	}
	var n int64
	for i := 0; i < v.Len() && n <= limit; i++ {
		n += leaves(v.Index(i).Interface(), limit-n)
	}
	return n
}

// printed bounds the length of x printed as JSON (indented, HTML escaped:
// up to 6 bytes a byte) or with %v, stopping past limit.
func printed(x any, depth, limit int64) int64 {
	indent := 2*depth + 8
	switch v := x.(type) {
	case string:
		return 6*int64(len(v)) + indent
	case []any:
		n := indent
		for _, e := range v {
			if n > limit {
				break
			}
			n += printed(e, depth+1, limit-n)
		}
		return n
	case map[string]any:
		n := indent
		for k, e := range v {
			if n > limit {
				break
			}
			n += 6*int64(len(k)) + printed(e, depth+1, limit-n)
		}
		return n
	}
	if _, ok := x.(time.Time); ok {
		return indent + 64
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		n := indent
		for i := 0; i < rv.Len() && n <= limit; i++ {
			n += printed(rv.Index(i).Interface(), depth+1, limit-n)
		}
		return n
	case reflect.Map:
		n := indent
		for it := rv.MapRange(); it.Next() && n <= limit; {
			n += printed(it.Key().Interface(), depth+1, limit-n) + printed(it.Value().Interface(), depth+1, limit-n)
		}
		return n
	case reflect.Pointer:
		if rv.IsNil() {
			return indent + 8
		}
		return printed(rv.Elem().Interface(), depth, limit)
	case reflect.Struct:
		// Offers: their exported fields, each with its name.
		n := indent
		for i := 0; i < rv.NumField() && n <= limit; i++ {
			if rv.Type().Field(i).IsExported() {
				n += 64 + printed(rv.Field(i).Interface(), depth+1, limit-n)
			}
		}
		return n
	}
	return indent + 32
}
