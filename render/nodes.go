package render

import "strings"

// program is a compiled sequence of statements.
type program []node

func (p program) exec(s *state, f int) error {
	for _, n := range p {
		if err := n.exec(s, f); err != nil {
			return err
		}
	}
	return nil
}

// node is a compiled statement. exec writes its output to s.buf, reading
// data from frame f.
type node interface {
	exec(s *state, f int) error
}

// expr is a compiled expression: a literal, a path or a helper call.
type expr interface {
	eval(s *state, f int) (any, error)
}

type textNode struct{ text string }

func (n *textNode) exec(s *state, _ int) error {
	s.buf = append(s.buf, n.text...)
	return nil
}

// outputNode is {{expr}} (escaped) or {{{expr}}} / {{& expr}} (raw).
type outputNode struct {
	e      expr
	escape bool
}

func (n *outputNode) exec(s *state, f int) error {
	v, err := n.e.eval(s, f)
	if err != nil {
		return err
	}
	s.buf = appendValue(s.buf, v, n.escape && s.escape)
	return nil
}

type literal struct{ v any }

func (l *literal) eval(*state, int) (any, error) { return l.v, nil }

// pathExpr is a field (profile.firstName, ../name, this), a block
// parameter, or a data variable (@index, @root.x, @now).
type pathExpr struct {
	pos      pos
	original string
	depth    int // ../ count
	parts    []string
	root     bool // @root.parts
	data     bool // @index, @first, @last, @key: parts[0]
	now      bool // @now
	bp       bool // parts[0] is a block parameter
	// strict: the value is written out or becomes a block's context, so a
	// missing field is reported (a warning, or an error in strict mode).
	strict bool
}

// callExpr is a helper call with its arguments.
type callExpr struct {
	h      *helper
	params []expr
	hash   []hashExpr
	pos    pos
}

type hashExpr struct {
	key string
	val expr
}

type hashVal struct {
	key string
	val any
}

func (c *callExpr) eval(s *state, f int) (any, error) { return s.invoke(c, f, nil) }

// blockNode is {{#helper …}}…{{else}}…{{/helper}}.
type blockNode struct {
	call             *callExpr
	program, inverse program
	params           []string
}

func (n *blockNode) exec(s *state, f int) error {
	v, err := s.invoke(n.call, f, n)
	if err != nil {
		return err
	}
	s.buf = appendValue(s.buf, v, false)
	return nil
}

// sectionNode is {{#field}}…{{/field}} or {{^field}}…{{/field}}, run as
// Handlebars' blockHelperMissing runs it: true keeps the context, a list
// iterates, false, nil and an empty list run the inverse, any other value
// becomes the context.
type sectionNode struct {
	path             expr
	program, inverse program
	params           []string
}

func (n *sectionNode) exec(s *state, f int) error {
	v, err := n.path.eval(s, f)
	if err != nil {
		return err
	}
	switch {
	case v == true:
		return s.execThis(n.program, f)
	case v == nil || v == false:
		return s.execThis(n.inverse, f)
	}
	if size, ok := isArray(v); ok {
		if size == 0 {
			return s.execThis(n.inverse, f)
		}
		return s.iterate(f, v, size, n.path, n.params, n.program)
	}
	fr := s.child(f, v, n.path)
	fr.bpNames, fr.bpVals[0] = n.params, v
	fi := s.push(fr)
	err = n.program.exec(s, fi)
	s.pop(fi)
	return err
}

// iterate runs prog once per element of the list v, as {{#each}} does.
func (s *state) iterate(f int, v any, size int, from expr, params []string, prog program) error {
	proto := s.child(f, nil, from)
	proto.hasData, proto.bpNames = true, params
	for i := range size {
		fr := proto
		fr.ctx, fr.index, fr.elem = index(v, i), i, i
		fr.first, fr.last = i == 0, i == size-1
		fr.bpVals = [2]any{fr.ctx, i}
		fi := s.push(fr)
		err := prog.exec(s, fi)
		s.pop(fi)
		if err != nil {
			return err
		}
	}
	return nil
}

// maxPartialDepth bounds partial nesting, so a partial that includes
// itself without end fails the recipient instead of the process.
const maxPartialDepth = 50

// partialRef is a partial compiled for one template.
type partialRef struct {
	name   string
	prog   program // nil when the partial failed to load
	offers bool    // it holds placeholders, directly or through partials
}

// partialNode is {{> name}}, {{> name context}} or {{> name key=value}}.
type partialNode struct {
	ref    *partialRef
	ctx    expr // nil: the current context
	hash   []hashExpr
	indent string // a standalone partial's indentation, applied to every line
	pos    pos
}

func (n *partialNode) exec(s *state, f int) error {
	if s.depth >= maxPartialDepth {
		return n.pos.errorf("partials nested %d deep: does %q include itself without end?", maxPartialDepth, n.ref.name)
	}
	// A partial starts its own stack of contexts, as in handlebars.js: ../
	// inside it does not reach the includer's. Data variables (@index…)
	// and @root carry on.
	fr := frame{ctx: s.frames[f].ctx, parent: -1, from: f, elem: -1, includer: f}
	if n.ctx != nil {
		v, err := n.ctx.eval(s, f)
		if err != nil {
			return err
		}
		fr = s.child(f, v, n.ctx)
		fr.parent, fr.includer = -1, f
	}
	if len(n.hash) > 0 {
		h := &hashContext{base: fr.ctx, order: s.order}
		h.hash = h.inline[:0]
		for _, kv := range n.hash {
			v, err := kv.val.eval(s, f)
			if err != nil {
				return err
			}
			h.hash = append(h.hash, hashVal{key: kv.key, val: v})
		}
		fr.ctx = h
	}
	fi := s.push(fr)
	defer s.pop(fi)
	mark := len(s.buf)
	s.depth++
	err := n.ref.prog.exec(s, fi)
	s.depth--
	if err != nil || n.indent == "" {
		return err
	}
	out := string(s.buf[mark:])
	s.buf = s.buf[:mark]
	lines := strings.SplitAfter(out, "\n")
	for _, line := range lines {
		if line == "" {
			continue
		}
		s.buf = append(s.buf, n.indent...)
		s.buf = append(s.buf, line...)
	}
	return nil
}

// bodyNode is a layout's {{{body}}}: the template's own content, rendered
// with the template's data whatever the layout's context is there.
type bodyNode struct{ prog program }

func (n *bodyNode) exec(s *state, _ int) error { return n.prog.exec(s, s.root) }
