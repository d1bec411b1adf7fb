package decide

import (
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
)

// This file reads placements, rules, formulas and the expressions inside
// them. Offers, collections and activities are in parse_offer.go and
// parse_activity.go.

func (l *loader) placement(s *source, n *yaml.Node) {
	f := s.fields(n, "placement", "id", "name", "channel", "content", "items")
	if f == nil || !required(s, n, f, "placement", "id", "content") {
		return
	}
	id, ok := l.objectID(s, f, "placement")
	if !ok {
		return
	}
	p := &Placement{ID: id, Name: id, Channel: ChannelEmail, Items: 1, Pos: s.pos(n)}
	if v, ok := f["name"]; ok {
		p.Name, _ = s.str(v.val, "placement name")
	}
	if v, ok := f["channel"]; ok {
		c, _ := s.enum(v.val, "channel", "email", "web", "mobile", "sms", "push")
		p.Channel = Channel(c)
	}
	c, _ := s.enum(f["content"].val, "content", "html", "text", "image", "json")
	p.Content = ContentType(c)
	if v, ok := f["items"]; ok {
		items, _ := s.integer(v.val, "items", 1, 30)
		p.Items = int(max(items, 1))
	}
	define(l, s, n, "placement", id, l.lib.placements, func(p *Placement) Pos { return p.Pos }, p)
}

func (l *loader) rule(s *source, n *yaml.Node) {
	f := s.fields(n, "rule", "id", "name", "when")
	if f == nil || !required(s, n, f, "rule", "id", "when") {
		return
	}
	id, ok := l.objectID(s, f, "rule")
	if !ok {
		return
	}
	r := &Rule{ID: id, Pos: s.pos(n)}
	if v, ok := f["name"]; ok {
		s.str(v.val, "rule name")
	}
	r.When, r.cond = l.condition(s, f["when"].val)
	define(l, s, n, "rule", id, l.lib.rules, func(r *Rule) Pos { return r.Pos }, r)
}

func (l *loader) formula(s *source, n *yaml.Node) {
	f := s.fields(n, "formula", "id", "name", "score")
	if f == nil || !required(s, n, f, "formula", "id", "score") {
		return
	}
	id, ok := l.objectID(s, f, "formula")
	if !ok {
		return
	}
	fm := &Formula{ID: id, Pos: s.pos(n)}
	if v, ok := f["name"]; ok {
		s.str(v.val, "formula name")
	}
	src, ok := s.str(f["score"].val, "score")
	if ok {
		fm.Score = src
		prog, dynamic, err := compileExpr(src, formulaExpr)
		if err != nil {
			l.exprError(s, f["score"].val, err)
		} else {
			fm.prog = &scorer{src: src, prog: prog, static: !dynamic}
			if dynamic {
				fm.prog.split = newSplit(prog.Node(), l.lib.recipSlots)
				l.lib.recipSlots += len(fm.prog.split.recip)
			}
		}
	}
	define(l, s, n, "formula", id, l.lib.formulas, func(f *Formula) Pos { return f.Pos }, fm)
}

// condition compiles a `when` expression, sharing one compiled condition
// among every rule and inline `when` with the same text.
func (l *loader) condition(s *source, n *yaml.Node) (string, *condition) {
	src, ok := s.str(n, "when")
	if !ok {
		return "", nil
	}
	key := strings.TrimSpace(src)
	if c := l.conds[key]; c != nil {
		return src, c
	}
	prog, _, err := compileExpr(src, ruleExpr)
	if err != nil {
		l.exprError(s, n, err)
		return src, nil
	}
	c := &condition{index: len(l.conds), src: key, prog: prog, rule: l.lib.paths.newRule(prog.Node())}
	l.conds[key] = c
	return src, c
}

// exprError reports an expression error at its place in the file: the
// expression's own line and column are mapped through the YAML scalar.
func (l *loader) exprError(s *source, n *yaml.Node, err error) {
	ee, ok := err.(*exprError)
	if !ok {
		s.errorc(diag.Expression, n, "%v", err)
		return
	}
	line, col := scalarPosition(s, n, ee.line, ee.col)
	s.errAt(ee.code, line, col, "%s", ee.msg)
}

// priority reads an offer's priority.
func priority(s *source, n *yaml.Node) int {
	v, _ := s.integer(n, "priority", 0, math.MaxInt32)
	return int(v)
}
