package adobe

import (
	"strconv"
	"strings"

	"github.com/offermail/offermail/adobe/pql"
	"github.com/offermail/offermail/diag"
)

// maxSlug keeps generated ids readable.
const maxSlug = 60

// slug makes a readable id from a name: lower-case ASCII letters and
// digits, other runs of characters as one "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= maxSlug {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// singular names a kind in generated ids ("offer-1a2b") and messages.
var singular = map[string]string{
	kPlacement: "placement", kRule: "rule", kOffer: "offer", kFallback: "fallback", kTag: "tag",
	kCollection: "collection", kFormula: "formula", kDecision: "decision",
}

// assignID gives an instance its offermail id: the slug of its name, made
// unique within its kind (offers and fallbacks are separate kinds, as in
// the library) by a numeric suffix; renames are reported.
func (c *converter) assignID(in *instance) string {
	want := slug(in.name)
	if want == "" {
		last := in.adobeID[strings.LastIndexAny(in.adobeID, ":/")+1:]
		want = singular[in.kind] + "-" + slug(last)
		if slug(last) == "" {
			want = singular[in.kind] + "-" + strconv.Itoa(in.index+1)
		}
	}
	id := c.claim(in.kind, want)
	if id != want {
		c.report.Renamed = append(c.report.Renamed, Rename{Kind: in.kind, AdobeID: in.adobeID, Name: in.name, Wanted: want, ID: id})
	}
	c.ids[in] = id
	c.report.IDs = append(c.report.IDs, ID{Kind: in.kind, AdobeID: in.adobeID, Name: in.name, ID: id})
	return id
}

// claim reserves id (or id-2, id-3, …) in kind.
func (c *converter) claim(kind, want string) string {
	if c.slugs[kind] == nil {
		c.slugs[kind] = map[string]bool{}
	}
	id := want
	for n := 2; c.slugs[kind][id]; n++ {
		id = want + "-" + strconv.Itoa(n)
	}
	c.slugs[kind][id] = true
	return id
}

// header is the comment above an object: where it came from in Adobe.
func header(in *instance) string {
	return "Adobe " + singular[in.kind] + " " + describeInstance(in)
}

// tag: tags (collection qualifiers) become offermail tag names.
func (c *converter) tag(in *instance) {
	c.tags[in.adobeID] = c.assignID(in)
}

// channels maps the last segment of Adobe's channel URIs.
var channels = map[string]string{"email": "email", "web": "web", "mobile": "mobile", "sms": "sms", "push": "push"}

// componentTypes maps Adobe content component types (full URI or the
// current API's short name) to placement content types.
var componentTypes = map[string]string{"html": "html", "text": "text", "imagelink": "image", "image": "image", "json": "json"}

func componentType(s string) string {
	s = strings.TrimPrefix(s[strings.LastIndexByte(s, '/')+1:], "content-component-")
	return componentTypes[strings.ToLower(s)]
}

func (c *converter) placement(in *instance) {
	m := newMap()
	m.comment(header(in))
	m.str("id", c.assignID(in))
	if in.name != "" {
		m.str("name", in.name)
	}
	if ch := in.v.field("channel"); ch != nil {
		if s, ok := c.str(ch, "channel"); ok {
			name := strings.ToLower(s[strings.LastIndexByte(s, '/')+1:])
			if channels[name] != "" {
				m.str("channel", channels[name])
			} else {
				c.report.approximated(in, ch, "channel %q has no offermail equivalent; the placement is an email placement", s)
			}
		}
	}
	ct := in.v.field("componentType")
	if ct == nil {
		c.errorf(in.v, "placement %q has no componentType (html, text, imagelink or json)", in.adobeID)
		return
	}
	if s, ok := c.str(ct, "componentType"); ok {
		t := componentType(s)
		if t == "" {
			c.errorf(ct, "componentType %q is not html, text, imagelink or json", s)
			return
		}
		m.str("content", t)
		c.placementTypes[in] = t
	}
	if n := in.v.field("itemCount"); n != nil {
		if items, ok := c.integer(n, "itemCount", 1, 30); ok {
			m.num("items", items)
		}
	}
	if d := in.v.field("allowDuplicatePlacements"); d != nil {
		c.placementDup[in] = d.kind == 't'
	}
	// Read, not translated: they shape Adobe's API responses, not decisions.
	skip(in.v, "description", "contentTypes", "returnContent", "returnMetaData")
	c.lib.placements = append(c.lib.placements, m)
}

// rule: a decision rule's PQL condition becomes a `when` expression.
func (c *converter) rule(in *instance) {
	id := c.assignID(in)
	m := newMap()
	m.str("id", id)
	if in.name != "" {
		m.str("name", in.name)
	}
	cond := in.v.field("condition")
	if cond == nil {
		c.errorf(in.v, "decision rule %q has no condition", in.adobeID)
		return
	}
	src, at, ok := c.pqlText(cond, "condition")
	if !ok {
		return
	}
	skip(in.v, "description", "definedOn", "valueAsText", "modelUsage")
	expr, perr := c.translate(in, at, src, pql.Rule)
	if perr != nil {
		m.comment(header(in) + "\n" + todo(perr, src))
		m.expr("when", "false")
	} else {
		m.comment(header(in) + "\nPQL: " + oneLine(src))
		m.expr("when", expr)
	}
	c.lib.rules = append(c.lib.rules, m)
}

// todo is the comment of an object that could not be translated: why, and
// the original PQL for whoever writes it by hand.
func todo(e *diag.Error, src string) string {
	return "TODO: not translated (" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg + ").\nOriginal PQL: " + oneLine(src)
}

// formula: a ranking formula's PQL expression becomes a `score`.
func (c *converter) formula(in *instance) {
	id := c.assignID(in)
	m := newMap()
	m.str("id", id)
	if in.name != "" {
		m.str("name", in.name)
	}
	ex := in.v.field("expression")
	if ex == nil {
		c.errorf(in.v, "ranking formula %q has no expression", in.adobeID)
		return
	}
	src, at, ok := c.pqlText(ex, "expression")
	if !ok {
		return
	}
	skip(in.v, "description", "returnType", "exdFunction")
	expr, perr := c.translate(in, at, src, pql.Formula)
	if perr != nil {
		m.comment(header(in) + "\n" + todo(perr, src) + "\nUntil then it ranks by priority.")
		m.expr("score", "offer.priority")
	} else {
		m.comment(header(in) + "\nPQL: " + oneLine(src))
		m.expr("score", expr)
	}
	c.lib.formulas = append(c.lib.formulas, m)
}
