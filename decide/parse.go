package decide

import (
	"math"
	"strings"

	"gopkg.in/yaml.v3"
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
	c := &condition{index: len(l.conds), src: key, prog: prog}
	l.conds[key] = c
	return src, c
}

// exprError reports an expression error at its place in the file: the
// expression's own line and column are mapped through the YAML scalar.
func (l *loader) exprError(s *source, n *yaml.Node, err error) {
	ee, ok := err.(*exprError)
	if !ok {
		s.errorf(n, "%v", err)
		return
	}
	line, col := scalarPosition(s, n, ee.line, ee.col)
	s.errAt(line, col, "%s", ee.msg)
}

// scalarPosition maps a 1-based line and column inside the value of scalar
// n to its position in the file. It is exact for single-line plain and
// quoted scalars and for literal blocks (|); for folded and multi-line
// flow scalars it points at the right line when it can.
func scalarPosition(s *source, n *yaml.Node, line, col int) (int, int) {
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		first := n.Line + 1
		indent := 0
		for l := first; l <= len(s.lines); l++ {
			text := s.line(l)
			if strings.TrimSpace(text) == "" {
				continue
			}
			indent = len(text) - len(strings.TrimLeft(text, " "))
			first = l
			break
		}
		if n.Style == yaml.FoldedStyle {
			return foldedPosition(s, first, indent, col)
		}
		return first + line - 1, indent + col
	}
	raw := s.line(n.Line)
	start := n.Column - 1 // 0-based byte offset of the scalar
	if start < 0 || start > len(raw) {
		return n.Line, n.Column
	}
	quote := byte(0)
	if n.Style == yaml.SingleQuotedStyle || n.Style == yaml.DoubleQuotedStyle {
		quote = raw[start]
		start++
	}
	if line > 1 {
		return n.Line + line - 1, col
	}
	// Walk the raw text, counting decoded bytes, so escapes are skipped.
	i, decoded := start, 0
	for i < len(raw) && decoded < col-1 {
		switch {
		case quote == '\'' && raw[i] == '\'' && i+1 < len(raw) && raw[i+1] == '\'':
			i += 2
		case quote == '"' && raw[i] == '\\' && i+1 < len(raw):
			i += 2
		default:
			i++
		}
		decoded++
	}
	return n.Line, i + 1
}

// foldedPosition finds decoded column col in a folded block whose content
// starts at line first with the given indent (lines are joined by spaces).
func foldedPosition(s *source, first, indent, col int) (int, int) {
	remaining := col - 1
	for l := first; l <= len(s.lines); l++ {
		text := s.line(l)
		if len(text) < indent || strings.TrimSpace(text[:indent]) != "" {
			break
		}
		content := text[indent:]
		if remaining <= len(content) {
			return l, indent + remaining + 1
		}
		remaining -= len(content) + 1
	}
	return first, indent + 1
}

// priority reads an offer's priority.
func priority(s *source, n *yaml.Node) int {
	v, _ := s.integer(n, "priority", 0, math.MaxInt32)
	return int(v)
}
