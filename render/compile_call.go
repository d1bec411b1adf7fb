package render

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aymerick/raymond/ast"
)

// Helper calls and their arguments. Arity, named arguments and literal
// values are checked here, so a helper never sees a call it cannot take.

// call compiles a helper call: its arguments, hash and their counts.
// strictCtx says whether a context argument (each, with) is strict: it is
// unless the block has an {{else}}, which is there for when it is missing.
func (c *compiler) call(h *helper, e *ast.Expression, strictCtx bool) *callExpr {
	at := e.Path.Location().Pos
	ce := &callExpr{h: h, pos: c.at(at)}
	ok := true
	n := len(e.Params)
	switch {
	case n < h.minArgs:
		c.errorf(at, "%s needs %s, got %d%s", h.name, plural(h.minArgs, "argument"), n, usage(h))
		ok = false
	case h.maxArgs >= 0 && n > h.maxArgs:
		c.errorf(e.Params[h.maxArgs].Location().Pos, "%s takes at most %s, got %d%s", h.name, plural(h.maxArgs, "argument"), n, usage(h))
		ok = false
	}
	for i, p := range e.Params {
		x := c.param(p, i == 0 && h.contextArg && strictCtx)
		if x == nil {
			ok = false
		}
		ce.params = append(ce.params, x)
	}
	if e.Hash != nil {
		for _, pair := range e.Hash.Pairs {
			if !contains(h.hashKeys, pair.Key) {
				if len(h.hashKeys) == 0 {
					c.errorf(pair.Pos, "%s takes no named arguments, got %s=", h.name, pair.Key)
				} else {
					c.errorf(pair.Pos, "%s has no argument %s=; it takes %s", h.name, pair.Key, strings.Join(h.hashKeys, "=, ")+"=")
				}
				ok = false
				continue
			}
			if allowed := h.hashValues[pair.Key]; allowed != nil {
				if lit, isLit := pair.Val.(*ast.StringLiteral); isLit && !contains(allowed, lit.Value) {
					c.errorf(literalPos(c, lit), "%s: unknown %s %q: use one of %s", h.name, pair.Key, lit.Value, strings.Join(allowed, ", "))
					ok = false
					continue
				}
			}
			x := c.param(pair.Val, false)
			if x == nil {
				ok = false
			}
			ce.hash = append(ce.hash, hashExpr{key: pair.Key, val: x})
		}
	}
	if !ok {
		return nil
	}
	ce.direct = len(ce.hash) == 0
	ce.nowDate, ce.layout = nowDateCall(ce)
	return ce
}

// nowDateCall reports whether ce formats @now with a layout known at load
// (formatDate's default or a literal), and that layout.
func nowDateCall(ce *callExpr) (bool, string) {
	if ce.h.name != "formatDate" || !ce.direct || len(ce.params) == 0 || len(ce.params) > 2 {
		return false, ""
	}
	if p, ok := ce.params[0].(*pathExpr); !ok || !p.now {
		return false, ""
	}
	if len(ce.params) == 1 {
		return true, defaultDateLayout
	}
	if l, ok := ce.params[1].(*literal); ok {
		return true, toString(l.v)
	}
	return false, ""
}

// rJSNumber is what handlebars.js's lexer reads as a number; raymond's
// also takes exponents, hexadecimal and more.
var rJSNumber = regexp.MustCompile(`^-?[0-9]+(?:\.[0-9]+)?$`)

func usage(h *helper) string {
	if len(h.examples) == 0 {
		return ""
	}
	return fmt.Sprintf(", as in %s", h.examples[0].tmpl)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// param compiles an argument: a literal, a field, or a sub-expression.
// Arguments are not strict (that is how templates handle missing data),
// except the context argument of each and with.
func (c *compiler) param(n ast.Node, strict bool) expr {
	switch p := n.(type) {
	case *ast.StringLiteral:
		return &literal{v: p.Value, esc: escapeString(p.Value)}
	case *ast.NumberLiteral:
		if p.IsInt {
			return &literal{v: float64(int(p.Value))}
		}
		return &literal{v: p.Value}
	case *ast.BooleanLiteral:
		return &literal{v: p.Value}
	case *ast.PathExpression:
		return c.path(p, strict)
	case *ast.SubExpression:
		e := p.Expression
		if helperName(e) == "offer" {
			c.errorf(e.Path.Location().Pos, "an offer placeholder cannot be an argument: write {{offer …}} on its own")
			return nil
		}
		h := c.lookupHelper(e)
		if h == nil {
			c.unknownHelper(e)
			return nil
		}
		if h.use == blockOnly {
			c.errorf(e.Path.Location().Pos, "%s is a block helper and cannot be used in ( )", h.name)
			return nil
		}
		ce := c.call(h, e, false)
		if ce == nil {
			return nil
		}
		return ce
	}
	c.errorf(n.Location().Pos, "unsupported argument %s", n)
	return nil
}

// pathOrLiteral compiles the name of a {{mustache}} or {{#section}} that
// is not a helper: a path, or a literal used as a field name ({{"a b"}}).
func (c *compiler) pathOrLiteral(n ast.Node, strict bool) expr {
	if p, ok := n.(*ast.PathExpression); ok {
		return c.path(p, strict)
	}
	name, _ := ast.LiteralStr(n)
	if num, ok := n.(*ast.NumberLiteral); ok && !rJSNumber.MatchString(num.Original) {
		name = num.Original // {{1e3}}: handlebars.js reads a name, not a number
	}
	pe := &pathExpr{pos: c.at(n.Location().Pos), original: name, parts: []string{name}, strict: strict}
	if name == "" {
		pe.parts = nil // {{""}} is the context itself, as in handlebars.js
	}
	return c.checkPath(pe, n.Location().Pos)
}
