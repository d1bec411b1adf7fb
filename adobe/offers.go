package adobe

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// offer converts a personalized offer (fallback false) or a fallback offer.
func (c *converter) offer(in *instance, fallback bool) {
	m := newMap()
	m.comment(header(in))
	m.str("id", c.assignID(in))
	if in.name != "" {
		m.str("name", in.name)
	}
	v := in.v
	if st := v.field("status"); st != nil {
		if s, ok := c.str(st, "status"); ok {
			switch {
			case fallback && s != "approved":
				c.report.approximated(in, st, "fallback status %q: offermail fallbacks have no status and are always available", s)
			case fallback:
			case s == "draft" || s == "approved" || s == "archived":
				m.str("status", s)
			default:
				c.errorf(st, "status %q is not draft, approved or archived", s)
			}
		}
	} else if !fallback {
		// Adobe creates offers as drafts; the library's default would be
		// approved.
		m.str("status", "draft")
		c.report.approximated(in, nil, "the offer has no status; imported as draft, as Adobe creates offers")
	}
	if !fallback {
		c.constraints(in, m)
	}
	var tags []string
	if t := v.field("tags"); t != nil {
		if t.kind != '[' {
			c.errorf(t, "tags must be an array, not %s", kindName(t.kind))
		}
		for _, ref := range t.items {
			id, ok := c.str(ref, "tag")
			if !ok {
				continue
			}
			if tag, ok := c.tags[id]; ok {
				tags = append(tags, tag)
			} else {
				c.errorf(ref, "tag %q is not in the export: add the tags (collection qualifiers) listing to the files imported", id)
			}
		}
	}
	if len(tags) > 0 {
		m.list("tags", tags)
	}
	attrs := newMap()
	attrs.str("adobeId", in.adobeID)
	if ch := v.field("characteristics"); ch != nil {
		if ch.kind != '{' {
			c.errorf(ch, "characteristics must be an object of names to values, not %s", kindName(ch.kind))
		} else {
			for _, mem := range ch.members {
				mem.used = true
				if mem.name == "adobeId" {
					c.report.ignored(in, mem.val, "characteristic adobeId is replaced by the offer's Adobe id")
					continue
				}
				attrs.set(mem.name, anyNode(mem.val))
			}
		}
	}
	m.sub("attributes", attrs)
	if !fallback {
		if caps := c.caps(in); len(caps) > 0 {
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for _, cp := range caps {
				cp.n.Style = yaml.FlowStyle
				seq.Content = append(seq.Content, cp.n)
			}
			m.set("caps", seq)
		}
	}
	m.sub("content", c.representations(in))
	skip(v, "description", "labels")
	if fallback {
		c.lib.fallbacks = append(c.lib.fallbacks, m)
	} else {
		c.lib.offers = append(c.lib.offers, m)
	}
}

// constraints converts dates, eligibility and priority.
func (c *converter) constraints(in *instance, m *ymap) {
	v := in.v
	if sc := v.field("selectionConstraint"); sc != nil {
		if sc.kind != '{' {
			c.errorf(sc, "selectionConstraint must be an object, not %s", kindName(sc.kind))
		} else {
			start, end := sc.field("startDate"), sc.field("endDate")
			var startOK, endOK bool
			st, en := start, end
			if start != nil {
				t, ok := c.timestamp(start, "startDate")
				startOK = ok
				if ok {
					st = &value{kind: '"', text: t.Format("2006-01-02T15:04:05Z07:00")}
				}
			}
			if end != nil {
				t, ok := c.timestamp(end, "endDate")
				endOK = ok
				if ok {
					en = &value{kind: '"', text: t.Format("2006-01-02T15:04:05Z07:00")}
				}
			}
			if startOK && endOK && en.text <= st.text {
				// Adobe accepts it; such an offer is never chosen.
				c.report.approximated(in, end, "endDate %s is not after startDate %s: the offer can never be chosen, so it is imported as archived without dates", end.text, start.text)
				for i := 0; i < len(m.n.Content); i += 2 {
					if m.n.Content[i].Value == "status" {
						m.n.Content[i+1].Value = "archived"
					}
				}
			} else {
				if startOK {
					m.str("start", st.text)
				}
				if endOK {
					m.str("end", en.text)
				}
			}
			c.eligibility(in, sc, m, "selectionConstraint")
		}
	}
	if rk := v.field("rank"); rk != nil {
		if p := rk.field("priority"); p != nil {
			if n, ok := c.integer(p, "priority", 0, 1<<31-1); ok {
				m.num("priority", n)
			}
		}
	}
}

// eligibility converts a profile constraint (an offer's selection
// constraint, or a decision criterion's profile constraint): a rule
// reference becomes `eligibility`; audiences (segments) cannot be known to
// offermail and become a rule that is false, reported.
func (c *converter) eligibility(in *instance, pc *value, m *ymap, what string) {
	kind := ""
	if t := pc.field("profileConstraintType"); t != nil {
		kind, _ = c.str(t, "profileConstraintType")
	}
	rule := pc.field("eligibilityRule")
	skip(pc, "description")
	switch {
	case rule != nil && (kind == "" || kind == "eligibilityRule"):
		if r := c.lookup(rule, "eligibility rule", kRule); r != nil {
			m.str("eligibility", c.ids[r])
		}
	case kind == "" || kind == "none":
	case strings.Contains(strings.ToLower(kind), "segment"):
		segs := pc.field("segmentIdentities")
		at := segs
		if at == nil {
			at = pc
		} else {
			markTree(segs)
		}
		c.report.untranslated(in, at, "audience (segment) membership ("+kind+") is not known to offermail: the constraint is written as a rule that is false; give the audience as a profile field and write the rule by hand", "")
		m.expr("when", "false")
		m.n.HeadComment += "\nTODO: Adobe restricted this " + what + " to audiences (" + kind + "); write it as a rule on a profile field."
	default:
		c.errorf(pc, "profileConstraintType %q is not none, eligibilityRule, anySegments or allSegments", kind)
	}
}

// representations converts an offer's content, one per placement.
func (c *converter) representations(in *instance) *ymap {
	content := newMap()
	reps := in.v.field("representations")
	if reps == nil {
		c.report.untranslated(in, nil, "the offer has no representations, so no content for any placement", "")
		return content
	}
	if reps.kind != '[' {
		c.errorf(reps, "representations must be an array, not %s", kindName(reps.kind))
		return content
	}
	for _, rep := range reps.items {
		if rep.kind != '{' {
			c.errorf(rep, "a representation must be an object, not %s", kindName(rep.kind))
			continue
		}
		rep.field("channel")
		pv := rep.field("placement")
		if pv == nil {
			c.errorf(rep, "representation has no placement")
			continue
		}
		p := c.lookup(pv, "placement", kPlacement)
		if p == nil {
			continue
		}
		pid := c.ids[p]
		if content.has(pid) {
			c.errorf(pv, "a second representation for placement %q; Adobe allows one per placement", pv.text)
			continue
		}
		if cm := c.component(in, rep, c.placementTypes[p]); cm != nil {
			content.sub(pid, cm)
		}
	}
	return content
}

// component converts the first content component of a representation to
// the fields of the placement's content type.
func (c *converter) component(in *instance, rep *value, ptype string) *ymap {
	comps := rep.field("components")
	if comps == nil || comps.kind != '[' || len(comps.items) == 0 {
		c.report.untranslated(in, rep, "representation has no content components", "")
		return nil
	}
	for _, extra := range comps.items[1:] {
		markAll(extra)
		c.report.ignored(in, extra, "only the first content component of a representation is imported (offermail has one content per placement, no per-language variants)")
	}
	comp := comps.items[0]
	if comp.kind != '{' {
		c.errorf(comp, "a content component must be an object, not %s", kindName(comp.kind))
		return nil
	}
	ctype := ""
	for _, f := range []string{"@type", "type"} {
		if t := comp.member(f); t != nil {
			if s, ok := c.str(t, f); ok {
				ctype = componentType(s)
			}
		}
	}
	if ctype != "" && ptype != "" && ctype != ptype {
		c.errorf(comp, "a %s component in a placement of %s content", ctype, ptype)
		return nil
	}
	for _, f := range []string{"dc:format", "format", "dc:language", "language", "repo:name", "repo:id", "repo:resolveURL", "offerui:previewThumbnail"} {
		if x := comp.member(f); x != nil {
			markTree(x)
		}
	}
	text := func(names ...string) (string, *value) {
		for _, n := range names {
			if v := comp.field(n); v != nil {
				s, _ := c.str(v, n)
				return s, v
			}
		}
		return "", nil
	}
	m := newMap()
	switch ptype {
	case "html", "text":
		body, _ := text("content", "copyline")
		if body == "" {
			if url, _ := text("deliveryURL"); url != "" {
				c.report.untranslated(in, comp, "the "+ptype+" content is an asset at "+url+"; offermail needs the content itself: paste it into the library", "")
			} else {
				c.report.untranslated(in, comp, "the component has no content", "")
			}
			return nil
		}
		m.str(ptype, body)
		if link, _ := text("linkURL"); link != "" {
			m.str("link", link)
		}
	case "image":
		url, _ := text("deliveryURL")
		if url == "" {
			c.report.untranslated(in, comp, "the image component has no deliveryURL", "")
			return nil
		}
		m.str("image", url)
		alt, _ := text("altText", "alt")
		if alt == "" {
			alt = in.name
		}
		if alt != "" {
			m.str("alt", alt)
		}
		if link, _ := text("linkURL"); link != "" {
			m.str("link", link)
		}
	case "json":
		body, at := text("content")
		if at == nil {
			c.report.untranslated(in, comp, "the json component has no content", "")
			return nil
		}
		m.set("json", c.jsonContent(in, at, body))
	default:
		return nil
	}
	return m
}

// jsonContent reads JSON offer content: Adobe stores it as text; offermail
// as data. Text that is not JSON is kept as a string, reported.
func (c *converter) jsonContent(in *instance, at *value, body string) *yaml.Node {
	if at.kind == '{' || at.kind == '[' {
		markAll(at)
		return anyNode(at)
	}
	v, err := parseJSON(&source{name: at.src.name, data: []byte(body)})
	trimmed := strings.TrimSpace(body)
	if err != nil || !(strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) {
		c.report.approximated(in, at, "json content is not a JSON object or array; kept as a string")
		return scalar(body)
	}
	return anyNode(v)
}
