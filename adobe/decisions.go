package adobe

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// collection converts a collection (offer filter): any or all of some
// tags, or a static list of offers.
func (c *converter) collection(in *instance) {
	m := newMap()
	m.comment(header(in))
	m.str("id", c.assignID(in))
	if in.name != "" {
		m.str("name", in.name)
	}
	ids := in.v.field("ids")
	skip(in.v, "description", "labels")
	ft := in.v.field("filterType")
	if ft == nil {
		if expr := in.v.field("value"); expr != nil {
			markAll(expr)
			c.report.untranslated(in, expr, "a filter expression tree (the 2019 offer-filter form) is not translated; the collection is written empty: list its offers or tags by hand", "")
			c.lib.collections = append(c.lib.collections, m.list("offers", nil))
			return
		}
		c.errorf(in.v, "collection %q has no filterType (anyTags, allTags or offers)", in.adobeID)
		return
	}
	s, ok := c.str(ft, "filterType")
	if !ok {
		return
	}
	if ids == nil {
		c.errorf(in.v, "collection %q has no ids (the tags or offers it selects)", in.adobeID)
		return
	}
	refs := c.strings(ids, "ids")
	if len(refs) != len(ids.items) {
		return
	}
	norm := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s))
	var out []string
	switch norm {
	case "anytags", "alltags":
		for i, id := range refs {
			if tag, ok := c.tags[id]; ok {
				out = append(out, tag)
			} else {
				c.errorf(ids.items[i], "tag %q is not in the export: add the tags (collection qualifiers) listing to the files imported", id)
			}
		}
		key := "anyTags"
		if norm == "alltags" {
			key = "allTags"
		}
		if len(out) == 0 {
			// An empty tag filter selects nothing in Adobe; an empty list
			// of offers says the same to offermail.
			m.list("offers", nil)
		} else {
			m.list(key, out)
		}
	case "offers":
		for i := range refs {
			if o := c.lookup(ids.items[i], "offer", kOffer); o != nil {
				out = append(out, c.ids[o])
			}
		}
		m.list("offers", out)
	default:
		c.errorf(ft, "filterType %q is not anyTags, allTags or offers", s)
		return
	}
	c.lib.collections = append(c.lib.collections, m)
}

// activityPlacement collects the criteria of one placement of a decision.
type activityPlacement struct {
	id       string
	criteria []*ymap
}

// decision converts a decision (offer activity): each evaluation
// criterion names placements, a collection (or a direct list of offers),
// an optional eligibility and a ranking; criteria of one placement are
// evaluated in the order written, each filling what the earlier ones left
// empty, as offermail's criteria groups do (SPEC §4).
func (c *converter) decision(in *instance) {
	id := c.assignID(in)
	m := newMap()
	m.comment(header(in))
	m.str("id", id)
	if in.name != "" {
		m.str("name", in.name)
	}
	v := in.v
	if st := v.field("status"); st != nil {
		if s, ok := c.str(st, "status"); ok {
			switch s {
			case "draft", "live", "complete", "archived":
				m.str("status", s)
			default:
				c.errorf(st, "status %q is not draft, live, complete or archived", s)
			}
		}
	}
	c.activityDates(in, m)
	if fb := v.field("fallback"); fb != nil {
		if f := c.lookup(fb, "fallback offer", kFallback); f != nil {
			m.str("fallback", c.ids[f])
		}
	}
	skip(v, "description", "labels")
	var places []*activityPlacement
	byID := map[string]*activityPlacement{}
	addCriterion := func(pv *value, crit *ymap) {
		p := c.lookup(pv, "placement", kPlacement)
		if p == nil {
			return
		}
		pid := c.ids[p]
		ap := byID[pid]
		if ap == nil {
			ap = &activityPlacement{id: pid}
			byID[pid] = ap
			places = append(places, ap)
		}
		// Each criterion is a map of its own: the same one may serve
		// several placements.
		cp := newMap()
		cp.n.Content = append(cp.n.Content, crit.n.Content...)
		cp.n.Style = yaml.FlowStyle
		ap.criteria = append(ap.criteria, cp)
	}
	if crits := v.field("criteria"); crits != nil {
		if crits.kind != '[' {
			c.errorf(crits, "criteria must be an array, not %s", kindName(crits.kind))
			return
		}
		for i, cr := range crits.items {
			if cr.kind != '{' {
				c.errorf(cr, "a criterion must be an object, not %s", kindName(cr.kind))
				continue
			}
			crit := c.criterion(in, cr, id, i)
			pls := cr.field("placements")
			if crit == nil || pls == nil {
				if pls == nil {
					c.errorf(cr, "criterion has no placements")
				}
				continue
			}
			if pls.kind != '[' {
				c.errorf(pls, "placements must be an array, not %s", kindName(pls.kind))
				continue
			}
			for _, pv := range pls.items {
				addCriterion(pv, crit)
			}
		}
	} else if pv := v.field("placement"); pv != nil {
		// The 2019 form: one placement and one filter on the activity.
		if crit := c.criterion(in, v, id, 0); crit != nil {
			addCriterion(pv, crit)
		}
	} else {
		c.errorf(v, "decision %q has no criteria", in.adobeID)
		return
	}
	if len(places) == 0 {
		return
	}
	pm := newMap()
	for _, ap := range places {
		one := newMap()
		for p, dup := range c.placementDup {
			if c.ids[p] == ap.id && dup {
				one.boolean("allowDuplicates", true)
			}
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, cr := range ap.criteria {
			seq.Content = append(seq.Content, cr.n)
		}
		one.set("criteria", seq)
		pm.sub(ap.id, one)
	}
	m.sub("placements", pm)
	c.lib.activities = append(c.lib.activities, m)
}

func (c *converter) activityDates(in *instance, m *ymap) {
	start, end := in.v.field("startDate"), in.v.field("endDate")
	var s, e string
	if start != nil {
		if t, ok := c.timestamp(start, "startDate"); ok {
			s = t.Format("2006-01-02T15:04:05Z07:00")
		}
	}
	if end != nil {
		if t, ok := c.timestamp(end, "endDate"); ok {
			e = t.Format("2006-01-02T15:04:05Z07:00")
		}
	}
	if s != "" && e != "" && e <= s {
		c.report.approximated(in, end, "endDate %s is not after startDate %s: the decision can never decide, so it is imported as archived without dates", end.text, start.text)
		for i := 0; i < len(m.n.Content); i += 2 {
			if m.n.Content[i].Value == "status" {
				m.n.Content[i+1].Value = "archived"
				return
			}
		}
		m.str("status", "archived")
		return
	}
	if s != "" {
		m.str("start", s)
	}
	if e != "" {
		m.str("end", e)
	}
}

// criterion converts one evaluation criterion (or, in the 2019 form, the
// activity itself): its collection, eligibility and ranking.
func (c *converter) criterion(in *instance, cr *value, activity string, n int) *ymap {
	crit := newMap()
	skip(cr, "description")
	sel := cr.field("optionSelection")
	var filter, options *value
	if sel != nil {
		skip(sel, "description", "optionSelectionType")
		filter, options = sel.field("filter"), sel.field("options")
	} else {
		filter = cr.field("filter")
	}
	switch {
	case filter != nil:
		if col := c.lookup(filter, "collection", kCollection); col != nil {
			crit.str("collection", c.ids[col])
		} else {
			return nil
		}
	case options != nil:
		// A direct list of offers: offermail criteria name collections, so
		// it becomes a collection of its own.
		var ids []string
		if options.kind != '[' {
			c.errorf(options, "options must be an array, not %s", kindName(options.kind))
			return nil
		}
		for _, ov := range options.items {
			if o := c.lookup(ov, "offer", kOffer); o != nil {
				ids = append(ids, c.ids[o])
			}
		}
		cid := c.claim(kCollection, activity+"-offers-"+strconv.Itoa(n+1))
		col := newMap()
		col.comment("The direct list of offers of " + header(in) + ", criterion " + strconv.Itoa(n+1) + ".")
		col.str("id", cid).list("offers", ids)
		c.lib.collections = append(c.lib.collections, col)
		crit.str("collection", cid)
	default:
		c.errorf(cr, "criterion has no optionSelection.filter (a collection) or optionSelection.options (offers)")
		return nil
	}
	for _, name := range []string{"profileConstraint", "profileConstraints"} {
		if pc := cr.field(name); pc != nil {
			if pc.kind != '{' {
				c.errorf(pc, "%s must be an object, not %s", name, kindName(pc.kind))
				return nil
			}
			c.eligibility(in, pc, crit, "criterion")
		}
	}
	for _, name := range []string{"rank", "ranking"} {
		if rk := cr.field(name); rk != nil {
			if rank := c.ranking(in, rk); rank != "" {
				crit.str("rank", rank)
			}
		}
	}
	return crit
}

// ranking converts a criterion's ranking: offer priority, a ranking
// formula, or an AI ranking strategy (offermail's learned ranking).
func (c *converter) ranking(in *instance, rk *value) string {
	if rk.kind != '{' {
		c.errorf(rk, "ranking must be an object, not %s", kindName(rk.kind))
		return ""
	}
	if p := rk.field("priority"); p != nil {
		c.report.ignored(in, p, "a criterion's own priority is not kept: criteria are evaluated in the order written")
	}
	order := rk.field("order")
	if order == nil {
		return ""
	}
	typ := ""
	if t := order.field("orderEvaluationType"); t != nil {
		typ, _ = c.str(t, "orderEvaluationType")
	}
	fn, strat := order.field("function"), order.field("rankingStrategy")
	switch {
	case fn != nil && (typ == "" || typ == "scoringFunction"):
		if f := c.lookup(fn, "ranking formula", kFormula); f != nil {
			return "formula:" + c.ids[f]
		}
	case strat != nil && (typ == "" || typ == "rankingStrategy"):
		s, ok := c.str(strat, "rankingStrategy")
		if !ok {
			return ""
		}
		model := slug(s[strings.LastIndexAny(s, ":/")+1:])
		if model == "" {
			model = "ai"
		}
		model = "adobe-" + model
		c.report.approximated(in, strat, "AI ranking strategy %s becomes learned ranking model:%s: Thompson sampling on each offer's click-through in this placement (SPEC §4.5), trained from mailpreview feedback, not Adobe's model", s, model)
		return "model:" + model
	case typ == "" || typ == "static":
	default:
		c.errorf(order, "orderEvaluationType %q is not static, scoringFunction or rankingStrategy, or its reference is missing", typ)
	}
	return ""
}
