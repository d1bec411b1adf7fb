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

// Node is a PQL syntax tree node. Pos is the byte offset where it starts.
type Node interface{ Pos() int }

type (
	// Lit is a literal: Kind is "string", "number", "bool" or "null".
	Lit struct {
		At   int
		Kind string
		Val  string
	}
	// Ident is a bare name: the start of a path, or a keyword used as a value
	// (now, today).
	Ident struct {
		At   int
		Name string
	}
	// Param is $1, $2…: the query's parameters ($1 is the profile).
	Param struct {
		At int
		N  string
	}
	// ContextRef is @{schema}: the context data of the decision request.
	ContextRef struct {
		At     int
		Schema string
	}
	// Member is X.Name.
	Member struct {
		At   int
		X    Node
		Name string
	}
	// Index is X[I].
	Index struct {
		At  int
		X   Node
		Idx Node
	}
	// Call is Name(Args) when Recv is nil, else Recv.Name(Args).
	Call struct {
		At   int
		Recv Node
		Name string
		Args []Node
	}
	// Unary is "not X", "!X" or "-X".
	Unary struct {
		At int
		Op string
		X  Node
	}
	// Binary is X Op Y: or, and, = != < <= > >=, + - * / %, in, notIn, like.
	Binary struct {
		At   int
		Op   string
		X, Y Node
	}
	// List is [a, b, …].
	List struct {
		At    int
		Items []Node
	}
	// Quant is "exists V from X where C" or "forall …".
	Quant struct {
		At   int
		Kind string
		Var  string
		From Node
		Cond Node
	}
	// Lambda is "(V) => Body": V names the profile.
	Lambda struct {
		At   int
		Var  string
		Body Node
	}
	// Occurs is a date test, "X occurs …". Form is one of:
	//   "rel":     X occurs Cmp N Unit Dir T   (<= 3 days before now)
	//   "dir":     X occurs Dir T              (before today)
	//   "on":      X occurs [on] T             (on date(2026, 1, 1))
	//   "between": X occurs between T and T2
	//   "period":  X occurs Which Unit         (last month)
	Occurs struct {
		At     int
		X      Node
		Form   string
		Cmp    string
		N      Node
		Unit   string
		Dir    string
		T, T2  Node
		Which  string
		UnitAt int
	}
)

func (n *Lit) Pos() int        { return n.At }
func (n *Ident) Pos() int      { return n.At }
func (n *Param) Pos() int      { return n.At }
func (n *ContextRef) Pos() int { return n.At }
func (n *Member) Pos() int     { return n.At }
func (n *Index) Pos() int      { return n.At }
func (n *Call) Pos() int       { return n.At }
func (n *Unary) Pos() int      { return n.At }
func (n *Binary) Pos() int     { return n.At }
func (n *List) Pos() int       { return n.At }
func (n *Quant) Pos() int      { return n.At }
func (n *Lambda) Pos() int     { return n.At }
func (n *Occurs) Pos() int     { return n.At }

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
	x, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.is("or") {
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.and()
		if err != nil {
			return nil, err
		}
		x = &Binary{At: at, Op: "or", X: x, Y: y}
	}
	return x, nil
}

func (p *parser) and() (Node, error) {
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.is("and") {
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.not()
		if err != nil {
			return nil, err
		}
		x = &Binary{At: at, Op: "and", X: x, Y: y}
	}
	return x, nil
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

func (p *parser) additive() (Node, error) {
	x, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for p.is("+") || p.is("-") {
		op, at := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		x = &Binary{At: at, Op: op, X: x, Y: y}
	}
	return x, nil
}

func (p *parser) multiplicative() (Node, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.is("*") || p.is("/") || p.is("%") {
		op, at := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		x = &Binary{At: at, Op: op, X: x, Y: y}
	}
	return x, nil
}

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

// args reads "( a, b, … )", the current token being "(".
func (p *parser) args() ([]Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	var args []Node
	for !p.is(")") {
		if len(args) > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		a, err := p.or()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	return args, p.advance()
}

// keywords that start constructs offermail has no equivalent for.
var unsupportedKeywords = map[string]string{
	"select": "\"select … from\" queries read experience events or build lists, which offermail rules cannot",
	"let":    "\"let\" variables are not supported",
	"chain":  "\"chain\" event sequences are not supported",
}

func (p *parser) primary() (Node, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		return &Lit{At: t.pos, Kind: "number", Val: t.text}, p.advance()
	case tString:
		return &Lit{At: t.pos, Kind: "string", Val: t.text}, p.advance()
	case tParam:
		return &Param{At: t.pos, N: t.text}, p.advance()
	case tContext:
		return &ContextRef{At: t.pos, Schema: t.text}, p.advance()
	case tIdent:
		lower := strings.ToLower(t.text)
		switch lower {
		case "true", "false":
			return &Lit{At: t.pos, Kind: "bool", Val: lower}, p.advance()
		case "null":
			return &Lit{At: t.pos, Kind: "null", Val: "null"}, p.advance()
		case "exists", "forall":
			return p.quant(lower)
		}
		if why, ok := unsupportedKeywords[lower]; ok {
			return nil, unsupportedAt(t.pos, "%s", why)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.is("(") {
			args, err := p.args()
			if err != nil {
				return nil, err
			}
			return &Call{At: t.pos, Name: t.text, Args: args}, nil
		}
		return &Ident{At: t.pos, Name: t.text}, nil
	case tPunct:
		switch t.text {
		case "(":
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.enter(); err != nil {
				return nil, err
			}
			x, err := p.or()
			p.leave()
			if err != nil {
				return nil, err
			}
			return x, p.expect(")")
		case "[":
			return p.list()
		}
	}
	return nil, errAt(t.pos, "expected a value, found %s", describe(t))
}

func (p *parser) list() (Node, error) {
	at := p.tok.pos
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	l := &List{At: at}
	for !p.is("]") {
		if len(l.Items) > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, x)
	}
	return l, p.advance()
}

// quant reads "exists V from X where C" (or ": C", or no condition).
func (p *parser) quant(kind string) (Node, error) {
	at := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tIdent {
		return nil, errAt(p.tok.pos, "expected a variable name after %q, found %s", kind, describe(p.tok))
	}
	q := &Quant{At: at, Kind: kind, Var: p.tok.text}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expect("from"); err != nil {
		return nil, err
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	from, err := p.postfix()
	if err != nil {
		return nil, err
	}
	q.From = from
	if p.is(",") {
		return nil, unsupportedAt(p.tok.pos, "%s over several lists at once is not supported", kind)
	}
	if p.is("where") || p.is(":") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		q.Cond = c
		if p.is(",") {
			return nil, unsupportedAt(p.tok.pos, "%s over several lists at once is not supported", kind)
		}
	}
	return q, nil
}
