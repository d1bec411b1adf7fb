package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/offermail/offermail/diag"
)

// state is the per-execution scratch space: the output buffer, the frame
// stack and argument stacks. It is pooled per template so that rendering a
// recipient allocates little beyond its results.
type state struct {
	in     *Input
	strict bool
	escape bool // false while rendering text: subject, offer text, links
	buf    []byte
	frames []frame
	args   []any
	hash   []hashVal
	calls  []*call // active helper calls, innermost last
	ncalls int
	depth  int       // partial nesting
	root   int       // frame index of @root in the source being rendered
	now    time.Time // Input.Now, for @now
	order  KeyOrder  // Input.Recipient.Order, for {{#each}} over objects
	data   rootData

	props   []Proposition
	items   [][]itemData // rendered items per scope, filled on first use
	done    []bool
	missing []Missing
}

func (s *state) reset() {
	*s = state{
		buf:     s.buf[:0],
		frames:  s.frames[:0],
		args:    s.args[:0],
		hash:    s.hash[:0],
		calls:   s.calls,
		items:   s.items[:0],
		done:    s.done[:0],
		missing: s.missing[:0],
	}
}

// frame is one context on the stack: what {{field}} reads, and what ../
// climbs out of. A frame is pushed only when the context changes (each,
// with, a section, an offer item, a partial with a context), as in
// Handlebars 4; {{#if}} keeps its frame.
type frame struct {
	ctx    any
	parent int // -1 at a root
	// same: ctx is the context of the frame around it, so this frame is
	// no level for ../ (handlebars.js adds a depth only for a new
	// context: {{#with this}}, {{> p this}}).
	same bool
	// includer: for a partial's frame, the frame that included it, where
	// @index and the other data variables continue (-1: none). ../ does
	// not: a partial starts its own stack of contexts.
	includer int
	// data variables, set by iterations
	hasData     bool
	first, last bool
	index       int
	// block parameters: as |a b|
	bpNames []string
	bpVals  [2]any
	// Provenance, to name a missing field in full: ctx is the value at
	// fromPath seen from frame from (then element elem or key elemKey).
	// from < 0: a root (rooted tells whether it holds the profile).
	from     int
	fromPath *pathExpr
	elem     int
	elemKey  string
	rooted   bool
}

// push appends fr and returns its index.
func (s *state) push(fr frame) int {
	if fr.parent >= 0 && !fr.same {
		fr.same = sameContext(fr.ctx, s.frames[fr.parent].ctx)
	}
	s.frames = append(s.frames, fr)
	return len(s.frames) - 1
}

func (s *state) pop(fi int) { s.frames = s.frames[:fi] }

// child returns a frame for ctx inside frame f, found at path p (nil when
// ctx does not come from a path).
func (s *state) child(f int, ctx any, p expr) frame {
	fr := frame{ctx: ctx, parent: f, from: -1, elem: -1, includer: -1}
	if pe, ok := p.(*pathExpr); ok && !pe.bp && !pe.data && !pe.now {
		fr.from, fr.fromPath = s.pathBase(pe, f), pe
	}
	return fr
}

// pathBase returns the frame a path starts from: ../ climbs one context
// up, passing frames that did not change it.
func (s *state) pathBase(p *pathExpr, f int) int {
	if p.root {
		return s.root
	}
	f = s.level(f)
	for range p.depth {
		if f < 0 {
			return -1
		}
		f = s.level(s.frames[f].parent)
	}
	return f
}

// level returns the frame that brought f's context: f, or the frame
// around it when f kept its context.
func (s *state) level(f int) int {
	for f >= 0 && s.frames[f].same {
		f = s.frames[f].parent
	}
	return f
}

// frameName returns the full name of a frame's context ("profile.lastOrder")
// and whether it is reachable from the root data by that name.
func (s *state) frameName(fi int) (string, bool) {
	if fi < 0 {
		return "", false
	}
	fr := &s.frames[fi]
	if fr.from < 0 {
		return "", fr.rooted
	}
	name, rooted := s.frameName(fr.from)
	if !rooted {
		return "", false
	}
	if fr.fromPath != nil {
		name = joinName(name, fr.fromPath.parts...)
	}
	switch {
	case fr.elemKey != "":
		name = joinName(name, fr.elemKey)
	case fr.elem >= 0:
		name = joinName(name, strconv.Itoa(fr.elem))
	}
	return name, true
}

func joinName(base string, parts ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, p := range parts {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func (p *pathExpr) eval(s *state, f int) (any, error) {
	switch {
	case p.now:
		return s.now, nil // boxed here: few templates read it
	case p.data:
		return dataPath(s.dataVar(p, f), p.parts[1:]), nil
	}
	parts := p.parts
	var v any
	base := -1
	if p.bp {
		found := false
		for fi := f; fi >= 0 && !found; fi = s.frames[fi].parent {
			fr := &s.frames[fi]
			for i, n := range fr.bpNames {
				if n == parts[0] && i < len(fr.bpVals) {
					v, found = fr.bpVals[i], true
					break
				}
			}
		}
		if !found {
			return s.missingPath(p, -1)
		}
		parts = parts[1:]
	} else {
		base = s.pathBase(p, f)
		if base < 0 {
			return s.missingPath(p, -1)
		}
		v = s.frames[base].ctx
	}
	for _, part := range parts {
		if p.root && v != nil && !truthy(v) {
			return v, nil // @root is data: a && a.b, as for @index.x
		}
		var ok bool
		if v, ok = lookupField(v, part); !ok {
			return s.missingPath(p, base)
		}
	}
	return v, nil
}

// missingPath handles a path that names nothing: an error in strict mode,
// else a warning when it is a profile field. Only paths whose value is
// written out count; a helper argument is how a template handles a missing
// field.
func (s *state) missingPath(p *pathExpr, base int) (any, error) {
	if !p.strict {
		return nil, nil
	}
	name, rooted := "", false
	if base >= 0 && !p.bp {
		name, rooted = s.frameName(base)
		name = joinName(name, p.parts...)
	}
	if !rooted {
		name = p.original
	}
	if s.strict {
		return nil, p.pos.errorc(diag.Execute, "missing field %s (strict mode): give every recipient this field, or guard it with {{#if …}} or {{default … \"…\"}}", name)
	}
	if rooted && (name == "profile" || strings.HasPrefix(name, "profile.")) {
		for _, m := range s.missing {
			if m.Field == name {
				return nil, nil
			}
		}
		s.missing = append(s.missing, Missing{Field: name, File: p.pos.file, Line: p.pos.line, Col: p.pos.col})
	}
	return nil, nil
}

// dataPath follows parts from a data variable as handlebars.js does
// (a && a.b && a.b.c): a false, zero, empty or missing value on the way is
// the result.
func dataPath(v any, parts []string) any {
	for _, part := range parts {
		if !truthy(v) {
			return v
		}
		v, _ = lookupField(v, part)
	}
	return v
}

// dataVar resolves @index, @first, @last and @key from the nearest
// iteration (or, with @../index, the one around it).
func (s *state) dataVar(p *pathExpr, f int) any {
	skip := p.depth
	for fi := f; fi >= 0; fi = s.dataParent(fi) {
		fr := &s.frames[fi]
		if !fr.hasData {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		switch p.parts[0] {
		case "index":
			return fr.index
		case "first":
			return fr.first
		case "last":
			return fr.last
		case "key":
			if fr.elem < 0 {
				return fr.elemKey
			}
			return fr.index
		}
	}
	return nil
}

// dataParent is the frame whose data variables frame fi inherits: its
// parent, or for a partial's frame the frame that included it.
func (s *state) dataParent(fi int) int {
	if fr := &s.frames[fi]; fr.parent >= 0 || fr.includer < 0 {
		return fr.parent
	}
	return s.frames[fi].includer
}

// rootData is the data a template sees at its top: profile, recipient,
// context and campaign.
type rootData struct {
	profile, context map[string]any
	recipient        pair
	campaign         pair
}

// pair is recipient {id, email} or campaign {id, name}, each value boxed
// the first time a template reads it.
type pair struct {
	names [2]string
	vals  [2]string
	boxed [2]any
}

func (r *rootData) field(name string) (any, bool) {
	switch name {
	case "profile":
		return r.profile, true
	case "context":
		return r.context, true
	case "recipient":
		return &r.recipient, true
	case "campaign":
		return &r.campaign, true
	}
	return nil, false
}

func (r *rootData) keys() []string { return rootFields }

func (p *pair) field(name string) (any, bool) {
	for i, n := range p.names {
		if n == name {
			if p.boxed[i] == nil {
				p.boxed[i] = p.vals[i]
			}
			return p.boxed[i], true
		}
	}
	return nil, false
}

func (p *pair) keys() []string { return p.names[:] }

func (s *state) setRoot(in *Input) {
	s.in = in
	s.strict = in.Strict
	s.escape = true
	s.now = in.Now
	s.order = in.Recipient.Order
	s.data = rootData{
		profile: in.Recipient.Profile,
		context: in.Recipient.Context,
		recipient: pair{names: [2]string{"id", "email"},
			vals: [2]string{in.Recipient.ID, in.Recipient.Email}},
		campaign: pair{names: [2]string{"id", "name"},
			vals: [2]string{in.Campaign.ID, in.Campaign.Name}},
	}
	s.root = s.push(frame{ctx: &s.data, parent: -1, from: -1, elem: -1, includer: -1, rooted: true})
}

// hashContext is the context of {{> partial key=value}}: as in
// handlebars.js, a new object with the own fields of the context the
// partial would otherwise get (an object's fields, a list's or a string's
// indexes), then the pairs.
type hashContext struct {
	base   any
	order  KeyOrder
	hash   []hashVal
	inline [4]hashVal // storage for hash, for the usual few pairs
}

func (h *hashContext) field(name string) (any, bool) {
	for _, kv := range h.hash {
		if kv.key == name {
			return kv.val, true
		}
	}
	return ownField(h.base, name)
}

func (h *hashContext) keys() []string {
	ks := ownKeys(h.base, h.order)
	for _, kv := range h.hash {
		if !contains(ks, kv.key) {
			ks = append(ks, kv.key)
		}
	}
	return jsKeyOrder(ks)
}
