package adobe

import (
	"math"
	"strings"
)

// maxCaps is the library's limit of caps per offer (as Adobe's UI has).
const maxCaps = 10

// caps converts an offer's capping: the legacy cappingConstraint
// (globalCap, profileCap: lifetime counts) and frequencyCappingConstraints
// (capping rules with a scope, a limit, a reset frequency, per offer or
// per placement, counting decision events or other events).
func (c *converter) caps(in *instance) []*ymap {
	var caps []*ymap
	add := func(at *value, cp *ymap) {
		if len(caps) == maxCaps {
			c.report.untranslated(in, at, "an offer has at most 10 caps in offermail; this one is left out", "")
			return
		}
		caps = append(caps, cp)
	}
	if cc := in.v.field("cappingConstraint"); cc != nil {
		if cc.kind != '{' {
			c.errorf(cc, "cappingConstraint must be an object, not %s", kindName(cc.kind))
		} else {
			for _, f := range []struct{ name, scope string }{{"globalCap", "total"}, {"profileCap", "profile"}} {
				if v := cc.field(f.name); v != nil {
					if n, ok := c.integer(v, f.name, 1, math.MaxInt64); ok {
						add(v, newMap().str("scope", f.scope).num("limit", n))
					}
				}
			}
		}
	}
	fc := in.v.field("frequencyCappingConstraints")
	if fc == nil {
		return caps
	}
	if fc.kind != '[' {
		c.errorf(fc, "frequencyCappingConstraints must be an array, not %s", kindName(fc.kind))
		return caps
	}
	for _, rule := range fc.items {
		if rule.kind != '{' {
			c.errorf(rule, "a capping rule must be an object, not %s", kindName(rule.kind))
			continue
		}
		if cp := c.capRule(in, rule); cp != nil {
			add(rule, cp)
		}
	}
	return caps
}

func (c *converter) capRule(in *instance, rule *value) *ymap {
	if en := rule.field("enabled"); en != nil {
		if en.kind == 'f' {
			markAll(rule)
			c.report.ignored(in, rule, "capping rule is disabled in Adobe; left out")
			return nil
		} else if en.kind != 't' {
			c.errorf(en, "enabled must be true or false, not %s", kindName(en.kind))
			return nil
		}
	}
	lim, scope := rule.field("limit"), rule.field("scope")
	if lim == nil || scope == nil {
		c.errorf(rule, "a capping rule needs a limit and a scope (global or profile)")
		return nil
	}
	n, ok := c.integer(lim, "limit", 1, math.MaxInt64)
	if !ok {
		return nil
	}
	s, ok := c.str(scope, "scope")
	if !ok {
		return nil
	}
	cp := newMap()
	switch s {
	case "global":
		cp.str("scope", "total")
	case "profile":
		cp.str("scope", "profile")
	default:
		c.errorf(scope, "scope %q is not global or profile", s)
		return nil
	}
	cp.num("limit", n)
	if ev := rule.field("events"); ev != nil {
		for _, e := range c.strings(ev, "events") {
			if e != "decisioning" && e != "decision" {
				markTree(rule)
				c.report.untranslated(in, ev, "capping on "+e+" events is not available: offermail counts decision events (each time an offer is proposed); the cap is left out", "")
				return nil
			}
		}
	}
	if every := c.capWindow(in, rule); every != "" {
		cp.str("every", every)
	}
	if ent := rule.field("entity"); ent != nil {
		e, _ := c.str(ent, "entity")
		switch e {
		case "offer":
		case "placement":
			cp.str("placement", "each")
			if p := rule.field("placement"); p != nil {
				c.report.approximated(in, p, "the cap applied to placement %s only; offermail applies it to each placement separately", p.text)
			}
		default:
			c.errorf(ent, "entity %q is not offer or placement", e)
			return nil
		}
	}
	return cp
}

// capWindow converts the reset frequency: Adobe resets counters at 00:00
// UTC on the first day of the day, week (from Sunday) or month, as
// offermail's windows do; a reset every N > 1 periods is approximated by
// one period. Without a repeat the count is for the offer's life.
func (c *converter) capWindow(in *instance, rule *value) string {
	start, end := rule.field("startDate"), rule.field("endDate")
	rep := rule.field("repeat")
	every, count := "", int64(1)
	switch {
	case rep == nil || rep.kind == 'f':
	case rep.kind == '{':
		if en := rep.field("enabled"); en != nil && en.kind == 'f' {
			markAll(rep)
			break
		}
		unit := rep.field("unit")
		if unit == nil {
			c.errorf(rep, "repeat needs a unit (day, week or month)")
			return ""
		}
		u, _ := c.str(unit, "unit")
		switch strings.TrimSuffix(strings.ToLower(u), "s") {
		case "day", "daily":
			every = "day"
		case "week", "weekly":
			every = "week"
		case "month", "monthly":
			every = "month"
		default:
			c.errorf(unit, "repeat unit %q is not day, week or month", u)
			return ""
		}
		if uc := rep.field("unitCount"); uc != nil {
			count, _ = c.integer(uc, "unitCount", 1, 1000)
		}
	case rep.kind == 't':
		// The XDM form: repeat every duration hours.
		d := rule.field("duration")
		if d == nil {
			c.errorf(rep, "a repeating cap needs a duration in hours")
			return ""
		}
		h, ok := c.integer(d, "duration", 1, 24*366*2)
		if !ok {
			return ""
		}
		switch {
		case h%168 == 0:
			every, count = "week", h/168
		default:
			every, count = "day", (h+23)/24
			if h%24 != 0 {
				c.report.approximated(in, d, "a window of %d hours is approximated by %d UTC day(s)", h, count)
			}
		}
	default:
		c.errorf(rep, "repeat must be an object or a boolean, not %s", kindName(rep.kind))
		return ""
	}
	if count > 1 {
		c.report.approximated(in, rep, "Adobe resets this cap every %d %ss; offermail windows are one calendar %s, so up to %d times as many proposals are allowed", count, every, every, count)
	}
	if every == "" && (start != nil || end != nil) {
		at := start
		if at == nil {
			at = end
		}
		c.report.approximated(in, at, "the capping rule's own dates are not kept: offermail counts over the offer's whole life")
	}
	return every
}
