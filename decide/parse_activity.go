package decide

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
)

type collDef struct {
	c         *Collection
	src       *source
	node      *yaml.Node
	offerRefs []*yaml.Node
}

func (l *loader) collection(s *source, n *yaml.Node) {
	f := s.fields(n, "collection", "id", "name", "offers", "anyTags", "allTags")
	if f == nil || !required(s, n, f, "collection", "id") {
		return
	}
	id, ok := l.objectID(s, f, "collection")
	if !ok {
		return
	}
	c := &Collection{ID: id, Pos: s.pos(n)}
	d := &collDef{c: c, src: s, node: n}
	if v, ok := f["name"]; ok {
		s.str(v.val, "collection name")
	}
	set := 0
	if v, ok := f["offers"]; ok {
		set++
		c.Offers, d.offerRefs = s.ids(v.val, "offers")
	}
	if v, ok := f["anyTags"]; ok {
		set++
		c.AnyTags = s.strings(v.val, "anyTags")
	}
	if v, ok := f["allTags"]; ok {
		set++
		c.AllTags = s.strings(v.val, "allTags")
	}
	if set != 1 {
		s.errorf(n, "collection %q needs exactly one of offers, anyTags or allTags", id)
	}
	if define(l, s, n, "collection", id, l.lib.collections, func(c *Collection) Pos { return c.Pos }, c) {
		l.collDefs = append(l.collDefs, d)
	}
}

func (l *loader) resolveCollection(d *collDef) {
	c := d.c
	seen := map[string]bool{}
	add := func(o *Offer) {
		if !seen[o.ID] {
			seen[o.ID] = true
			c.members = append(c.members, o)
		}
	}
	for i, id := range c.Offers {
		o := l.lib.offers[id]
		if o == nil {
			hint := suggest(id, l.lib.offerIDsUnsorted())
			if l.lib.fallbacks[id] != nil {
				hint = " (it is a fallback; collections hold offers)"
			}
			d.src.errorc(diag.Undefined, d.offerRefs[i], "collection %q: unknown offer %q%s", c.ID, id, hint)
			continue
		}
		add(o)
	}
	if len(c.AnyTags) > 0 || len(c.AllTags) > 0 {
		for _, id := range l.lib.offerIDsUnsorted() {
			o := l.lib.offers[id]
			if matchesTags(o, c.AnyTags, c.AllTags) {
				add(o)
			}
		}
	}
	sort.Slice(c.members, func(i, j int) bool { return c.members[i].ID < c.members[j].ID })
}

func matchesTags(o *Offer, anyTags, allTags []string) bool {
	if len(anyTags) > 0 {
		for _, t := range anyTags {
			if o.tags[t] {
				return true
			}
		}
		return false
	}
	for _, t := range allTags {
		if !o.tags[t] {
			return false
		}
	}
	return len(allTags) > 0
}

func (lib *Library) offerIDsUnsorted() []string { return slices.Sorted(maps.Keys(lib.offers)) }

type actDef struct {
	a            *Activity
	src          *source
	fallbackNode *yaml.Node
	placements   []*placementDef
}

type placementDef struct {
	ap       *ActivityPlacement
	key      *yaml.Node
	criteria []*criterionDef
}

type criterionDef struct {
	c        *Criterion
	node     *yaml.Node
	collNode *yaml.Node
	ruleNode *yaml.Node
	rankNode *yaml.Node
}

func (l *loader) activity(s *source, n *yaml.Node) {
	f := s.fields(n, "activity", "id", "name", "status", "start", "end", "fallback", "allowDuplicates", "placements")
	if f == nil || !required(s, n, f, "activity", "id", "placements") {
		return
	}
	id, ok := l.objectID(s, f, "activity")
	if !ok {
		return
	}
	a := &Activity{ID: id, Name: id, Status: ActivityLive, Pos: s.pos(n), byPlacement: map[string]*ActivityPlacement{}}
	d := &actDef{a: a, src: s}
	if v, ok := f["name"]; ok {
		a.Name, _ = s.str(v.val, "activity name")
	}
	if v, ok := f["status"]; ok {
		st, _ := s.enum(v.val, "status", "draft", "live", "complete", "archived")
		a.Status = ActivityStatus(st)
	}
	if v, ok := f["start"]; ok {
		a.Start, _ = s.time(v.val, "start")
	}
	if v, ok := f["end"]; ok {
		a.End, _ = s.time(v.val, "end")
	}
	if !a.Start.IsZero() && !a.End.IsZero() && !a.End.After(a.Start) {
		s.errorf(f["end"].val, "end must be after start")
	}
	if v, ok := f["fallback"]; ok {
		a.Fallback, _ = s.id(v.val, "fallback")
		d.fallbackNode = v.val
	}
	if v, ok := f["allowDuplicates"]; ok {
		a.AllowDuplicates, _ = s.boolean(v.val, "allowDuplicates")
	}
	pl := resolve(f["placements"].val)
	places := s.fields(pl, "placements", placementKeys(pl)...)
	if places != nil && len(places) == 0 {
		s.errorc(diag.Missing, pl, "activity %q has no placements", id)
	}
	// Keep the order the placements were written in.
	names := slices.Sorted(maps.Keys(places))
	sort.SliceStable(names, func(i, j int) bool { return places[names[i]].key.Line < places[names[j]].key.Line })
	for _, name := range names {
		if pd := l.activityPlacement(s, a, places[name]); pd != nil {
			a.Placements = append(a.Placements, pd.ap)
			a.byPlacement[name] = pd.ap
			d.placements = append(d.placements, pd)
		}
	}
	if define(l, s, n, "activity", id, l.lib.activities, func(a *Activity) Pos { return a.Pos }, a) {
		l.actDefs = append(l.actDefs, d)
	}
}

func (l *loader) activityPlacement(s *source, a *Activity, pf field) *placementDef {
	name := pf.key.Value
	f := s.fields(pf.val, "placement "+name+" of activity "+a.ID, "items", "allowDuplicates", "criteria")
	if f == nil {
		return nil
	}
	ap := &ActivityPlacement{Placement: name, Pos: s.pos(pf.key)}
	pd := &placementDef{ap: ap, key: pf.key}
	if v, ok := f["items"]; ok {
		items, _ := s.integer(v.val, "items", 1, 30)
		ap.Items = int(items)
	}
	if v, ok := f["allowDuplicates"]; ok {
		b, _ := s.boolean(v.val, "allowDuplicates")
		ap.AllowDuplicates = &b
	}
	cf, ok := f["criteria"]
	if !ok {
		s.errorf(pf.key, "placement %q of activity %q has no criteria: add at least one {collection: ...}", name, a.ID)
		return pd
	}
	position := 0
	s.list(cf.val, "criteria", func(item *yaml.Node) {
		position++
		if cd := l.criterion(s, item, position); cd != nil {
			ap.Criteria = append(ap.Criteria, cd.c)
			pd.criteria = append(pd.criteria, cd)
		}
	})
	if resolve(cf.val).Kind == yaml.SequenceNode && len(resolve(cf.val).Content) == 0 {
		s.errorf(cf.val, "placement %q of activity %q has no criteria: add at least one {collection: ...}", name, a.ID)
	}
	return pd
}

func (l *loader) criterion(s *source, n *yaml.Node, position int) *criterionDef {
	f := s.fields(n, "criterion", "collection", "eligibility", "when", "rank", "group")
	if f == nil || !required(s, n, f, "criterion", "collection") {
		return nil
	}
	c := &Criterion{Rank: RankPriority, Group: position, Pos: s.pos(n)}
	cd := &criterionDef{c: c, node: n, collNode: f["collection"].val}
	c.Collection, _ = s.id(f["collection"].val, "collection")
	rule, hasRule := f["eligibility"]
	when, hasWhen := f["when"]
	switch {
	case hasRule && hasWhen:
		s.errorf(when.key, "a criterion has both eligibility and when: use one")
	case hasRule:
		c.Rule, _ = s.id(rule.val, "eligibility rule")
		cd.ruleNode = rule.val
	case hasWhen:
		c.When, c.cond = l.condition(s, when.val)
	}
	if v, ok := f["rank"]; ok {
		cd.rankNode = v.val
		if rank, ok := s.str(v.val, "rank"); ok {
			kind, id, _ := strings.Cut(rank, ":")
			switch {
			case rank == "priority":
			case (kind == "formula" || kind == "model") && idPattern.MatchString(id):
				c.Rank, c.RankID = RankKind(kind), id
			default:
				s.errorf(v.val, "rank %q is not valid: use priority, formula:<id> or model:<id>", rank)
			}
		}
	}
	if v, ok := f["group"]; ok {
		g, _ := s.integer(v.val, "group", 0, 1<<30)
		c.Group = int(g)
	}
	return cd
}

func (l *loader) resolveActivity(d *actDef) {
	a, s := d.a, d.src
	var fb *Offer
	if d.fallbackNode != nil && a.Fallback != "" {
		fb = l.lib.fallbacks[a.Fallback]
		if fb == nil {
			hint := suggest(a.Fallback, slices.Sorted(maps.Keys(l.lib.fallbacks)))
			if l.lib.offers[a.Fallback] != nil {
				hint = " (it is an offer; list fallbacks under fallbacks:)"
			}
			s.errorc(diag.Undefined, d.fallbackNode, "activity %q: unknown fallback %q%s", a.ID, a.Fallback, hint)
		}
	}
	for _, pd := range d.placements {
		name := pd.ap.Placement
		p := l.lib.placements[name]
		if p == nil {
			s.errorc(diag.Undefined, pd.key, "activity %q uses unknown placement %q%s", a.ID, name, suggest(name, slices.Sorted(maps.Keys(l.lib.placements))))
			continue
		}
		if fb != nil && fb.Content[name] == nil {
			if _, written := findContentDef(l.fallbackDefs, fb, name); !written {
				s.errorc(diag.Missing, d.fallbackNode, "fallback %q has no content for placement %q, which activity %q uses", fb.ID, name, a.ID)
			}
		}
		for _, cd := range pd.criteria {
			l.resolveCriterion(s, a, cd)
		}
	}
}

// findContentDef reports whether the fallback wrote content for placement,
// even if that content had its own error, so one mistake is reported once.
func findContentDef(defs []*offerDef, o *Offer, placement string) (*offerDef, bool) {
	for _, d := range defs {
		if d.o != o {
			continue
		}
		for _, c := range d.content {
			if c.placement.Value == placement {
				return d, true
			}
		}
	}
	return nil, false
}

func (l *loader) resolveCriterion(s *source, a *Activity, cd *criterionDef) {
	c := cd.c
	if c.Collection != "" {
		if c.collection = l.lib.collections[c.Collection]; c.collection == nil {
			s.errorc(diag.Undefined, cd.collNode, "activity %q: unknown collection %q%s", a.ID, c.Collection, suggest(c.Collection, slices.Sorted(maps.Keys(l.lib.collections))))
		}
	}
	if cd.ruleNode != nil && c.Rule != "" {
		r := l.lib.rules[c.Rule]
		if r == nil {
			s.errorc(diag.Undefined, cd.ruleNode, "activity %q: unknown rule %q%s", a.ID, c.Rule, suggest(c.Rule, slices.Sorted(maps.Keys(l.lib.rules))))
		} else {
			c.cond = r.cond
		}
	}
	if c.Rank == RankFormula {
		if c.formula = l.lib.formulas[c.RankID]; c.formula == nil {
			s.errorc(diag.Undefined, cd.rankNode, "activity %q: unknown formula %q%s", a.ID, c.RankID, suggest(c.RankID, slices.Sorted(maps.Keys(l.lib.formulas))))
		}
	}
}
