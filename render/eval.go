package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render/message"
)

// state is the per-execution scratch space: the output buffer, the frame
// stack and argument stacks. It is pooled per template so that rendering a
// recipient allocates little beyond its results.
type state struct {
	in       *Input
	strict   bool
	escape   bool   // false while rendering text: subject, offer text, links
	buf      []byte // the output being written
	arena    []byte // offer content rendered for this execution (arena.go)
	tmp      []byte // scratch for a helper's output before it is escaped
	frames   []frame
	args     []any
	hash     []hashVal
	calls    []*call // active helper calls, innermost last
	ncalls   int
	depth    int       // partial nesting
	steps    int       // statements executed, for maxSteps
	maxBytes int       // Input.MaxBytes or DefaultMaxBytes
	overAt   *pos      // the {{value}} that passed maxBytes outside blocks
	root     int       // frame index of @root in the source being rendered
	now      time.Time // Input.Now, for @now
	order    KeyOrder  // Input.Recipient.Order, for {{#each}} over objects
	data     rootData

	props   []Proposition
	items   [][]itemData // rendered items per scope, filled on first use
	done    []bool
	missing []Missing
	hashes  []*hashContext // the contexts of {{> partial key=value}}, by depth
	cache   boxCache

	// A compiled document's execution (inlined.go).
	doc   *message.Doc
	dw    *message.DocWriter
	preAt int    // where the preheader goes in buf
	val   []byte // a value's output, as its node wrote it

	nowDates []nowDateText // of {{formatDate @now …}} calls (helpers_format.go)

	used used
}

// boxCache keeps values boxed in interfaces from one execution to the
// next while they stay the same: the decision time and the campaign are
// the same for every recipient of a run, and boxing them anew would
// allocate each time. It holds no recipient data past the next execution
// that replaces it.
type boxCache struct {
	now    time.Time
	nowBox any
	strs   [4]struct {
		s   string
		box any
	}
}

// box returns s boxed, reusing the box of slot i when it holds the same
// string.
func (c *boxCache) box(i int, s string) any {
	e := &c.strs[i]
	if e.box == nil || e.s != s {
		e.s, e.box = s, s
	}
	return e.box
}

// drop lets go of everything an execution referred to, the recipient's
// data and the arena's strings, once it is over: the state goes back to
// its pool and must keep nothing alive, nor anything a later execution
// could see.
func (s *state) drop() {
	clear(s.frames[:s.used.frames])
	clear(s.args[:s.used.args])
	clear(s.hash[:s.used.hash])
	for i := range s.items {
		clear(s.items[i][:cap(s.items[i])])
	}
	for _, h := range s.hashes[:s.used.hashes] {
		*h = hashContext{}
	}
	for _, c := range s.calls[:s.used.calls] {
		*c = call{}
	}
	s.in, s.props, s.buf = nil, nil, nil
	s.data.drop()
}

// used holds the most entries of the state's stacks an execution used, so
// that drop clears those and not the whole capacity every earlier
// execution left them.
type used struct{ frames, args, hash, hashes, calls int }

// reset readies the state for an execution, keeping the buffers and the
// pooled records of earlier ones (their contents dropped).
func (s *state) reset() {
	s.in, s.strict, s.escape, s.buf = nil, false, false, nil
	s.arena, s.tmp, s.val = s.arena[:0], s.tmp[:0], s.val[:0]
	s.frames, s.args, s.hash = s.frames[:0], s.args[:0], s.hash[:0]
	s.ncalls, s.depth, s.steps, s.maxBytes, s.overAt, s.root = 0, 0, 0, DefaultMaxBytes, nil, 0
	s.now, s.order = time.Time{}, nil
	s.props, s.items, s.done, s.missing = nil, s.items[:0], s.done[:0], s.missing[:0]
	s.doc, s.preAt = nil, 0
	s.used = used{}
}

// frame is one context on the stack: what {{field}} reads, and what ../
// climbs out of. A frame is pushed only when the context changes (each,
// with, a section, an offer item, a partial with a context), as in
// Handlebars 4; {{#if}} keeps its frame.
type frame struct {
	ctx    any
	parent int // -1 at a root
	// includer: for a partial's frame, the frame that included it, where
	// @index and the other data variables continue (-1: none). ../ does
	// not: a partial starts its own stack of contexts.
	includer int
	// same: ctx is the context of the frame around it, so this frame is
	// no level for ../ (handlebars.js adds a depth only for a new
	// context: {{#with this}}, {{> p this}}).
	same bool
	// data variables, set by iterations (the flags beside same, so that
	// a frame, copied on every push, has no padding between them)
	hasData     bool
	first, last bool
	rooted      bool // see from
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
}

// push appends fr and returns its index.
func (s *state) push(fr frame) int {
	if fr.parent >= 0 && !fr.same {
		fr.same = sameFrameContext(fr.ctx, s.frames[fr.parent].ctx)
	}
	s.frames = append(s.frames, fr)
	s.used.frames = max(s.used.frames, len(s.frames))
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
		return s.nowValue(), nil
	case p.data:
		return dataPath(s.dataVar(p, f), p.parts[1:]), nil
	}
	v, base, st := p.walk(s, f, len(p.parts))
	if st == walkMissing {
		return s.missingPath(p, base)
	}
	return v, nil
}

// walkState says how a walk along a path ended.
type walkState uint8

const (
	walkFound   walkState = iota // the value at the requested depth
	walkMissing                  // a part names nothing
	walkShort                    // @root data ended early in a false value: the path's value
)

// walk follows the first n parts of p (a field, a block parameter or
// @root.…) from frame f. base is the frame the path starts from, -1 for a
// block parameter.
func (p *pathExpr) walk(s *state, f, n int) (v any, base int, st walkState) {
	parts := p.parts[:n]
	base = -1
	if p.bp {
		found := false
		for fi := f; fi >= 0 && !found; fi = s.frames[fi].parent {
			fr := &s.frames[fi]
			for i, name := range fr.bpNames {
				if name == p.parts[0] && i < len(fr.bpVals) {
					v, found = fr.bpVals[i], true
					break
				}
			}
		}
		if !found {
			return nil, -1, walkMissing
		}
		if len(parts) > 0 {
			parts = parts[1:]
		}
	} else {
		base = s.pathBase(p, f)
		if base < 0 {
			return nil, -1, walkMissing
		}
		v = s.frames[base].ctx
	}
	for i, part := range parts {
		if p.root && v != nil && !truthy(v) {
			return v, base, walkShort // @root is data: a && a.b, as for @index.x
		}
		if i == 0 && p.rootField > 0 {
			if r, ok := rootFieldAt(v, p.rootField); ok {
				v = r
				continue
			}
		}
		var ok bool
		if v, ok = lookupField(v, part); !ok {
			return nil, base, walkMissing
		}
	}
	return v, base, walkFound
}

// fieldWriter is a context of this package's own (an offer item, offer
// content's data, recipient and campaign) that can write a field or tell
// its truth without boxing the value in an interface, which would
// allocate for every string it holds.
type fieldWriter interface {
	// appendField appends field name as appendValue would, or reports
	// false when it has no such field or cannot write it itself.
	appendField(b []byte, name string, escape bool) ([]byte, bool)
	// fieldTruth reports whether field name is true as {{#if}} sees it,
	// or false for ok when it cannot tell without the value.
	fieldTruth(name string) (truth, ok bool)
}

// The contexts that are fieldWriters.
var (
	_ fieldWriter = (*itemData)(nil)
	_ fieldWriter = (*snippetData)(nil)
	_ fieldWriter = (*pair)(nil)
	_ fieldWriter = offerView{}
)

// appendFieldOf is v.appendField when v is a fieldWriter, without the
// interface assertion.
func appendFieldOf(v any, b []byte, name string, escape bool) ([]byte, bool) {
	switch x := v.(type) {
	case *itemData:
		return x.appendField(b, name, escape)
	case *snippetData:
		return x.appendField(b, name, escape)
	case *pair:
		return x.appendField(b, name, escape)
	case offerView:
		return x.appendField(b, name, escape)
	case *hashContext:
		return x.appendField(b, name, escape)
	}
	return b, false
}

// fieldTruthOf is v.fieldTruth when v is a fieldWriter.
func fieldTruthOf(v any, name string) (truth, ok bool) {
	switch x := v.(type) {
	case *itemData:
		return x.fieldTruth(name)
	case *snippetData:
		return x.fieldTruth(name)
	case *pair:
		return x.fieldTruth(name)
	case offerView:
		return x.fieldTruth(name)
	}
	return false, false
}

// parent walks p to the value holding its last part, for write and truth
// to ask that value for the part without boxing it. ok is false when p has
// no such parent (a data variable, @now, this, a lone block parameter);
// then st is not walkFound when the walk ended before the parent (the
// path's value is then as eval makes it from st and base).
func (p *pathExpr) parent(s *state, f int) (v any, base int, st walkState, ok bool) {
	n := len(p.parts)
	if p.now || p.data || n == 0 || (p.bp && n == 1) {
		return nil, -1, walkFound, false
	}
	v, base, st = p.walk(s, f, n-1)
	return v, base, st, true
}

// last reads p's last part from parent, found by walking the others from
// base, as walk would.
func (p *pathExpr) last(s *state, parent any, base int) (any, error) {
	if p.root && parent != nil && !truthy(parent) {
		return parent, nil // walkShort
	}
	v, ok := lookupField(parent, p.parts[len(p.parts)-1])
	if !ok {
		return s.missingPath(p, base)
	}
	return v, nil
}

// value is eval for a walk to p's parent that ended with st.
func (p *pathExpr) value(s *state, parent any, base int, st walkState) (any, error) {
	switch st {
	case walkShort:
		return parent, nil
	case walkMissing:
		return s.missingPath(p, base)
	}
	return p.last(s, parent, base)
}

// write appends p's value to the output as appendValue would.
func (p *pathExpr) write(s *state, f int, escape bool) error {
	if p.item != fieldNone {
		if ctx, ok := s.contextOf(f); ok {
			if b, ok := appendItemFieldOf(ctx, s.buf, p.item, escape); ok {
				s.buf = b
				return nil
			}
		}
	}
	var v any
	var err error
	if parent, base, st, ok := p.parent(s, f); ok {
		if st == walkFound {
			if b, ok := appendFieldOf(parent, s.buf, p.parts[len(p.parts)-1], escape); ok {
				s.buf = b
				return nil
			}
		}
		v, err = p.value(s, parent, base, st)
	} else {
		v, err = p.eval(s, f)
	}
	if err != nil {
		return err
	}
	s.buf = appendValue(s.buf, v, escape)
	return nil
}

// truth is ifTrue for p's value, without boxing it where it can.
func (p *pathExpr) truth(s *state, f int) (bool, error) {
	if p.item != fieldNone {
		if ctx, ok := s.contextOf(f); ok {
			if t, ok := itemFieldTruthOf(ctx, p.item); ok {
				return t, nil
			}
		}
	}
	var v any
	var err error
	if parent, base, st, ok := p.parent(s, f); ok {
		if st == walkFound {
			if t, ok := fieldTruthOf(parent, p.parts[len(p.parts)-1]); ok {
				return t, nil
			}
		}
		v, err = p.value(s, parent, base, st)
	} else {
		v, err = p.eval(s, f)
	}
	if err != nil {
		return false, err
	}
	return truthy(v) && !isEmpty(v), nil
}

// nowValue is @now, boxed once for as long as the decision time stays the
// same (a batch run has one).
func (s *state) nowValue() any {
	if s.cache.nowBox == nil || s.cache.now != s.now {
		s.cache.now, s.cache.nowBox = s.now, s.now
	}
	return s.cache.nowBox
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

// pair is recipient {id, email} or campaign {id, name}. A value is boxed
// when a template reads it as a value, through the state's cache (slots
// slot and slot+1); written out, it is not boxed at all.
type pair struct {
	names [2]string
	vals  [2]string
	cache *boxCache
	slot  int
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

// rootFieldAt is lookupField(v, rootFields[i-1]) for the template's data,
// offer content's (which has the same fields after its item's) and the
// context of {{> partial key=value}} over the template's data when no key
// is that field's name, or false for another context.
func rootFieldAt(v any, i uint8) (any, bool) {
	var r *rootData
	switch x := v.(type) {
	case *rootData:
		r = x
	case *snippetData:
		r = x.root
	case *hashContext:
		var ok bool
		if r, ok = x.base.(*rootData); !ok || x.has(rootFields[i-1]) {
			return nil, false
		}
	default:
		return nil, false
	}
	switch i {
	case 1:
		return r.profile, true
	case 2:
		return &r.recipient, true
	case 3:
		return r.context, true
	}
	return &r.campaign, true
}

// pairString is the value of p, read from base, the context it starts
// from, when p is recipient.id or .email, or campaign.id or .name (walk's
// value, as a string, without boxing it); false for any other path or
// context.
func (p *pathExpr) pairString(base any) (string, bool) {
	if (p.rootField != 2 && p.rootField != 4) || len(p.parts) != 2 || p.bp || p.data || p.now {
		return "", false
	}
	v, ok := rootFieldAt(base, p.rootField)
	if !ok {
		return "", false
	}
	pr := v.(*pair)
	for i, n := range pr.names {
		if n == p.parts[1] {
			return pr.vals[i], true
		}
	}
	return "", false
}

func (p *pair) field(name string) (any, bool) {
	for i, n := range p.names {
		if n == name {
			return p.cache.box(p.slot+i, p.vals[i]), true
		}
	}
	return nil, false
}

func (p *pair) appendField(b []byte, name string, escape bool) ([]byte, bool) {
	for i, n := range p.names {
		if n == name {
			return appendString(b, p.vals[i], escape), true
		}
	}
	return b, false
}

func (p *pair) fieldTruth(name string) (bool, bool) {
	for i, n := range p.names {
		if n == name {
			return p.vals[i] != "", true
		}
	}
	return false, false
}

func (p *pair) keys() []string { return p.names[:] }

func (s *state) setRoot(in *Input) {
	s.in = in
	s.strict = in.Strict
	s.escape = true
	s.now = in.Now
	s.order = in.Recipient.Order
	d := &s.data
	if d.recipient.cache == nil { // a new state: the names, once
		d.recipient = pair{names: [2]string{"id", "email"}, cache: &s.cache, slot: 0}
		d.campaign = pair{names: [2]string{"id", "name"}, cache: &s.cache, slot: 2}
	}
	d.profile, d.context = in.Recipient.Profile, in.Recipient.Context
	d.recipient.vals = [2]string{in.Recipient.ID, in.Recipient.Email}
	d.campaign.vals = [2]string{in.Campaign.ID, in.Campaign.Name}
	s.root = s.push(frame{ctx: d, parent: -1, from: -1, elem: -1, includer: -1, rooted: true})
}

// drop lets go of the recipient's data, keeping the names.
func (r *rootData) drop() {
	r.profile, r.context = nil, nil
	r.recipient.vals, r.campaign.vals = [2]string{}, [2]string{}
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

// has reports whether the hash has a pair named name.
func (h *hashContext) has(name string) bool {
	for _, kv := range h.hash {
		if kv.key == name {
			return true
		}
	}
	return false
}

func (h *hashContext) field(name string) (any, bool) {
	for _, kv := range h.hash {
		if kv.key == name {
			return kv.val, true
		}
	}
	return ownField(h.base, name)
}

// appendField writes a pair of the hash, a literal string as escaped at
// load; the fields of the base are read the general way.
func (h *hashContext) appendField(b []byte, name string, escape bool) ([]byte, bool) {
	for _, kv := range h.hash {
		if kv.key == name {
			if escape && kv.esc != "" {
				return append(b, kv.esc...), true
			}
			return appendValue(b, kv.val, escape), true
		}
	}
	return b, false
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
