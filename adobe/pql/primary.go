package pql

import "strings"

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
