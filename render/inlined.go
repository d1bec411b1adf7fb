package render

import (
	"errors"
	"fmt"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render/message"
)

// A template's HTML is finished at load (message.CompileDoc): the body
// program is written out once as a document with a mark for each value
// and block, the document is parsed, its CSS inlined and its text
// alternative compiled, and the result is cut at the marks. The body is
// then compiled again (docBody) with each run of text replaced by the
// finished piece that follows the same mark, and each value wrapped so
// that it is written as the finished document would have it. Execution
// writes the final HTML and the text in one pass, without parsing the
// message; a message whose values the compiled document cannot show
// exactly (markup where only text was seen, a quote in an attribute) is
// finished the reference way, as is every message of a template that
// CompileDoc refuses (Template.Warnings says why).

// compiledDoc is a template's document finished at load.
type compiledDoc struct {
	doc  *message.Doc
	body program
}

// errReference stops a compiled execution whose message must be finished
// the reference way.
var errReference = errors.New("render: finish this message the reference way")

// maxDocPartials bounds how deep partials are unfolded into the document;
// deeper ones are values whose markup is parsed per message.
const maxDocPartials = 8

// maxSkeleton bounds the document written at load: a larger template is
// finished per recipient (Gmail clips a message past 102 KB anyway), so
// that loading stays within its memory bound.
const maxSkeleton = 256 << 10

// docBuilder writes the document of a body program and compiles the body
// again around it.
type docBuilder struct {
	sk     []byte
	kinds  []message.MarkKind
	groups [][]int
	pos    []pos // per mark: where the template has it
	depth  int
	fail   string
	failAt pos
}

func (b *docBuilder) mark(kind message.MarkKind, p pos) int {
	n := len(b.kinds)
	b.kinds = append(b.kinds, kind)
	b.pos = append(b.pos, p)
	b.sk = message.AppendMark(b.sk, n, kind)
	return n
}

// program writes p into the document and returns it compiled again: its
// first piece follows mark after (-1: the lead).
func (b *docBuilder) program(p program, after int, at pos) program {
	out := program{&pieceNode{after: after}}
	for _, n := range p {
		if b.fail != "" {
			return nil
		}
		if len(b.sk) > maxSkeleton {
			b.fail, b.failAt = "the template's document is too large to compile", at
			return nil
		}
		switch n := n.(type) {
		case *textNode:
			if message.HasMark(n.text) {
				b.fail, b.failAt = "the template's text holds U+E000, which marks values while it is compiled", at
				return nil
			}
			b.sk = append(b.sk, n.text...)
			continue
		case *bodyNode:
			g := b.mark(message.MarkBlock, at)
			inner := b.program(n.prog, g, at)
			end := b.mark(message.MarkBlock, at)
			b.groups = append(b.groups, []int{g, end})
			out = append(out, &bodyNode{prog: inner}, &pieceNode{after: end})
			continue
		case *blockNode:
			// The built-in block helpers write their branches as they are,
			// once or per element.
			if n.cond != nil || n.call != nil && verbatimBlocks[n.call.h.name] {
				nb := *n
				var end int
				nb.program, nb.inverse, end = b.branches(n.program, n.inverse, n.call.pos)
				out = append(out, &nb, &pieceNode{after: end})
				continue
			}
		case *offerNode:
			if !n.inline {
				nb := *n
				var end int
				nb.program, nb.inverse, end = b.branches(n.program, n.inverse, n.pos)
				out = append(out, &nb, &pieceNode{after: end})
				continue
			}
		case *partialNode:
			if n.indent == "" && n.ref.prog != nil && b.depth < maxDocPartials {
				b.depth++
				g := b.mark(message.MarkBlock, n.pos)
				inner := b.program(n.ref.prog, g, n.pos)
				end := b.mark(message.MarkBlock, n.pos)
				b.depth--
				b.groups = append(b.groups, []int{g, end})
				np := *n
				np.ref = &partialRef{name: n.ref.name, prog: inner, offers: n.ref.offers}
				out = append(out, &np, &pieceNode{after: end})
				continue
			}
		}
		kind := message.MarkRaw
		if o, ok := n.(*outputNode); ok && o.escape {
			kind = message.MarkText
		}
		p, _ := outputPos(n)
		if bp, ok := blockPos(n); ok {
			p = bp
		}
		m := b.mark(kind, p)
		out = append(out, &valueNode{inner: n, mark: m}, &pieceNode{after: m})
	}
	return out
}

// verbatimBlocks are the block helpers whose output is their program or
// inverse, run as they are, any number of times.
var verbatimBlocks = map[string]bool{"if": true, "unless": true, "each": true, "with": true}

// branches writes a block's program and inverse between its marks.
func (b *docBuilder) branches(prog, inv program, at pos) (program, program, int) {
	g := b.mark(message.MarkBlock, at)
	group := []int{g}
	p := b.program(prog, g, at)
	var ip program
	if len(inv) > 0 {
		e := b.mark(message.MarkBlock, at)
		group = append(group, e)
		ip = b.program(inv, e, at)
	}
	end := b.mark(message.MarkBlock, at)
	b.groups = append(b.groups, append(group, end))
	return p, ip, end
}

// compileDoc finishes the template's document at load, or says why not.
func (t *Template) compileDoc() (*compiledDoc, error) {
	b := &docBuilder{}
	at := pos{file: t.path, line: 1, col: 1}
	body := b.program(t.body, -1, at)
	if b.fail != "" {
		return nil, b.failAt.errorf("%s", b.fail)
	}
	// A preheader of literal text is the same for everyone.
	pre, static := "", true
	for _, n := range t.pre {
		if tn, ok := n.(*textNode); ok {
			pre += tn.text
		} else {
			static = false
		}
	}
	doc, err := message.CompileDoc(string(b.sk), b.kinds, b.groups, pre, static)
	if err != nil {
		var r *message.Refusal
		if errors.As(err, &r) {
			p := at
			if r.Mark >= 0 && r.Mark < len(b.pos) && b.pos[r.Mark].file != "" {
				p = b.pos[r.Mark]
			}
			if r.Selector != "" {
				return nil, p.errorf("CSS selector %q depends on recipient data here: %s", r.Selector, r.Reason)
			}
			return nil, p.errorf("%s", r.Reason)
		}
		return nil, err
	}
	return &compiledDoc{doc: doc, body: prune(body, doc, 0)}, nil
}

// prune drops the pieces that write nothing from p and the programs in
// it, so that a compiled body runs the statements the template has (the
// step bound counts them).
func prune(p program, d *message.Doc, depth int) program {
	out := p[:0]
	for _, n := range p {
		switch n := n.(type) {
		case *pieceNode:
			if n.after != d.PreheaderAfter() && d.Empty(n.after) {
				continue
			}
		case *bodyNode:
			n.prog = prune(n.prog, d, depth)
		case *blockNode:
			n.program, n.inverse = prune(n.program, d, depth), prune(n.inverse, d, depth)
		case *offerNode:
			n.program, n.inverse = prune(n.program, d, depth), prune(n.inverse, d, depth)
		case *partialNode:
			if depth < maxDocPartials {
				n.ref.prog = prune(n.ref.prog, d, depth+1)
			}
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Warnings returns what `check` reports about the template without it
// being an error, as "file:line:col: warning: message": why its HTML is
// finished per recipient (CSS inlined, text derived from the HTML) instead
// of once at load.
func (t *Template) Warnings() []string {
	if t.docErr == nil {
		return nil
	}
	const why = " (so its CSS is inlined and its text derived per recipient)"
	var e *diag.Error
	if errors.As(t.docErr, &e) {
		return []string{fmt.Sprintf("%s:%d:%d: warning: %s%s", e.File, e.Line, e.Col, e.Msg, why)}
	}
	return []string{fmt.Sprintf("%s: warning: %v%s", t.path, t.docErr, why)}
}

// pieceNode writes the finished piece after a mark.
type pieceNode struct{ after int }

func (n *pieceNode) exec(s *state, _ int) error {
	d := s.doc
	if n.after < 0 {
		s.buf = s.dw.Piece(s.buf, d.Lead())
	} else {
		s.buf = s.dw.Piece(s.buf, d.After(n.after))
	}
	if n.after == d.PreheaderAfter() {
		s.preAt = len(s.buf)
		s.buf = s.dw.PreheaderRest(s.buf)
	}
	return nil
}

// valueNode writes what its node writes as the finished document has it.
type valueNode struct {
	inner node
	mark  int
}

func (n *valueNode) exec(s *state, f int) error {
	start := len(s.buf)
	if err := n.inner.exec(s, f); err != nil {
		return err
	}
	s.val = append(s.val[:0], s.buf[start:]...)
	var ok bool
	if s.buf, ok = s.dw.Value(s.buf[:start], n.mark, s.val); !ok {
		return errReference
	}
	return nil
}
