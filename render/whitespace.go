package render

import (
	"strings"
	"unicode/utf8"

	"github.com/aymerick/raymond/ast"
)

// Whitespace control and standalone lines, decided as handlebars.js
// decides them: {{~ and ~}} trim all whitespace next to a tag, and a line
// holding only a block tag, {{else}}, a comment or a partial (with
// whitespace around it) disappears with its line break.
//
// raymond's parser does this pass too, but it departs from handlebars.js
// in ways real templates hit: it tests content after earlier stripping
// rather than as written (so a standalone line right after another keeps
// its indentation), swaps the end-of-template rule (a tag followed by
// spaces and another tag loses the spaces), ignores ~ on {{else if}},
// never treats raw blocks as standalone, and knows only ASCII whitespace
// where JavaScript's \s also holds U+FEFF (a byte-order mark), no-break
// and other Unicode spaces. So parseSource puts every text back as written
// and redoes the pass here, rule for rule as handlebars.js 4.7 runs it
// (its compiler/whitespace-control.js).

// wsStrip is what a statement tells the program around it.
type wsStrip struct {
	open, close                                     bool // ~ outside the tag: trim the text before / after
	openStandalone, closeStandalone, inlineStandale bool
}

// whitespaceControl reruns whitespace control over a parsed template.
func whitespaceControl(prog *ast.Program) {
	resetContent(prog)
	w := &wsVisitor{}
	w.program(prog, nil)
}

// resetContent undoes raymond's own pass: every text as written, no
// partial indentation.
func resetContent(n ast.Node) {
	switch x := n.(type) {
	case *ast.Program:
		if x == nil {
			return
		}
		for _, st := range x.Body {
			resetContent(st)
		}
	case *ast.ContentStatement:
		x.Value, x.LeftStripped, x.RightStripped = x.Original, false, false
	case *ast.BlockStatement:
		if x.Program != nil {
			resetContent(x.Program)
		}
		if x.Inverse != nil {
			resetContent(x.Inverse)
		}
	case *ast.PartialStatement:
		x.Indent = ""
	}
}

type wsVisitor struct {
	rootSeen bool
}

// program runs over a program's statements. When p is a chained {{else
// if}} program, linkClose is the strip handlebars.js's parser gives its
// block as closeStrip.
func (w *wsVisitor) program(p *ast.Program, linkClose *ast.Strip) {
	isRoot := !w.rootSeen
	w.rootSeen = true
	body := p.Body
	for i, st := range body {
		var strip wsStrip
		switch x := st.(type) {
		case *ast.BlockStatement:
			if p.Chained && i == 0 {
				strip = w.block(x, linkClose, true)
			} else {
				strip = w.block(x, x.CloseStrip, false)
			}
		case *ast.MustacheStatement:
			if x.Strip != nil {
				strip = wsStrip{open: x.Strip.Open, close: x.Strip.Close}
			}
		case *ast.PartialStatement:
			strip = inlineStrip(x.Strip)
		case *ast.CommentStatement:
			strip = inlineStrip(x.Strip)
		default:
			continue
		}
		prevWS := isPrevWhitespace(body, i, isRoot)
		nextWS := isNextWhitespace(body, i, isRoot)
		openStandalone := strip.openStandalone && prevWS
		closeStandalone := strip.closeStandalone && nextWS
		inlineStandalone := strip.inlineStandale && prevWS && nextWS

		if strip.close {
			omitRight(body, i, true)
		}
		if strip.open {
			omitLeft(body, i, true)
		}
		if inlineStandalone {
			omitRight(body, i, false)
			if omitLeft(body, i, false) {
				if ps, ok := st.(*ast.PartialStatement); ok {
					prev := body[i-1].(*ast.ContentStatement).Original
					ps.Indent = prev[len(strings.TrimRight(prev, " \t")):]
				}
			}
		}
		if b, ok := st.(*ast.BlockStatement); ok {
			if openStandalone {
				omitRight(firstNonNil(b.Program, b.Inverse).Body, -1, false)
				omitLeft(body, i, false)
			}
			if closeStandalone {
				omitRight(body, i, false)
				last := firstNonNil(b.Inverse, b.Program).Body
				omitLeft(last, len(last), false)
			}
		}
	}
}

func inlineStrip(s *ast.Strip) wsStrip {
	st := wsStrip{inlineStandale: true}
	if s != nil {
		st.open, st.close = s.Open, s.Close
	}
	return st
}

func firstNonNil(a, b *ast.Program) *ast.Program {
	if a != nil {
		return a
	}
	return b
}

// block handles a block's own tags and returns its standalone candidacy.
// closeStrip is the strip handlebars.js gives the block's closing side;
// link tells that b is an {{else if}} of a chain.
func (w *wsVisitor) block(b *ast.BlockStatement, closeStrip *ast.Strip, link bool) wsStrip {
	raw := b.OpenStrip == nil // a raw block: no ~ on any of its tags
	// In handlebars.js terms: program runs when the block is true,
	// inverse is the part after {{else}}. raymond stores an inverted
	// section's parts the other way round.
	program, inverse := b.Program, b.Inverse
	if program == nil {
		program, inverse = inverse, nil
	}
	// What {{else}} or the first {{else if}} says, and the strip the
	// first chained block gets as its close.
	var inverseStrip *ast.Strip
	if inverse != nil {
		if inverse.Chained {
			inverseStrip = inverse.Body[0].(*ast.BlockStatement).OpenStrip
		} else {
			inverseStrip = inverse.Strip
			if inverseStrip == nil && b.Program != nil && b.Program.Strip != nil {
				inverseStrip = b.Program.Strip // {{^x}}…{{else}}…: raymond keeps it there
			}
		}
	}
	for _, p := range []*ast.Program{b.Program, b.Inverse} {
		if p != nil {
			w.program(p, linkCloseOf(p, closeStrip, link))
		}
	}

	firstInverse, lastInverse := inverse, inverse
	if inverse != nil && inverse.Chained {
		firstInverse = inverse.Body[0].(*ast.BlockStatement).Program
		for lastInverse.Chained {
			lastInverse = lastInverse.Body[len(lastInverse.Body)-1].(*ast.BlockStatement).Program
		}
	}
	var openS, closeS, invS ast.Strip
	if !raw {
		openS = derefStrip(b.OpenStrip)
		closeS = derefStrip(closeStrip)
		invS = derefStrip(inverseStrip)
	}
	strip := wsStrip{
		open:            openS.Open,
		close:           closeS.Close,
		openStandalone:  isNextWhitespace(program.Body, -1, false),
		closeStandalone: isPrevWhitespace(firstNonNil(firstInverse, program).Body, len(firstNonNil(firstInverse, program).Body), false),
	}
	if openS.Close {
		omitRight(program.Body, -1, true)
	}
	if inverse != nil {
		if invS.Open {
			omitLeft(program.Body, len(program.Body), true)
		}
		if invS.Close {
			omitRight(firstInverse.Body, -1, true)
		}
		if closeS.Open {
			omitLeft(lastInverse.Body, len(lastInverse.Body), true)
		}
		if isPrevWhitespace(program.Body, len(program.Body), false) && isNextWhitespace(firstInverse.Body, -1, false) {
			omitLeft(program.Body, len(program.Body), false)
			omitRight(firstInverse.Body, -1, false)
		}
	} else if closeS.Open {
		omitLeft(program.Body, len(program.Body), true)
	}
	return strip
}

// linkCloseOf returns the closeStrip handlebars.js's parser gives the
// block of a chained {{else if}} program p: the first link of a chain gets
// the closing tag's, every later link its own opening tag's.
func linkCloseOf(p *ast.Program, closeStrip *ast.Strip, link bool) *ast.Strip {
	if !p.Chained || len(p.Body) == 0 {
		return nil
	}
	if !link {
		return closeStrip
	}
	return p.Body[0].(*ast.BlockStatement).OpenStrip
}

func derefStrip(s *ast.Strip) ast.Strip {
	if s == nil {
		return ast.Strip{}
	}
	return *s
}

// isPrevWhitespace: the text before statement i ends a line with only
// whitespace after the line break (at the very start of the template,
// whitespace alone will do).
func isPrevWhitespace(body []ast.Node, i int, isRoot bool) bool {
	if i-1 < 0 {
		return isRoot
	}
	prev, ok := body[i-1].(*ast.ContentStatement)
	if !ok {
		return false
	}
	s := prev.Original
	nl := strings.LastIndexByte(s, '\n')
	if nl < 0 {
		return isRoot && i-2 < 0 && allJSSpace(s)
	}
	return allJSSpace(s[nl+1:])
}

// isNextWhitespace: the text after statement i starts with only
// whitespace up to a line break (at the very end of the template,
// whitespace alone will do).
func isNextWhitespace(body []ast.Node, i int, isRoot bool) bool {
	if i+1 >= len(body) {
		return isRoot
	}
	next, ok := body[i+1].(*ast.ContentStatement)
	if !ok {
		return false
	}
	s := next.Original
	nl := strings.IndexByte(s, '\n')
	if nl < 0 {
		return isRoot && i+2 >= len(body) && allJSSpace(s)
	}
	return allJSSpace(s[:nl])
}

// omitRight trims the start of the text after statement i (i = -1: the
// first statement): all whitespace when multiple, else the rest of the
// line (spaces, tabs and one line break).
func omitRight(body []ast.Node, i int, multiple bool) {
	if i+1 >= len(body) {
		return
	}
	c, ok := body[i+1].(*ast.ContentStatement)
	if !ok || (!multiple && c.RightStripped) {
		return
	}
	before := c.Value
	if multiple {
		c.Value = trimLeftJSSpace(c.Value)
	} else {
		v := strings.TrimLeft(c.Value, " \t")
		v = strings.TrimPrefix(v, "\r")
		c.Value = strings.TrimPrefix(v, "\n")
	}
	c.RightStripped = c.Value != before
}

// omitLeft trims the end of the text before statement i (i = len(body):
// the last statement): all whitespace when multiple, else spaces and tabs.
// It reports whether it trimmed anything.
func omitLeft(body []ast.Node, i int, multiple bool) bool {
	if i-1 < 0 || i-1 >= len(body) {
		return false
	}
	c, ok := body[i-1].(*ast.ContentStatement)
	if !ok || (!multiple && c.LeftStripped) {
		return false
	}
	before := c.Value
	if multiple {
		c.Value = trimRightJSSpace(c.Value)
	} else {
		c.Value = strings.TrimRight(c.Value, " \t")
	}
	c.LeftStripped = c.Value != before
	return c.LeftStripped
}

// isJSSpace reports whether r is whitespace to JavaScript's \s: Unicode
// spaces, line terminators and U+FEFF.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

func allJSSpace(s string) bool {
	for _, r := range s {
		if !isJSSpace(r) {
			return false
		}
	}
	return true
}

func trimLeftJSSpace(s string) string { return strings.TrimLeftFunc(s, isJSSpace) }

func trimRightJSSpace(s string) string {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if !isJSSpace(r) {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}
