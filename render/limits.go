package render

import (
	"errors"

	"github.com/offermail/offermail/diag"
)

// Bounds on one message, so that a recipient's data cannot make rendering
// run out of memory or time: {{#each}} nested three deep over a profile
// list of 1,000 items would write a billion copies of its body. Both are
// enforced where every statement passes, program.exec, so whatever writes
// the output (the buffer today, a caller's writer tomorrow) is bounded.
const (
	// DefaultMaxBytes is the most one part of a message (the body with its
	// layout, the subject, the preheader…) may render to when
	// Input.MaxBytes is 0: 2 MiB, twenty times Gmail's clipping size.
	DefaultMaxBytes = 2 << 20
	// maxSteps is the most statements, and runs of a block's body, one
	// message may execute. It bounds the time of loops that write little
	// or nothing; a long newsletter executes a few thousand.
	maxSteps = 2_000_000
)

// Bounds on a template, so that loading one takes time and memory in
// proportion to a reasonable file: every file (template, partial, layout)
// and every text parsed as Handlebars is at most maxTemplateBytes, and
// blocks and subexpressions nest at most maxNesting deep (the parser and
// the compiler recurse once per level).
const (
	maxTemplateBytes = 1 << 20
	maxNesting       = 100
)

// errOverLimit is what program.exec returns once a bound is passed; the
// innermost statement with a position turns it into a *diag.Error there.
var errOverLimit = errors.New("over the message's limits")

// account counts one step and checks both bounds.
func (s *state) account() error {
	s.steps++
	if len(s.buf) > s.maxBytes || s.steps > maxSteps {
		return errOverLimit
	}
	return nil
}

// overLimit turns errOverLimit into the error of this recipient, at the
// innermost block that was running when the bound was passed (or, outside
// blocks, the {{value}} that passed it, or the start of the file).
func (s *state) overLimit(at pos) *diag.Error {
	if s.steps > maxSteps {
		return at.errorc(diag.Limit, "rendering for this recipient takes more than %d steps (loops nested over long lists?); limit the loops, e.g. with {{#if @first}} or fewer nested {{#each}}", maxSteps)
	}
	return at.errorc(diag.Limit, "the message for this recipient is over %d bytes (loops nested over long lists?); the limit is %d bytes", s.maxBytes, s.maxBytes)
}

// blockPos returns where a statement that runs other statements (a block,
// a partial, a placeholder) is written: where a message that grows too
// much is reported, since it is the loop that multiplies.
func blockPos(n node) (pos, bool) {
	switch n := n.(type) {
	case *valueNode:
		return blockPos(n.inner)
	case *blockNode:
		return n.call.pos, true
	case *partialNode:
		return n.pos, true
	case *offerNode:
		return n.pos, true
	case *sectionNode:
		if p, ok := n.path.(*pathExpr); ok {
			return p.pos, true
		}
	}
	return pos{}, false
}

// outputPos returns where {{value}} is written, reported when the value
// itself passed the bound outside any block.
func outputPos(n node) (pos, bool) {
	if v, ok := n.(*valueNode); ok {
		n = v.inner
	}
	if n, ok := n.(*outputNode); ok {
		switch e := n.e.(type) {
		case *pathExpr:
			return e.pos, true
		case *callExpr:
			return e.pos, true
		}
	}
	return pos{}, false
}
