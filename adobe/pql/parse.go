package pql

import (
	"fmt"
	"strings"

	"github.com/offermail/offermail/diag"
)

// Limits on what one PQL text may cost to parse: rules written by people
// are far below them; a hostile or broken export cannot exhaust memory or
// the stack.
const (
	MaxLen   = 64 << 10 // bytes of PQL text
	maxDepth = 100      // nesting of parentheses, lists, calls and operators
)

// Parse parses one PQL expression. Errors are *diag.Error with the line
// and column in src.
func Parse(src string) (Node, error) {
	if len(src) > MaxLen {
		return nil, &diag.Error{Code: diag.Limit, Line: 1, Col: 1, Msg: fmt.Sprintf("PQL text of %d bytes is over the limit of %d", len(src), MaxLen)}
	}
	p := &parser{lex: lexer{src: src}}
	n, err := p.parse()
	if err != nil {
		return nil, locate(err, src)
	}
	return n, nil
}

type parser struct {
	lex   lexer
	tok   token
	peek  *token
	depth int
}

func (p *parser) parse() (Node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errAt(0, "the rule is empty")
	}
	n, err := p.lambdaOrExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, errAt(p.tok.pos, "unexpected %s after a complete expression", describe(p.tok))
	}
	return n, nil
}

func (p *parser) advance() error {
	if p.peek != nil {
		p.tok, p.peek = *p.peek, nil
		return nil
	}
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) lookahead() (token, error) {
	if p.peek == nil {
		t, err := p.lex.next()
		if err != nil {
			return token{}, err
		}
		p.peek = &t
	}
	return *p.peek, nil
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of rule"
	case tString:
		return "string"
	case tNumber:
		return "number " + t.text
	}
	return "\"" + t.text + "\""
}

// is reports whether the current token is the keyword or symbol s
// (keywords in any case).
func (p *parser) is(s string) bool {
	switch p.tok.kind {
	case tIdent:
		return strings.EqualFold(p.tok.text, s)
	case tPunct, tOp:
		return p.tok.text == s
	}
	return false
}

func (p *parser) expect(s string) error {
	if !p.is(s) {
		return errAt(p.tok.pos, "expected %q, found %s", s, describe(p.tok))
	}
	return p.advance()
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errAt(p.tok.pos, "expression nests deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// lambdaOrExpr reads "(Profile) => body" or a plain expression.
func (p *parser) lambdaOrExpr() (Node, error) {
	if p.is("(") {
		// ( IDENT ) => …
		save, saveLex := p.tok, p.lex
		nt, err := p.lookahead()
		if err == nil && nt.kind == tIdent {
			p.peek = nil
			t2, err2 := p.lex.next()
			t3, err3 := p.lex.next()
			if err2 == nil && err3 == nil && t2.kind == tPunct && t2.text == ")" && t3.kind == tPunct && t3.text == "=>" {
				if err := p.advance(); err != nil {
					return nil, err
				}
				body, err := p.or()
				if err != nil {
					return nil, err
				}
				return &Lambda{At: save.pos, Var: nt.text, Body: body}, nil
			}
		}
		p.tok, p.lex, p.peek = save, saveLex, nil
	}
	return p.or()
}

func (p *parser) or() (Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.level(p.and, "or")
}

func (p *parser) and() (Node, error) { return p.level(p.not, "and") }

// level parses left-associative operators of one precedence: next reads
// an operand, ops are the operators (keywords in any case).
func (p *parser) level(next func() (Node, error), ops ...string) (Node, error) {
	x, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op := ""
		for _, o := range ops {
			if p.is(o) {
				op = o
			}
		}
		if op == "" {
			return x, nil
		}
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := next()
		if err != nil {
			return nil, err
		}
		x = &Binary{At: at, Op: op, X: x, Y: y}
	}
}

func (p *parser) not() (Node, error) {
	if p.is("not") || p.is("!") {
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Unary{At: at, Op: "not", X: x}, nil
	}
	return p.compare()
}

var cmpOps = map[string]bool{"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) compare() (Node, error) {
	x, err := p.additive()
	if err != nil {
		return nil, err
	}
	switch {
	case p.tok.kind == tOp && cmpOps[p.tok.text]:
		op, at := p.tok.text, p.tok.pos
		if op == "==" {
			op = "="
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &Binary{At: at, Op: op, X: x, Y: y}, nil
	case p.is("in"), p.is("notIn"), p.is("like"):
		op, at := p.tok.text, p.tok.pos
		switch {
		case strings.EqualFold(op, "in"):
			op = "in"
		case strings.EqualFold(op, "notIn"):
			op = "notIn"
		default:
			op = "like"
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &Binary{At: at, Op: op, X: x, Y: y}, nil
	case p.is("occurs"):
		return p.occurs(x)
	}
	return x, nil
}

func (p *parser) additive() (Node, error) { return p.level(p.multiplicative, "+", "-") }

func (p *parser) multiplicative() (Node, error) { return p.level(p.unary, "*", "/", "%") }

func (p *parser) unary() (Node, error) {
	if p.is("-") {
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Unary{At: at, Op: "-", X: x}, nil
	}
	return p.postfix()
}

func (p *parser) postfix() (Node, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.is("."):
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tIdent {
				return nil, errAt(p.tok.pos, "expected a field or function name after \".\", found %s", describe(p.tok))
			}
			name, at := p.tok.text, p.tok.pos
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.is("(") {
				args, err := p.args()
				if err != nil {
					return nil, err
				}
				x = &Call{At: at, Recv: x, Name: name, Args: args}
				continue
			}
			x = &Member{At: at, X: x, Name: name}
		case p.is("["):
			at := p.tok.pos
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.enter(); err != nil {
				return nil, err
			}
			idx, err := p.or()
			p.leave()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = &Index{At: at, X: x, Idx: idx}
		default:
			return x, nil
		}
	}
}
