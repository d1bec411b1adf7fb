package decide

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Value is a field a false rule read, as the trace shows it: the path the
// rule names (profile.loyalty.tier) and the recipient's value there, or
// Missing when the recipient has no such field.
type Value struct {
	Path    string `json:"path"`
	Value   any    `json:"value"`
	Missing bool   `json:"missing,omitempty"`
}

// String is the value as a trace reason words it: `profile.loyalty.tier =
// "silver"` or `profile.age is missing`.
func (v Value) String() string {
	if v.Missing {
		return v.Path + " is missing"
	}
	return v.Path + " = " + formatValue(v.Value)
}

// maxValueText bounds how much of one value a reason quotes.
const maxValueText = 60

func formatValue(v any) string {
	var s string
	if t, ok := v.(time.Time); ok {
		s = t.UTC().Format(time.RFC3339)
	} else {
		// As JSON, the way the profile was written; <, > and & as they are.
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			s = fmt.Sprint(v)
		} else {
			s = strings.TrimSuffix(b.String(), "\n")
		}
	}
	if utf8.RuneCountInString(s) > maxValueText {
		r := []rune(s)
		s = string(r[:maxValueText-1]) + "…"
	}
	return s
}

// paths returns the fields a condition names under profile and context,
// and now when it reads the decision time, in order of first appearance.
// Only traces need them, so the source is parsed again here, once per
// condition for the life of the engine's scratch state, rather than kept
// for every rule at load.
func (st *state) paths(c *condition) []string {
	if p, ok := st.readPaths[c]; ok {
		return p
	}
	if st.readPaths == nil {
		st.readPaths = map[*condition][]string{}
	}
	p := exprPaths(c.src)
	st.readPaths[c] = p
	return p
}

// exprPaths lists the longest constant member paths rooted at profile or
// context in an expression (profile.loyalty.tier, context["weather"]), and
// now. A path shorter than another one listed is left out: it is read only
// on the way to the longer one.
func exprPaths(src string) []string {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil // compiled at load, so this does not happen
	}
	v := &pathVisitor{}
	ast.Walk(&tree.Node, v)
	var out []string
	for _, p := range v.paths {
		prefix := false
		for _, q := range v.paths {
			if strings.HasPrefix(q, p+".") {
				prefix = true
				break
			}
		}
		if !prefix && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

type pathVisitor struct{ paths []string }

func (v *pathVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "now" {
			v.paths = append(v.paths, "now")
		}
	case *ast.MemberNode:
		if p, ok := memberPath(n); ok {
			v.paths = append(v.paths, p)
		}
	}
}

// memberPath reads a chain of constant member accesses down to profile or
// context.
func memberPath(n *ast.MemberNode) (string, bool) {
	var parts []string
	var node ast.Node = n
	for {
		switch m := node.(type) {
		case *ast.MemberNode:
			s, ok := m.Property.(*ast.StringNode)
			if !ok {
				return "", false
			}
			parts = append(parts, s.Value)
			node = m.Node
			continue
		case *ast.ChainNode:
			node = m.Node
			continue
		case *ast.IdentifierNode:
			if m.Value != "profile" && m.Value != "context" {
				return "", false
			}
			parts = append(parts, m.Value)
		default:
			return "", false
		}
		break
	}
	slices.Reverse(parts)
	return strings.Join(parts, "."), true
}

// values reads the fields a condition names from the recipient.
func (st *state) values(c *condition) []Value {
	paths := st.paths(c)
	if len(paths) == 0 {
		return nil
	}
	out := make([]Value, 0, len(paths))
	for _, p := range paths {
		out = append(out, st.lookup(p))
	}
	return out
}

// lookup finds a path in the request's profile or context.
func (st *state) lookup(path string) Value {
	if path == "now" {
		return Value{Path: path, Value: st.now}
	}
	parts := strings.Split(path, ".")
	var cur any = st.req.Profile
	if parts[0] == "context" {
		cur = st.req.Context
	}
	for _, k := range parts[1:] {
		m, ok := cur.(map[string]any)
		if !ok {
			return Value{Path: path, Missing: true}
		}
		if cur, ok = m[k]; !ok {
			return Value{Path: path, Missing: true}
		}
	}
	return Value{Path: path, Value: cur}
}
