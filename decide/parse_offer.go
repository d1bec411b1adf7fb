package decide

import (
	"maps"
	"math"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
)

// offerDef is an offer or fallback read from a file, with what can only be
// checked once every file is read.
type offerDef struct {
	o        *Offer
	src      *source
	ruleNode *yaml.Node // eligibility: rule id
	content  []contentDef
}

type contentDef struct {
	placement *yaml.Node // the key
	fields    map[string]field
}

var offerFields = []string{"id", "name", "status", "start", "end", "priority", "eligibility", "when", "tags", "attributes", "caps", "content"}
var fallbackFields = []string{"id", "name", "tags", "attributes", "content"}

func (l *loader) offer(s *source, n *yaml.Node, fallback bool) {
	kind, allowed := "offer", offerFields
	if fallback {
		kind, allowed = "fallback", fallbackFields
	}
	f := s.fields(n, kind, allowed...)
	if f == nil || !required(s, n, f, kind, "id", "content") {
		return
	}
	id, ok := l.objectID(s, f, kind)
	if !ok {
		return
	}
	o := &Offer{ID: id, Name: id, Status: OfferApproved, Fallback: fallback, Pos: s.pos(n), tags: map[string]bool{}}
	d := &offerDef{o: o, src: s}
	if v, ok := f["name"]; ok {
		o.Name, _ = s.str(v.val, kind+" name")
	}
	if v, ok := f["status"]; ok {
		st, _ := s.enum(v.val, "status", "draft", "approved", "archived")
		o.Status = OfferStatus(st)
	}
	if v, ok := f["start"]; ok {
		o.Start, _ = s.time(v.val, "start")
	}
	if v, ok := f["end"]; ok {
		o.End, _ = s.time(v.val, "end")
	}
	if !o.Start.IsZero() && !o.End.IsZero() && !o.End.After(o.Start) {
		s.errorf(f["end"].val, "end %s must be after start %s", o.End.Format("2006-01-02T15:04:05Z07:00"), o.Start.Format("2006-01-02T15:04:05Z07:00"))
	}
	if v, ok := f["priority"]; ok {
		o.Priority = priority(s, v.val)
	}
	rule, hasRule := f["eligibility"]
	when, hasWhen := f["when"]
	switch {
	case hasRule && hasWhen:
		s.errorf(when.key, "offer %q has both eligibility and when: use a rule id or an inline expression, not both", id)
	case hasRule:
		o.Rule, _ = s.id(rule.val, "eligibility rule")
		d.ruleNode = rule.val
	case hasWhen:
		o.When, o.cond = l.condition(s, when.val)
	}
	if v, ok := f["tags"]; ok {
		o.Tags = s.strings(v.val, "tags")
		for _, t := range o.Tags {
			o.tags[t] = true
		}
	}
	if v, ok := f["attributes"]; ok {
		if resolve(v.val).Kind != yaml.MappingNode {
			s.errorf(v.val, "attributes must be a mapping of names to values, not %s", kindName(resolve(v.val)))
		} else if a, ok := s.value(v.val, "attributes"); ok {
			o.Attributes = a.(map[string]any)
		}
	}
	if v, ok := f["caps"]; ok {
		o.Caps = l.caps(s, v.val)
	}
	cf := f["content"]
	content := s.fields(cf.val, "content", placementKeys(resolve(cf.val))...)
	for _, name := range slices.Sorted(maps.Keys(content)) {
		c := content[name]
		cfields := s.fields(c.val, "content of placement "+name, "html", "text", "image", "alt", "link", "json")
		if cfields == nil {
			continue
		}
		d.content = append(d.content, contentDef{placement: c.key, fields: cfields})
	}
	table, defs := l.lib.offers, &l.offerDefs
	if fallback {
		table, defs = l.lib.fallbacks, &l.fallbackDefs
	}
	if define(l, s, n, kind, id, table, func(o *Offer) Pos { return o.Pos }, o) {
		*defs = append(*defs, d)
	}
}

// placementKeys returns the keys of a content mapping, so that fields()
// accepts any placement name; unknown placements are checked in resolve.
func placementKeys(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	for i := 0; i < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

const maxCaps = 10

func (l *loader) caps(s *source, n *yaml.Node) []Cap {
	var caps []Cap
	s.list(n, "caps", func(item *yaml.Node) {
		if len(caps) == maxCaps {
			s.errorc(diag.Limit, item, "an offer has at most %d caps", maxCaps)
			return
		}
		f := s.fields(item, "cap", "scope", "limit", "every", "placement")
		if f == nil || !required(s, item, f, "cap", "scope", "limit") {
			return
		}
		c := Cap{Pos: s.pos(item)}
		scope, _ := s.enum(f["scope"].val, "cap scope", "profile", "total")
		c.Scope = CapScope(scope)
		c.Limit, _ = s.integer(f["limit"].val, "cap limit", 1, math.MaxInt64)
		if v, ok := f["every"]; ok {
			every, _ := s.enum(v.val, "cap window (every)", "day", "week", "month")
			c.Every = Every(every)
		}
		if v, ok := f["placement"]; ok {
			p, _ := s.enum(v.val, "cap placement", "any", "each")
			c.PerPlacement = p == "each"
		}
		caps = append(caps, c)
	})
	return caps
}

// contentFields says which fields each content type takes; the first is
// required.
var contentFields = map[ContentType][]string{
	ContentHTML:  {"html", "link"},
	ContentText:  {"text", "link"},
	ContentImage: {"image", "alt", "link"},
	ContentJSON:  {"json"},
}

func (l *loader) resolveOffer(d *offerDef) {
	o, s := d.o, d.src
	if d.ruleNode != nil && o.Rule != "" {
		if r := l.lib.rules[o.Rule]; r == nil {
			s.errorc(diag.Undefined, d.ruleNode, "offer %q: unknown rule %q%s", o.ID, o.Rule, suggest(o.Rule, slices.Sorted(maps.Keys(l.lib.rules))))
		} else {
			o.cond = r.cond
		}
	}
	o.Content = make(map[string]*Content, len(d.content))
	for _, cd := range d.content {
		name := cd.placement.Value
		p := l.lib.placements[name]
		if p == nil {
			s.errorc(diag.Undefined, cd.placement, "%s %q has content for unknown placement %q%s", offerKind(o), o.ID, name, suggest(name, slices.Sorted(maps.Keys(l.lib.placements))))
			continue
		}
		if contentFields[p.Content] == nil {
			continue // the placement's own type is wrong, reported there
		}
		if c := l.content(s, o, p, cd); c != nil {
			o.Content[name] = c
			if l.contentCheck != nil {
				l.contentCheck(o, name, c, func(field string, e *diag.Error) {
					pos := c.Position(field, max(e.Line, 1), max(e.Col, 1))
					s.errs.Add((&diag.Error{Code: e.Code, File: s.name, Line: pos.Line, Col: pos.Col, Msg: e.Msg, Err: e.Err}).BindLine(s.line(pos.Line)))
				})
			}
		}
	}
}

func offerKind(o *Offer) string {
	if o.Fallback {
		return "fallback"
	}
	return "offer"
}

func (l *loader) content(s *source, o *Offer, p *Placement, cd contentDef) *Content {
	allowed := contentFields[p.Content]
	c := &Content{Type: p.Content, Pos: map[string]Pos{}, at: map[string]func(int, int) Pos{}}
	ok := true
	keys := slices.Sorted(maps.Keys(cd.fields))
	sort.SliceStable(keys, func(i, j int) bool { return cd.fields[keys[i]].key.Line < cd.fields[keys[j]].key.Line })
	for _, name := range keys {
		fd := cd.fields[name]
		if !contains(allowed, name) {
			s.errorc(diag.Unknown, fd.key, "placement %q takes %s content (%s), so %q does not belong here", p.ID, p.Content, orList(allowed), name)
			ok = false
			continue
		}
		c.Pos[name] = s.pos(fd.val)
		val := fd.val
		c.at[name] = func(line, col int) Pos {
			l, cl := scalarPosition(s, val, line, col)
			return Pos{File: s.name, Line: l, Col: cl}
		}
		if name == "json" {
			c.JSON, _ = s.value(fd.val, "json")
			continue
		}
		v, vok := s.str(fd.val, name)
		if !vok {
			ok = false
			continue
		}
		switch name {
		case "html":
			c.HTML = v
		case "text":
			c.Text = v
		case "image":
			c.Image = v
		case "alt":
			c.Alt = v
		case "link":
			c.Link = v
		}
	}
	if _, has := cd.fields[allowed[0]]; !has && ok {
		s.errorc(diag.Missing, cd.placement, "%s %q: content for placement %q needs %q (the placement takes %s content)", offerKind(o), o.ID, p.ID, allowed[0], p.Content)
		ok = false
	}
	if !ok {
		return nil
	}
	return c
}
