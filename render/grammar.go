package render

import (
	"strconv"

	"github.com/aymerick/raymond/lexer"

	"github.com/offermail/offermail/diag"
)

// checkGrammar runs the grammar of raymond's parser over the tokens of a
// source, rule for rule, and reports the first violation at its token.
//
// raymond's parser would find the same errors, but it reports them with a
// line number only, and it stops reading from its lexer, whose goroutine
// then blocks forever on an unbuffered channel: every template that fails
// to parse would leak one. So raymond's parser only sees text that passes
// this check.
func checkGrammar(src *source, toks []lexer.Token) *diag.Error {
	g := &grammar{src: src, toks: toks}
	g.run()
	return g.err
}

type grammar struct {
	src  *source
	toks []lexer.Token
	i    int
	err  *diag.Error
	// depth counts the blocks and subexpressions open: raymond's parser
	// and the compiler recurse once per level.
	depth int
}

// nest enters a block or subexpression opened by t.
func (g *grammar) nest(t lexer.Token) {
	if g.depth++; g.depth > maxNesting {
		g.err = g.src.pos(t.Pos).errorc(diag.Limit, "blocks and subexpressions nest more than %d deep here; flatten the template (a partial or a helper like {{#and}} instead of nested {{#if}})", maxNesting)
		panic(errStop{})
	}
}

// errStop unwinds the recursive descent at the first error.
type errStop struct{}

func (g *grammar) fail(t lexer.Token, format string, args ...any) {
	if g.err == nil {
		g.err = g.src.pos(t.Pos).errorc(diag.Syntax, format, args...)
	}
	panic(errStop{})
}

// run checks the whole source: statements up to the end of the text.
func (g *grammar) run() {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errStop); !ok {
				panic(r)
			}
		}
	}()
	g.statements()
	switch t := g.next(); t.Kind {
	case lexer.TokenEOF:
	case lexer.TokenOpenEndBlock:
		g.fail(t, "{{/%s}} closes no open block: remove it", g.nameAt(g.i+1))
	case lexer.TokenInverse, lexer.TokenOpenInverseChain:
		g.fail(t, "%s outside a block: it belongs between {{#name}} and {{/name}}", describeToken(t))
	default:
		g.fail(t, "unexpected %s", describeToken(t))
	}
}

func (g *grammar) next() lexer.Token { return g.at(g.i) }

func (g *grammar) at(i int) lexer.Token {
	if i < len(g.toks) {
		return g.toks[i]
	}
	return g.toks[len(g.toks)-1] // EOF
}

func (g *grammar) shift() lexer.Token {
	t := g.next()
	if g.i < len(g.toks) {
		g.i++
	}
	return t
}

func (g *grammar) expect(kind lexer.TokenKind) lexer.Token {
	t := g.shift()
	if t.Kind != kind {
		g.fail(t, "unexpected %s: expected %s", describeToken(t), expectName(kind.String()))
	}
	return t
}

// nameAt is the name written at toks[i], for messages.
func (g *grammar) nameAt(i int) string {
	if t := g.at(i); t.Kind == lexer.TokenID {
		return t.Val
	}
	return ""
}

func (g *grammar) statements() {
	for {
		switch g.next().Kind {
		case lexer.TokenContent, lexer.TokenComment:
			g.shift()
		case lexer.TokenOpen, lexer.TokenOpenUnescaped:
			open := g.shift()
			g.expression()
			if open.Kind == lexer.TokenOpenUnescaped {
				g.expect(lexer.TokenCloseUnescaped)
			} else {
				g.expect(lexer.TokenClose)
			}
		case lexer.TokenOpenBlock, lexer.TokenOpenInverse:
			g.block()
		case lexer.TokenOpenRawBlock:
			g.rawBlock()
		case lexer.TokenOpenPartial:
			g.shift()
			g.helperNameOrSexpr()
			g.paramsAndHash()
			g.expect(lexer.TokenClose)
		default:
			return
		}
	}
}

// block: {{#name …}} program ({{else}} program | {{else name …}} …)? {{/name}}
// and {{^name …}} program ({{else}} program)? {{/name}}.
func (g *grammar) block() {
	openAt := g.i
	open := g.shift()
	g.nest(open)
	defer func() { g.depth-- }()
	name := g.expression()
	g.blockParams()
	g.expect(lexer.TokenClose)
	g.statements()
	if open.Kind == lexer.TokenOpenInverse {
		if g.next().Kind == lexer.TokenInverse {
			g.shift()
			g.statements()
		}
	} else {
		g.inverseChain()
	}
	closeTok := g.next()
	if closeTok.Kind != lexer.TokenOpenEndBlock {
		if closeTok.Kind == lexer.TokenEOF {
			g.fail(g.toks[openAt], "{{%s%s}} is not closed: add {{/%s}}", open.Val[2:], name, name)
		}
		g.fail(closeTok, "unexpected %s inside {{%s%s}}: expected {{/%s}}", describeToken(closeTok), open.Val[2:], name, name)
	}
	g.shift()
	closeName := g.helperName()
	if closeName != name {
		p := g.src.pos(open.Pos)
		g.fail(closeTok, "{{/%s}} does not close {{%s%s}} opened at %d:%d: close it with {{/%s}}", closeName, open.Val[2:], name, p.line, p.col, name)
	}
	g.expect(lexer.TokenClose)
}

func (g *grammar) inverseChain() {
	switch g.next().Kind {
	case lexer.TokenInverse:
		g.shift()
		g.statements()
	case lexer.TokenOpenInverseChain:
		g.shift()
		g.expression()
		g.blockParams()
		g.expect(lexer.TokenClose)
		g.statements()
		g.inverseChain()
	}
}

func (g *grammar) blockParams() {
	if g.next().Kind != lexer.TokenOpenBlockParams {
		return
	}
	g.shift()
	if g.next().Kind != lexer.TokenID {
		g.fail(g.next(), "unexpected %s: expected a block parameter name, as in as |item|", describeToken(g.next()))
	}
	for g.next().Kind == lexer.TokenID {
		g.shift()
	}
	g.expect(lexer.TokenCloseBlockParams)
}

// rawBlock: {{{{name …}}}} content {{{{/name}}}}.
func (g *grammar) rawBlock() {
	g.shift()
	name := g.expression()
	g.expect(lexer.TokenCloseRawBlock)
	if g.next().Kind == lexer.TokenContent {
		g.shift()
	} // else empty: parseSource stands in for it (see maskEmptyRawBlocks)
	g.expect(lexer.TokenOpenEndRawBlock)
	closeTok := g.toks[g.i-1]
	if closeName := g.helperName(); closeName != name {
		g.fail(closeTok, "{{{{/%s}}}} does not close {{{{%s}}}}", closeName, name)
	}
	g.expect(lexer.TokenCloseRawBlock)
}

// expression: helperName param* hash?; it returns the helper name as the
// parser's Canonical() writes it, to match a block's closing tag.
func (g *grammar) expression() string {
	name := g.helperName()
	g.paramsAndHash()
	return name
}

func (g *grammar) paramsAndHash() {
	for g.isParam() {
		g.helperNameOrSexpr()
	}
	for g.isHashSegment() {
		g.shift()
		g.shift()
		g.helperNameOrSexpr()
	}
}

func (g *grammar) isParam() bool {
	switch g.next().Kind {
	case lexer.TokenOpenSexpr, lexer.TokenBoolean, lexer.TokenNumber, lexer.TokenString, lexer.TokenData, lexer.TokenID:
		return !g.isHashSegment()
	}
	return false
}

func (g *grammar) isHashSegment() bool {
	return g.next().Kind == lexer.TokenID && g.at(g.i+1).Kind == lexer.TokenEquals
}

func (g *grammar) helperNameOrSexpr() {
	if g.next().Kind != lexer.TokenOpenSexpr {
		g.helperName()
		return
	}
	g.nest(g.shift())
	g.expression()
	g.expect(lexer.TokenCloseSexpr)
	g.depth--
}

// helperName: path | @path | STRING | NUMBER | BOOLEAN.
func (g *grammar) helperName() string {
	t := g.next()
	switch t.Kind {
	case lexer.TokenBoolean, lexer.TokenString:
		g.shift()
		return t.Val
	case lexer.TokenNumber:
		g.shift()
		if i, err := strconv.Atoi(t.Val); err == nil {
			return strconv.Itoa(i)
		}
		f, err := strconv.ParseFloat(t.Val, 64)
		if err != nil {
			g.fail(t, "invalid number %s", t.Val)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case lexer.TokenData:
		g.shift()
		return "@" + g.path()
	}
	return g.path()
}

// path: ID (SEP ID)*, where .., . and this may only lead.
func (g *grammar) path() string {
	t := g.expect(lexer.TokenID)
	original, parts := t.Val, 0
	if t.Val != ".." && t.Val != "." && t.Val != "this" {
		parts++
	}
	for g.next().Kind == lexer.TokenSep {
		original += g.shift().Val
		t := g.expect(lexer.TokenID)
		original += t.Val
		switch t.Val {
		case "..", ".", "this":
			if parts > 0 {
				g.fail(t, "invalid path %s: \"..\", \".\" and \"this\" may only start a path", original)
			}
		default:
			parts++
		}
	}
	if len(original) >= 2 && original[0] == '[' && original[len(original)-1] == ']' {
		original = original[1 : len(original)-1]
	}
	return original
}
