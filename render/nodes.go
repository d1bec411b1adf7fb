package render

import "bytes"

// program is a compiled sequence of statements.
type program []node

func (p program) exec(s *state, f int) error {
	if err := s.account(); err != nil {
		return err
	}
	for _, n := range p {
		var err error
		if t, ok := n.(*textNode); ok {
			// The most common statement, written without a call.
			s.buf = append(s.buf, t.text...)
		} else {
			err = n.exec(s, f)
		}
		if err == nil {
			if err = s.account(); err == nil {
				continue
			}
		}
		return s.failed(n, err)
	}
	return nil
}

// failed is the error of program.exec when statement n failed with err:
// over a bound, it is reported at the innermost block, or kept for the
// {{value}} that passed it outside blocks.
func (s *state) failed(n node, err error) error {
	if err == errOverLimit {
		if at, ok := blockPos(n); ok {
			return s.overLimit(at)
		}
		if at, ok := outputPos(n); ok && s.overAt == nil {
			s.overAt = &at
		}
	}
	return err
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
	escape := n.escape && s.escape
	switch e := n.e.(type) {
	case *pathExpr:
		return e.write(s, f, escape)
	case *callExpr:
		if e.nowDate {
			s.buf = appendString(s.buf, s.nowDate(e), escape)
			return nil
		}
		if e.direct && e.h.text != nil {
			return s.writeText(e, f, escape)
		}
		if e.h.app != nil {
			return s.writeCall(e, f, escape)
		}
	}
	v, err := n.e.eval(s, f)
	if err != nil {
		return err
	}
	s.buf = appendValue(s.buf, v, escape)
	return nil
}

type literal struct {
	v   any
	esc string // v escaped as HTML when it is a string, else ""
}

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
	// rootField is 1 + the index in rootFields of parts[0], 0 for another
	// name: where the context is the template's data, offer content's or
	// a partial's over the template's data, walk then reads the field
	// without looking the name up (rootFieldAt).
	rootField uint8
	// item is the number of a one-part path's field (itemfield.go) where
	// the context is known to be an offer item or offer content's data;
	// fieldNone elsewhere.
	item uint8
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
	// direct: the call has no named arguments, so a helper with pure (two
	// arguments) or text (one) is called without a call record.
	direct bool
	// nowDate: the call is {{formatDate @now}} or {{formatDate @now "…"}}
	// with layout, whose text the state keeps while @now stays the same.
	nowDate bool
	layout  string
}

type hashExpr struct {
	key string
	val expr
}

type hashVal struct {
	key string
	val any
	esc string // val escaped as HTML when it is a literal string, else ""
}

func (c *callExpr) eval(s *state, f int) (any, error) {
	if c.direct && c.h.pure != nil {
		a, err := c.params[0].eval(s, f)
		if err != nil {
			return nil, err
		}
		b, err := c.params[1].eval(s, f)
		if err != nil {
			return nil, err
		}
		return c.h.pure(a, b), nil
	}
	return s.invoke(c, f, nil)
}

// blockNode is {{#helper …}}…{{else}}…{{/helper}}.
type blockNode struct {
	call             *callExpr
	program, inverse program
	params           []string
	// cond is the argument of {{#if …}} or {{#unless …}} (negate) without
	// includeZero=, whose truth decides the block without a helper call.
	cond   expr
	negate bool
}

func (n *blockNode) exec(s *state, f int) error {
	if n.cond != nil {
		// {{#if field}} and {{#unless field}}: the field's truth without
		// the call, which would box the value.
		t, err := truth(s, f, n.cond)
		if err != nil {
			return err
		}
		if t != n.negate {
			return s.execThis(n.program, f)
		}
		return s.execThis(n.inverse, f)
	}
	v, err := s.invoke(n.call, f, n)
	if err != nil {
		return err
	}
	s.buf = appendValue(s.buf, v, false)
	return nil
}

// truth is the condition of {{#if}} for the value of e.
func truth(s *state, f int, e expr) (bool, error) {
	if p, ok := e.(*pathExpr); ok {
		return p.truth(s, f)
	}
	v, err := e.eval(s, f)
	return truthy(v) && !isEmpty(v), err
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
		h := s.hashContext()
		h.base, h.order = fr.ctx, s.order
		h.hash = h.inline[:0]
		for _, kv := range n.hash {
			v, err := kv.val.eval(s, f)
			if err != nil {
				return err
			}
			hv := hashVal{key: kv.key, val: v}
			if l, ok := kv.val.(*literal); ok {
				hv.esc = l.esc
			}
			h.hash = append(h.hash, hv)
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
	var ok bool
	if s.buf, ok = indentLines(s.buf, mark, n.indent, &s.tmp, s.maxBytes); !ok {
		return s.overLimit(n.pos)
	}
	return nil
}

// indentLines puts indent before every non-empty line of buf[mark:], as
// handlebars.js indents a standalone partial, with tmp as scratch space.
func indentLines(buf []byte, mark int, indent string, tmp *[]byte, max int) ([]byte, bool) {
	*tmp = append((*tmp)[:0], buf[mark:]...)
	out := buf[:mark]
	for rest := *tmp; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		out = append(out, indent...)
		out = append(out, line...)
		rest = rest[len(line):]
		if len(out) > max {
			return out, false
		}
	}
	return out, true
}

// hashContext returns the hash context of the partial at the current
// depth, from the state's own, so that a partial with key=value pairs
// allocates nothing.
func (s *state) hashContext() *hashContext {
	for len(s.hashes) <= s.depth {
		s.hashes = append(s.hashes, new(hashContext))
	}
	s.used.hashes = max(s.used.hashes, s.depth+1)
	return s.hashes[s.depth]
}

// bodyNode is a layout's {{{body}}}: the template's own content, rendered
// with the template's data whatever the layout's context is there.
type bodyNode struct{ prog program }

func (n *bodyNode) exec(s *state, _ int) error { return n.prog.exec(s, s.root) }
