package pql

import (
	"strconv"
	"strings"
)

// step is one step of a path: a field name, or a computed index.
type step struct {
	name string
	idx  Node // when not nil, [idx] instead of .name
	at   int
}

// flatten turns Member, Index and .get("k") chains into a root and steps.
func flatten(n Node) (Node, []step, error) {
	var steps []step
	for {
		switch x := n.(type) {
		case *Member:
			steps = append(steps, step{name: x.Name, at: x.At})
			n = x.X
			continue
		case *Index:
			if lit, ok := x.Idx.(*Lit); ok && lit.Kind == "string" {
				steps = append(steps, step{name: lit.Val, at: x.At})
			} else {
				steps = append(steps, step{idx: x.Idx, at: x.At})
			}
			n = x.X
			continue
		case *Call:
			if x.Recv != nil && x.Name == "get" {
				if len(x.Args) != 1 {
					return nil, nil, errAt(x.At, "get takes one key, got %d arguments", len(x.Args))
				}
				if lit, ok := x.Args[0].(*Lit); ok && lit.Kind == "string" {
					steps = append(steps, step{name: lit.Val, at: x.At})
				} else {
					steps = append(steps, step{idx: x.Args[0], at: x.At})
				}
				n = x.Recv
				continue
			}
		}
		break
	}
	for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
		steps[i], steps[j] = steps[j], steps[i]
	}
	return n, steps, nil
}

// path translates a reference to data: a profile field (the implicit
// first parameter, $1, "profile.", or the lambda's variable), the request's
// context (@{schema}), a quantifier's variable, or, in formulas, the offer.
func (t *translator) path(n Node) (frag, error) {
	root, steps, err := flatten(n)
	if err != nil {
		return frag{}, err
	}
	var base string
	switch r := root.(type) {
	case *Param:
		if r.N != "$1" {
			return frag{}, unsupportedAt(r.At, "%s: only $1 (the profile) is known to offermail", r.N)
		}
		base = "profile"
	case *ContextRef:
		// The context data of the decision request: its schema names the
		// shape, offermail's context is schemaless.
		base = "context"
	case *Ident:
		name := r.Name
		level, isVar := t.vars[name]
		switch {
		case isVar && level == 0:
			base = "profile"
		case isVar && level == t.level:
			base = "#"
		case isVar:
			return frag{}, unsupportedAt(r.At, "%s belongs to an outer exists/forall; offermail can only read the innermost one", name)
		case name == "xEvent":
			return frag{}, unsupportedAt(r.At, "experience events (xEvent) are not available to offer rules; Adobe's offer rules cannot use them either")
		case name == "offer":
			if t.kind != Formula {
				return frag{}, unsupportedAt(r.At, "offer fields are only available in ranking formulas")
			}
			return offerPath(r, steps)
		case name == "profile" && len(steps) > 0:
			base = "profile"
		default:
			base = "profile"
			steps = append([]step{{name: name, at: r.At}}, steps...)
		}
	default:
		// A computed value followed by fields: (x).y
		f, err := t.node(root)
		if err != nil {
			return frag{}, err
		}
		base = f.in(precPrimary)
	}
	s := base
	for _, st := range steps {
		if st.idx != nil {
			f, err := t.node(st.idx)
			if err != nil {
				return frag{}, err
			}
			s += "[" + f.s + "]"
			continue
		}
		s += field(st.name)
	}
	return prim(s), nil
}

// field writes ".name", or `["name"]` for names that are not plain
// identifiers of the expression language.
func field(name string) string {
	if isPlainName(name) && !exprKeywords[name] {
		return "." + name
	}
	return "[" + strconv.Quote(name) + "]"
}

func isPlainName(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

var exprKeywords = map[string]bool{
	"true": true, "false": true, "nil": true, "and": true, "or": true, "not": true, "in": true,
	"matches": true, "contains": true, "startsWith": true, "endsWith": true, "let": true,
	"if": true, "else": true,
}

// offerPath maps the offer fields ranking formulas use to offermail's
// offer (SPEC §3: id, name, priority, tags, attributes, start, end).
func offerPath(root *Ident, steps []step) (frag, error) {
	names := make([]string, len(steps))
	for i, st := range steps {
		if st.idx != nil {
			return frag{}, unsupportedAt(st.at, "computed offer fields are not supported")
		}
		names[i] = st.name
	}
	joined := strings.Join(names, ".")
	switch {
	case joined == "rank.priority":
		return prim("offer.priority"), nil
	case joined == "name":
		return prim("offer.name"), nil
	case joined == "_id" || joined == "id":
		// Adobe ids are kept as the adobeId attribute of imported offers.
		return prim("offer.attributes.adobeId"), nil
	case joined == "selectionConstraint.startDate":
		return prim("offer.start"), nil
	case joined == "selectionConstraint.endDate":
		return prim("offer.end"), nil
	case len(names) >= 2 && names[0] == "characteristics":
		s := "offer.attributes"
		for _, n := range names[1:] {
			s += field(n)
		}
		return prim(s), nil
	}
	at := root.At
	if len(steps) > 0 {
		at = steps[0].at
	}
	return frag{}, unsupportedAt(at, "offer.%s has no offermail equivalent (use rank.priority, name, _id, characteristics, selectionConstraint.startDate or endDate)", joined)
}
