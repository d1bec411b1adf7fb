package adobe

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/offermail/offermail/adobe/pql"
	"github.com/offermail/offermail/diag"
)

// converter turns the instances of an export into a library, collecting
// every error (bad input) and every report item (what was translated,
// approximated, ignored or could not be translated).
type converter struct {
	errs   diag.List
	report *Report
	lib    *library

	byKind map[string][]*instance
	// ids maps kind → Adobe id → the instance.
	byAdobe map[string]map[string]*instance
	// slugs holds the offermail ids taken, per kind.
	slugs map[string]map[string]bool
	ids   map[*instance]string
	tags  map[string]string // tag Adobe id → offermail tag
	// placementTypes is each placement's content type; placementDup says
	// whether Adobe allows an offer in it twice in one message.
	placementTypes map[*instance]string
	placementDup   map[*instance]bool
}

func newConverter() *converter {
	return &converter{
		report:  newReport(),
		lib:     &library{},
		byKind:  map[string][]*instance{},
		byAdobe: map[string]map[string]*instance{},
		slugs:   map[string]map[string]bool{},
		ids:     map[*instance]string{},
		tags:    map[string]string{},

		placementTypes: map[*instance]string{},
		placementDup:   map[*instance]bool{},
	}
}

// errorf reports bad input at a value. The code says what kind of
// problem it is.
func (c *converter) errorf(v *value, format string, args ...any) {
	c.errorCode(diag.Invalid, v, format, args...)
}

func (c *converter) errorCode(code diag.Code, v *value, format string, args ...any) {
	if len(c.errs) >= maxErrors {
		return
	}
	c.errs.Add(errorAt(code, v.src, v.off, v.path, format, args...))
}

// where is the file position of a value, for the report.
func where(v *value) string {
	line, col := v.src.position(v.off)
	return fmt.Sprintf("%s:%d:%d", v.src.name, line, col)
}

// add registers one instance read from an export.
func (c *converter) add(env *envelope) {
	kind := classify(env)
	if kind == "" {
		c.errorCode(diag.Unknown, env.inst, "cannot tell what kind of Adobe object this is: give its \"schemas\" (as Adobe's listings do) or an \"@id\" such as xcore:personalized-offer:…")
		return
	}
	in := &instance{kind: kind, index: len(c.byKind[kind]), v: env.inst}
	for _, name := range []string{"@id", "id"} {
		if id := env.inst.member(name); id != nil {
			if id.kind != '"' || id.text == "" {
				c.errorf(id, "%s must be a non-empty string", name)
				return
			}
			in.adobeID = id.text
			break
		}
	}
	if in.adobeID == "" {
		if id := env.outer.member("instanceId"); id != nil && id.kind == '"' && id.text != "" {
			in.adobeID = id.text
		} else {
			c.errorCode(diag.Missing, env.inst, "the object has no \"@id\" (or \"id\"); other objects refer to it by that id")
			return
		}
	}
	if n := env.inst.field("name"); n != nil {
		if n.kind != '"' {
			c.errorf(n, "name must be a string, not %s", kindName(n.kind))
		}
		in.name = n.text
	}
	if c.byAdobe[kind] == nil {
		c.byAdobe[kind] = map[string]*instance{}
	}
	if prev := c.byAdobe[kind][in.adobeID]; prev != nil {
		c.errorCode(diag.Duplicate, env.inst, "%s %q appears twice (first at %s); keep one copy of each object", kind, in.adobeID, where(prev.v))
		return
	}
	c.byAdobe[kind][in.adobeID] = in
	c.byKind[kind] = append(c.byKind[kind], in)
	c.report.Read[kind]++
}

// lookup resolves a reference (an Adobe id) to an instance of one of kinds.
func (c *converter) lookup(v *value, what string, kinds ...string) *instance {
	if v.kind != '"' || v.text == "" {
		c.errorf(v, "%s must be an id string, not %s", what, kindName(v.kind))
		return nil
	}
	for _, k := range kinds {
		if in := c.byAdobe[k][v.text]; in != nil {
			return in
		}
	}
	c.errorCode(diag.Undefined, v, "%s %q is not in the export: add the %s listing to the files imported", what, v.text, kinds[0])
	return nil
}

// str reads a string field.
func (c *converter) str(v *value, what string) (string, bool) {
	if v.kind != '"' {
		c.errorf(v, "%s must be a string, not %s", what, kindName(v.kind))
		return "", false
	}
	return v.text, true
}

// integer reads a whole number in [min, max].
func (c *converter) integer(v *value, what string, min, max int64) (int64, bool) {
	if v.kind != '0' {
		c.errorf(v, "%s must be a number, not %s", what, kindName(v.kind))
		return 0, false
	}
	f, err := strconv.ParseFloat(v.text, 64)
	if err != nil || f != math.Trunc(f) || f < float64(min) || f > float64(max) {
		c.errorf(v, "%s must be a whole number from %d to %d, not %s", what, min, max, v.text)
		return 0, false
	}
	return int64(f), true
}

// timestamp reads an RFC 3339 date and time (Adobe writes
// 2023-05-15T14:25:49.622+00:00).
func (c *converter) timestamp(v *value, what string) (time.Time, bool) {
	s, ok := c.str(v, what)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.errorf(v, "%s %q is not an RFC 3339 date and time", what, s)
		return time.Time{}, false
	}
	return t.UTC(), true
}

// strings reads an array of strings.
func (c *converter) strings(v *value, what string) []string {
	if v.kind != '[' {
		c.errorf(v, "%s must be an array, not %s", what, kindName(v.kind))
		return nil
	}
	var out []string
	for _, it := range v.items {
		if s, ok := c.str(it, what+" item"); ok {
			out = append(out, s)
		}
	}
	return out
}

// pqlText reads a PQL condition or expression: a string, or an object
// {"type": "PQL", "format": "pql/text", "value": "…"} (prefixed or not).
func (c *converter) pqlText(v *value, what string) (text string, at *value, ok bool) {
	switch v.kind {
	case '"':
		return v.text, v, true
	case '{':
		if t := v.field("type"); t != nil && !strings.EqualFold(t.text, "PQL") {
			c.errorf(t, "%s is of type %q; only PQL can be translated", what, t.text)
			return "", nil, false
		}
		v.field("format")
		val := v.field("value")
		if val == nil {
			c.errorf(v, "%s has no value (the PQL text)", what)
			return "", nil, false
		}
		s, ok := c.str(val, what+" value")
		return s, val, ok
	}
	c.errorf(v, "%s must be a PQL string or a condition object, not %s", what, kindName(v.kind))
	return "", nil, false
}

// translate turns PQL into an expression, or reports why it cannot: the
// caller writes a rule that is false (or a formula that is the priority)
// with the original text in a TODO comment.
func (c *converter) translate(in *instance, at *value, src string, kind pql.Kind) (string, *diag.Error) {
	expr, err := pql.Translate(src, kind)
	if err != nil {
		var pe *diag.Error
		if !errors.As(err, &pe) {
			pe = &diag.Error{Line: 1, Col: 1, Msg: err.Error()}
		}
		reason := pe.Msg
		if !errors.Is(err, pql.ErrUnsupported) {
			reason = "PQL syntax error: " + pe.Msg
		}
		c.report.untranslated(in, at, fmt.Sprintf("%d:%d: %s", pe.Line, pe.Col, reason), src)
		return "", pe
	}
	if cerr := compiles(expr, kind); cerr != "" {
		// Valid PQL whose translation the engine refuses (a type error
		// between literals, say): keep it visible rather than guess.
		c.report.untranslated(in, at, "the translation does not compile: "+cerr, src)
		return "", &diag.Error{Line: 1, Col: 1, Msg: cerr}
	}
	c.report.translated(in, at, src, expr)
	return expr, nil
}

// skip marks fields read on purpose and not translated (descriptions,
// labels, API display options), with everything inside them.
func skip(v *value, names ...string) {
	for _, n := range names {
		if f := v.field(n); f != nil {
			markTree(f)
		}
	}
}

func markTree(v *value) {
	for _, m := range v.members {
		m.used = true
		markTree(m.val)
	}
	for _, it := range v.items {
		markTree(it)
	}
}

// unread reports the fields of an instance the import did not read: they
// are not part of the library, and nothing is dropped silently.
func (c *converter) unread(in *instance, v *value) {
	for _, m := range v.members {
		if !m.used {
			c.report.ignored(in, m.val, "field %s is not part of an offermail library", m.name)
			continue
		}
		c.unread(in, m.val)
	}
	for _, it := range v.items {
		c.unread(in, it)
	}
}
