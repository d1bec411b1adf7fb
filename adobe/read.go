package adobe

import (
	"fmt"
	"strings"
)

// Kinds of Adobe objects, named as the report's paths name them
// (offers[3].xdm:selectionConstraint…).
const (
	kPlacement  = "placements"
	kRule       = "decisionRules"
	kOffer      = "offers"
	kFallback   = "fallbackOffers"
	kTag        = "tags"
	kCollection = "collections"
	kFormula    = "rankingFormulas"
	kDecision   = "decisions"
)

var kindOrder = []string{kTag, kPlacement, kRule, kFormula, kOffer, kFallback, kCollection, kDecision}

// instance is one Adobe object: its fields (the "_instance" of a
// repository listing, or the plain object of the current API), its kind,
// and where it was read.
type instance struct {
	kind    string
	index   int // position among the instances of its kind, in reading order
	v       *value
	adobeID string
	name    string
}

// ref names the instance for the report: "offers[3]".
func (in *instance) ref() string { return fmt.Sprintf("%s[%d]", in.kind, in.index) }

// at names a value of the instance for the report: the instance's ref and
// the value's path inside it ("offers[3].xdm:selectionConstraint").
func (in *instance) at(v *value) string {
	if v == nil || v == in.v {
		return in.ref()
	}
	rel := strings.TrimPrefix(v.path, in.v.path)
	if strings.HasPrefix(rel, "[") {
		return in.ref() + rel
	}
	return in.ref() + "." + strings.TrimPrefix(rel, ".")
}

// instances finds the objects in one export file: a listing
// ({"_embedded": {"results": […]}} or {"results": […]}), a plain array, or
// a single object. Each item is an envelope with "_instance" or the
// instance itself.
func (c *converter) instances(root *value) []*envelope {
	var items []*value
	switch root.kind {
	case '[':
		items = root.items
	case '{':
		if emb := root.member("_embedded"); emb != nil {
			res := emb.member("results")
			if res == nil || res.kind != '[' {
				c.errorf(emb, "_embedded of a listing must hold a results array")
				return nil
			}
			items = res.items
			markAll(root)
		} else if res := root.member("results"); res != nil && res.kind == '[' {
			items = res.items
			markAll(root)
		} else {
			items = []*value{root}
		}
	default:
		c.errorf(root, "an export file holds a listing, an array or an object, not %s", kindName(root.kind))
		return nil
	}
	var out []*envelope
	for _, it := range items {
		if it.kind != '{' {
			c.errorf(it, "each result must be an object, not %s", kindName(it.kind))
			continue
		}
		env := &envelope{outer: it, inst: it}
		markMetadata(it)
		if in := it.member("_instance"); in != nil {
			if in.kind != '{' {
				c.errorf(in, "_instance must be an object, not %s", kindName(in.kind))
				continue
			}
			env.inst = in
			markAll(it)
		}
		out = append(out, env)
	}
	return out
}

type envelope struct {
	outer, inst *value
}

// metadata are the repository's and the current API's bookkeeping fields,
// not part of what an object means.
var metadata = map[string]bool{
	"instanceId": true, "schemas": true, "productContexts": true, "_links": true, "_score": true,
	"sandboxName": true, "sandboxId": true, "created": true, "modified": true, "etag": true,
	"createdBy": true, "lastModifiedBy": true, "createdByClientId": true, "lastModifiedByClientId": true,
	"createdDate": true, "lastModifiedDate": true,
}

func markMetadata(v *value) {
	for _, m := range v.members {
		if metadata[m.name] || strings.HasPrefix(m.name, "repo:") {
			m.used = true
			markTree(m.val)
		}
	}
}

// markAll marks an envelope's members as read: they are repository
// metadata (etag, dates, links), not part of the library.
func markAll(v *value) {
	for _, m := range v.members {
		m.used = true
	}
}

// schemaKinds maps the last segment of Adobe's schema ids and "@id"
// prefixes to kinds.
var schemaKinds = map[string]string{
	"offer-placement": kPlacement, "placement": kPlacement,
	"eligibility-rule": kRule, "offer-rule": kRule,
	"personalized-offer": kOffer,
	"fallback-offer":     kFallback,
	"tag":                kTag, "offer-tag": kTag, "collection-qualifier": kTag,
	"offer-filter": kCollection, "offer-collection": kCollection,
	"ranking-function": kFormula, "ranking-formula": kFormula,
	"offer-activity": kDecision, "offer-decision": kDecision,
}

// classify tells an instance's kind: from the schema named in the
// envelope or the instance, from the "@id" (xcore:personalized-offer:…),
// or, for the current API's plain objects, from the fields it has.
func classify(env *envelope) string {
	var schemas []string
	for _, v := range []*value{env.outer, env.inst} {
		if s := v.member("schemas"); s != nil && s.kind == '[' {
			for _, it := range s.items {
				schemas = append(schemas, it.text)
			}
		}
		if l := v.member("_links"); l != nil {
			if self := l.member("self"); self != nil {
				if t := self.member("@type"); t != nil {
					schemas = append(schemas, t.text)
				}
			}
		}
	}
	for _, s := range schemas {
		s, _, _ = strings.Cut(s, ";")
		s = s[strings.LastIndexByte(s, '/')+1:]
		if k, ok := schemaKinds[s]; ok {
			return k
		}
	}
	for _, name := range []string{"@id", "id"} {
		if id := env.inst.member(name); id != nil && id.kind == '"' {
			parts := strings.Split(id.text, ":")
			if len(parts) == 3 {
				if k, ok := schemaKinds[parts[1]]; ok {
					return k
				}
			}
		}
	}
	has := func(name string) bool { return env.inst.field(name) != nil }
	switch {
	case has("componentType"):
		return kPlacement
	case has("condition"):
		return kRule
	case has("filterType"):
		return kCollection
	case has("criteria"), has("filter") && has("placement"):
		return kDecision
	case has("expression"):
		return kFormula
	case has("representations") && (has("selectionConstraint") || has("rank") || has("cappingConstraint") || has("frequencyCappingConstraints")):
		return kOffer
	}
	return ""
}

// member returns an object's member by exact name, marking it read.
func (v *value) member(name string) *value {
	if v == nil || v.kind != '{' {
		return nil
	}
	for _, m := range v.members {
		if m.name == name {
			m.used = true
			return m.val
		}
	}
	return nil
}

// field returns an instance field by its name, with or without the
// "xdm:" prefix: the legacy repository writes "xdm:name", the current API
// "name", and some legacy responses mix both (condition.value).
func (v *value) field(name string) *value {
	if x := v.member("xdm:" + name); x != nil {
		return x
	}
	return v.member(name)
}
