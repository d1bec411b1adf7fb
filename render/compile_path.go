package render

import (
	"strconv"
	"strings"

	"github.com/aymerick/raymond/ast"

	"github.com/offermail/offermail/diag"
	closest "github.com/offermail/offermail/internal/suggest"
)

// Fields known to exist where the context is known. A path naming anything
// else there is a typo, reported at load rather than rendered as nothing
// for millions of recipients.
var (
	rootFields    = []string{"profile", "recipient", "context", "campaign"}
	recipientKeys = []string{"id", "email"}
	campaignKeys  = []string{"id", "name"}
	itemFields    = []string{"id", "name", "content", "image", "alt", "link", "json", "attributes", "tags", "isFallback", "rank", "token"}
	snippetFields = []string{"id", "name", "attributes", "tags", "token", "rank", "isFallback", "link", "image", "alt", "offer", "profile", "context", "recipient", "campaign"}
	dataVars      = []string{"index", "first", "last", "key", "root", "now"}
)

// path compiles a path expression: a field, a block parameter or a data
// variable (@index, @root…).
func (c *compiler) path(p *ast.PathExpression, strict bool) expr {
	parts := make([]string, len(p.Parts))
	for i, s := range p.Parts {
		if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
			s = s[1 : len(s)-1]
		}
		parts[i] = s
	}
	pe := &pathExpr{pos: c.at(p.Pos), original: p.Original, depth: p.Depth, parts: parts, strict: strict}
	if p.Data {
		if len(parts) == 0 {
			c.errorf(p.Pos, "%s names no data variable: use one of @%s", p.Original, strings.Join(dataVars, ", @"))
			return nil
		}
		switch parts[0] {
		case "root":
			pe.root, pe.parts = true, parts[1:]
		case "now":
			pe.now, pe.strict = true, false
		case "index", "first", "last", "key":
			pe.data, pe.strict = true, false
		default:
			c.errorc(diag.Unknown, p.Pos, "unknown data variable @%s%s: use one of @%s", parts[0], suggest(parts[0], dataVars), strings.Join(dataVars, ", @"))
			return nil
		}
		return c.checkPath(pe, p.Pos)
	}
	if !p.Scoped && len(parts) > 0 && c.isBlockParam(parts[0]) {
		pe.bp = true
	}
	return c.checkPath(pe, p.Pos)
}

func (c *compiler) isBlockParam(name string) bool {
	for i := len(c.bps) - 1; i >= 0; i-- {
		if contains(c.bps[i], name) {
			return true
		}
	}
	return false
}

// checkPath reports a path that names a field its context cannot have.
func (c *compiler) checkPath(pe *pathExpr, off int) expr {
	if pe.data || pe.now || pe.bp {
		return pe
	}
	kind := c.ctx[0]
	if !pe.root {
		i := len(c.ctx) - 1 - pe.depth
		if i < 0 {
			if c.ctx[0] == ctxUnknown {
				// A partial starts its own stack of contexts, so ../ there
				// would always be nothing (handlebars.js renders it so).
				c.errorf(off, "%s goes above the top of the partial: a partial sees only its own context; pass what it needs, as in {{> name title=../title}}", pe.original)
				return nil
			}
			c.errorf(off, "%s goes above the top of the template: there is no context there", pe.original)
			return nil
		}
		kind = c.ctx[i]
	}
	if len(pe.parts) == 0 {
		return pe
	}
	first := pe.parts[0]
	// In any context: rootFieldAt checks at run time that the context is
	// one whose field of that name is the root's (a partial's context, say).
	for i, f := range rootFields {
		if f == first {
			pe.rootField = uint8(i + 1)
		}
	}
	if (kind == ctxItem || kind == ctxSnippet) && !pe.root && pe.depth == 0 && len(pe.parts) == 1 {
		pe.item = itemFieldIndex(first)
	}
	switch kind {
	case ctxRoot:
		if !contains(rootFields, first) {
			c.errorc(diag.Unknown, off, "unknown field %q%s: the data in scope is profile, recipient, context and campaign", first, suggest(first, rootFields))
			return nil
		}
		keys := map[string][]string{"recipient": recipientKeys, "campaign": campaignKeys}[first]
		if keys != nil && len(pe.parts) > 1 {
			if !contains(keys, pe.parts[1]) {
				c.errorc(diag.Unknown, off, "%s has no field %q%s: it has %s", first, pe.parts[1], suggest(pe.parts[1], keys), strings.Join(keys, " and "))
				return nil
			}
			if len(pe.parts) > 2 {
				c.errorf(off, "%s.%s is a string and has no field %q", first, pe.parts[1], pe.parts[2])
				return nil
			}
		}
	case ctxItem:
		if !contains(itemFields, first) {
			c.errorc(diag.Unknown, off, "an offer item has no field %q%s: it has %s (use ../ or @root. for the data outside the block)",
				first, suggest(first, itemFields), strings.Join(itemFields, ", "))
			return nil
		}
	case ctxSnippet:
		if !contains(snippetFields, first) {
			c.errorc(diag.Unknown, off, "offer content has no field %q%s: it has %s", first, suggest(first, snippetFields), strings.Join(snippetFields, ", "))
			return nil
		}
	}
	return pe
}

// partial compiles {{> name}}, {{> name context}} and {{> name key=value}}.
func (c *compiler) partial(ps *ast.PartialStatement) node {
	if c.mode == modeSnippet || c.b.lib == nil {
		c.errorf(ps.Pos, "offer content cannot include partials")
		return nil
	}
	var name string
	switch n := ps.Name.(type) {
	case *ast.PathExpression:
		name = n.Original
		if len(name) >= 2 && name[0] == '[' && name[len(name)-1] == ']' {
			name = name[1 : len(name)-1] // {{> [my partial]}}
		}
		if n.Data {
			c.errorf(ps.Pos, "partial blocks are not supported: include a partial by its name, like {{> footer}}")
			return nil
		}
	case *ast.StringLiteral:
		name = n.Value
	case *ast.NumberLiteral:
		name = string(appendJSNumber(nil, n.Value)) // {{> 404}}
	case *ast.BooleanLiteral:
		name = strconv.FormatBool(n.Value)
	default:
		c.errorf(ps.Pos, "the partial name must be written out, like {{> footer}}")
		return nil
	}
	if len(ps.Params) > 1 {
		c.errorf(ps.Params[1].Location().Pos, "a partial takes at most one context argument, then key=value pairs")
		return nil
	}
	ref := c.partialRef(name, ps.Name.Location().Pos)
	if ref == nil {
		return nil
	}
	if c.mode == modeField && ref.offers {
		c.errorf(ps.Pos, "partial %q holds an offer placeholder, which the %s cannot show", name, c.field)
		return nil
	}
	n := &partialNode{ref: ref, indent: ps.Indent, pos: c.at(ps.Pos)}
	if len(ps.Params) == 1 {
		if n.ctx = c.param(ps.Params[0], true); n.ctx == nil {
			return nil
		}
	}
	if ps.Hash != nil {
		for _, pair := range ps.Hash.Pairs {
			x := c.param(pair.Val, false)
			if x == nil {
				return nil
			}
			n.hash = append(n.hash, hashExpr{key: pair.Key, val: x})
		}
	}
	return n
}

// partialRef compiles a partial the first time a template includes it.
// Each template compiles its own copy (the parse is shared) because the
// scope numbers of its placeholders are the template's own.
func (c *compiler) partialRef(name string, off int) *partialRef {
	b := c.b
	if ref, ok := b.partials[name]; ok {
		return ref
	}
	pf, path := b.lib.partial(name)
	if pf == nil {
		c.errorc(diag.Undefined, off, "partial %q not found%s: create %s", name, b.lib.hint("partials", name), path)
		return nil
	}
	ref := &partialRef{name: name}
	b.partials[name] = ref // before compiling: a partial may include itself
	b.addFile(pf.src.file)
	if pf.err != nil {
		b.errs = append(b.errs, pf.err)
		return ref
	}
	before := b.offers
	pc := &compiler{b: b, src: pf.src, mode: modeBody}
	ref.prog = pc.compile(pf.prog, ctxUnknown)
	ref.offers = b.offers > before
	return ref
}

// suggest returns " (did you mean X?)" for the candidate closest to name,
// or "" when none is close.
func suggest(name string, candidates []string) string {
	return closest.DidYouMean(name, candidates)
}
