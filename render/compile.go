package render

import (
	"strings"

	"github.com/aymerick/raymond/ast"

	"github.com/offermail/offermail/diag"
)

// The compiler turns raymond's AST into the node tree that executes.
// Everything that can be decided without recipient data is decided here,
// once per template: which name is a helper and which a field, whether a
// field exists at all where that is knowable, which placeholders there are
// and in what order, which partials a template pulls in. Errors are
// collected, not returned at the first, so a template shows all its
// problems at once.

// ctxKind says what the context is at a point of a template, so that
// paths can be checked against the fields that context is known to have.
type ctxKind uint8

const (
	ctxUnknown ctxKind = iota // inside each/with/sections and partials
	ctxRoot                   // the template's data: profile, recipient, ...
	ctxItem                   // an offer item inside {{#offer}}
	ctxSnippet                // the data of offer content
)

// compileMode says what a source is, which decides what it may contain.
type compileMode uint8

const (
	modeBody    compileMode = iota // template body, layout, partial
	modeField                      // subject, preheader, unsubscribe
	modeSnippet                    // offer content from the library
)

// build is the state shared by the compilers of one template: its body,
// layout, partials and front-matter fields.
type build struct {
	cat      Catalog
	helpers  map[string]*helper
	lib      *library // nil for snippets
	scopes   []Scope
	scopeAt  []pos
	scopeIdx map[[2]string]int
	offers   int // placeholders compiled so far, duplicates included
	partials map[string]*partialRef
	files    []string
	errs     diag.List
}

func newBuild(cat Catalog, lib *library) *build {
	return &build{
		cat:      cat,
		helpers:  builtinHelpers(),
		lib:      lib,
		scopeIdx: map[[2]string]int{},
		partials: map[string]*partialRef{},
	}
}

func (b *build) addFile(path string) {
	for _, f := range b.files {
		if f == path {
			return
		}
	}
	b.files = append(b.files, path)
}

// compiler compiles one source.
type compiler struct {
	b     *build
	src   *source
	mode  compileMode
	field string // the front-matter key, in modeField
	// body compiles the template body where a layout says {{{body}}}; nil
	// when this source is not a layout.
	body func() program
	ctx  []ctxKind  // innermost last
	bps  [][]string // block parameters in scope, innermost last
}

func (c *compiler) errorf(off int, format string, args ...any) {
	c.errorc(diag.Invalid, off, format, args...)
}

func (c *compiler) errorc(code diag.Code, off int, format string, args ...any) {
	c.b.errs.Add(c.src.pos(off).errorc(code, format, args...))
}

func (c *compiler) at(off int) pos { return c.src.pos(off) }

// compile compiles a whole source whose context is ctx.
func (c *compiler) compile(prog *ast.Program, ctx ctxKind) program {
	c.ctx = append(c.ctx[:0], ctx)
	return c.program(prog)
}

func (c *compiler) program(p *ast.Program) program {
	if p == nil {
		return nil
	}
	var out program
	for _, st := range p.Body {
		n := c.statement(st)
		if n == nil {
			continue
		}
		// Comments and stripped whitespace leave adjacent text nodes.
		if t, ok := n.(*textNode); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(*textNode); ok {
				out[len(out)-1] = &textNode{text: prev.text + t.text}
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// within compiles p with ctx as its context and params as its block
// parameters.
func (c *compiler) within(p *ast.Program, ctx ctxKind) program {
	if p == nil {
		return nil
	}
	c.ctx = append(c.ctx, ctx)
	c.bps = append(c.bps, p.BlockParams)
	out := c.program(p)
	c.ctx = c.ctx[:len(c.ctx)-1]
	c.bps = c.bps[:len(c.bps)-1]
	return out
}

func (c *compiler) statement(st ast.Node) node {
	switch n := st.(type) {
	case *ast.ContentStatement:
		if n.Value == "" {
			return nil
		}
		return &textNode{text: n.Value}
	case *ast.CommentStatement:
		return nil
	case *ast.MustacheStatement:
		return c.mustache(n)
	case *ast.BlockStatement:
		return c.block(n)
	case *ast.PartialStatement:
		return c.partial(n)
	}
	c.errorf(st.Location().Pos, "unsupported statement %s", st)
	return nil
}

// helperName returns the name an expression calls when it is a single
// plain word, else "".
func helperName(e *ast.Expression) string {
	name := e.HelperName()
	if strings.HasPrefix(name, "[") {
		return "" // [name] is always a field
	}
	return name
}

func (c *compiler) mustache(m *ast.MustacheStatement) node {
	e := m.Expression
	name := helperName(e)
	if name == emptyRaw {
		return nil // an empty raw block
	}
	if name == "offer" {
		return c.offer(e, nil, m.Pos)
	}
	if name == "body" && c.body != nil && len(e.Params) == 0 && e.Hash == nil {
		if !m.Unescaped {
			c.errorf(m.Pos, "write the body as {{{body}}}, with three braces, so its HTML is not escaped")
			return nil
		}
		return &bodyNode{prog: c.body()}
	}
	if name == "helperMissing" || name == "blockHelperMissing" {
		// handlebars.js's hooks for unknown names: calling one by its
		// name fails there, so it is an error here too.
		c.errorf(e.Path.Location().Pos, "%s is handlebars.js's hook for unknown helpers, not a field or a helper to call", name)
		return nil
	}
	if h := c.lookupHelper(e); h != nil {
		if h.use == blockOnly {
			c.errorf(e.Path.Location().Pos, "%s is a block helper: write {{#%s …}}…{{/%s}}", h.name, h.name, h.name)
			return nil
		}
		call := c.call(h, e, true)
		if call == nil {
			return nil
		}
		return &outputNode{e: call, escape: !m.Unescaped}
	}
	if len(e.Params) > 0 || e.Hash != nil {
		c.unknownHelper(e)
		return nil
	}
	p := c.pathOrLiteral(e.Path, true)
	if p == nil {
		return nil
	}
	return &outputNode{e: p, escape: !m.Unescaped}
}

func (c *compiler) block(bl *ast.BlockStatement) node {
	e := bl.Expression
	if bl.OpenStrip == nil {
		return c.rawBlock(bl)
	}
	name := helperName(e)
	if name == "offer" {
		return c.offer(e, bl, bl.Pos)
	}
	if h := c.lookupHelper(e); h != nil {
		if h.use == inlineOnly {
			c.errorf(e.Path.Location().Pos, "%s is not a block helper: write {{%s …}} without # and {{/%s}}", h.name, h.name, h.name)
			return nil
		}
		call := c.call(h, e, bl.Inverse == nil)
		if call == nil {
			return nil
		}
		inner := ctxUnknown
		if h.keepsContext {
			inner = c.ctx[len(c.ctx)-1]
		}
		n := &blockNode{call: call}
		if (h.name == "if" || h.name == "unless") && len(call.hash) == 0 && len(call.params) == 1 {
			n.cond, n.negate = call.params[0], h.name == "unless"
		}
		n.program = c.within(bl.Program, inner)
		n.inverse = c.within(bl.Inverse, c.ctx[len(c.ctx)-1])
		n.params = blockParams(bl)
		return n
	}
	if len(e.Params) > 0 || e.Hash != nil {
		c.unknownHelper(e)
		return nil
	}
	// {{#field}}…{{/field}} and {{^field}}…{{/field}}: a section over the
	// field's value. {{^field}} and {{else}} are how a template handles a
	// missing field, so only a section without them is strict.
	p := c.pathOrLiteral(e.Path, bl.Program != nil && bl.Inverse == nil)
	if p == nil {
		return nil
	}
	n := &sectionNode{path: p}
	n.program = c.within(bl.Program, ctxUnknown)
	n.inverse = c.within(bl.Inverse, c.ctx[len(c.ctx)-1])
	n.params = blockParams(bl)
	return n
}

func blockParams(bl *ast.BlockStatement) []string {
	if bl.Program != nil {
		return bl.Program.BlockParams
	}
	return nil
}

// rawBlock compiles {{{{raw}}}}…{{{{/raw}}}}, whose content is written out
// without being read as Handlebars.
func (c *compiler) rawBlock(bl *ast.BlockStatement) node {
	if name := helperName(bl.Expression); name != "raw" || len(bl.Expression.Params) > 0 || bl.Expression.Hash != nil {
		c.errorf(bl.Pos, "a raw block is written {{{{raw}}}}…{{{{/raw}}}}")
		return nil
	}
	var text strings.Builder
	if bl.Program != nil {
		for _, st := range bl.Program.Body {
			if cs, ok := st.(*ast.ContentStatement); ok {
				text.WriteString(cs.Value)
			}
		}
	}
	return &textNode{text: text.String()}
}

// lookupHelper returns the helper an expression names, if any. Only a
// plain word can name a helper; "this.x", "../x" and "x.y" are fields.
func (c *compiler) lookupHelper(e *ast.Expression) *helper {
	name := helperName(e)
	if name == "" {
		if s, ok := e.Path.(*ast.StringLiteral); ok {
			name = s.Value
		}
	}
	if name == "" {
		return nil
	}
	return c.b.helpers[name]
}

func (c *compiler) unknownHelper(e *ast.Expression) {
	at := e.Path.Location().Pos
	name, _ := ast.HelperNameStr(e.Path)
	if helperName(e) == "" {
		c.errorf(at, "%s is not a helper: only a helper takes arguments (a helper name is a single word)", name)
		return
	}
	c.errorc(diag.Unknown, at, "unknown helper %q%s", name, suggest(name, c.helperNames()))
}

func (c *compiler) helperNames() []string {
	names := []string{"offer"}
	for n := range c.b.helpers {
		names = append(names, n)
	}
	return names
}
