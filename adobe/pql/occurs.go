package pql

import (
	"strings"
)

// units maps PQL's time units, singular and plural, to one name.
var units = map[string]string{
	"millisecond": "millisecond", "milliseconds": "millisecond",
	"second": "second", "seconds": "second",
	"minute": "minute", "minutes": "minute",
	"hour": "hour", "hours": "hour",
	"day": "day", "days": "day",
	"week": "week", "weeks": "week",
	"month": "month", "months": "month",
	"year": "year", "years": "year",
	"decade": "decade", "decades": "decade",
	"century": "century", "centuries": "century",
	"millennium": "millennium", "millennia": "millennium",
}

// occurs reads what follows "X occurs":
//
//	occurs <cmp> N <unit> before|after|from <time>
//	occurs before|after|from <time>
//	occurs [on] <time>
//	occurs between <time> and <time>
//	occurs this|last|next <unit>
func (p *parser) occurs(x Node) (Node, error) {
	o := &Occurs{At: p.tok.pos, X: x}
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch {
	case p.tok.kind == tOp && cmpOps[p.tok.text]:
		o.Form, o.Cmp = "rel", p.tok.text
		if o.Cmp == "==" {
			o.Cmp = "="
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tNumber || strings.ContainsAny(p.tok.text, ".eE") {
			return nil, errAt(p.tok.pos, "expected a whole number of time units after %q, found %s", o.Cmp, describe(p.tok))
		}
		o.N = &Lit{At: p.tok.pos, Kind: "number", Val: p.tok.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.unit(o); err != nil {
			return nil, err
		}
		if !(p.is("before") || p.is("after") || p.is("from")) {
			return nil, errAt(p.tok.pos, "expected before, after or from, found %s", describe(p.tok))
		}
		o.Dir = strings.ToLower(p.tok.text)
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, err := p.timeRef()
		if err != nil {
			return nil, err
		}
		o.T = t
	case p.is("before"), p.is("after"), p.is("from"):
		o.Form, o.Dir = "dir", strings.ToLower(p.tok.text)
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, err := p.timeRef()
		if err != nil {
			return nil, err
		}
		o.T = t
	case p.is("between"):
		o.Form = "between"
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, err := p.timeRef()
		if err != nil {
			return nil, err
		}
		if err := p.expect("and"); err != nil {
			return nil, err
		}
		t2, err := p.timeRef()
		if err != nil {
			return nil, err
		}
		o.T, o.T2 = t, t2
	case p.is("this"), p.is("last"), p.is("next"):
		o.Form, o.Which = "period", strings.ToLower(p.tok.text)
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.unit(o); err != nil {
			return nil, err
		}
	default:
		o.Form = "on"
		if p.is("on") {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		t, err := p.timeRef()
		if err != nil {
			return nil, err
		}
		o.T = t
	}
	return o, nil
}

func (p *parser) unit(o *Occurs) error {
	u, ok := units[strings.ToLower(p.tok.text)]
	if p.tok.kind != tIdent || !ok {
		return errAt(p.tok.pos, "expected a time unit (day, week, month, …), found %s", describe(p.tok))
	}
	o.Unit, o.UnitAt = u, p.tok.pos
	return p.advance()
}

// timeRef reads a point in time: now, today, yesterday, tomorrow,
// date(y, m, d), or a timestamp attribute.
func (p *parser) timeRef() (Node, error) {
	if p.is("this") || p.is("last") || p.is("next") {
		return nil, unsupportedAt(p.tok.pos, "a relative period (%s …) as the reference time is not supported; compare with now or today", p.tok.text)
	}
	return p.additive()
}
