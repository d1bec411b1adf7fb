package render

import "strconv"

// Fields of an offer item resolved at load. A one-part path such as
// {{link}} or {{token}} inside {{#offer}} or in offer content names a
// field the compiler knows; it is compiled to a number, so that writing it
// tests that number instead of comparing the name with each field's, and
// offer content made only of text and such fields (a link with the item's
// token) is written without a frame or a statement loop. The context is
// still checked at run time: where it is not an item (a partial's hash,
// an {{#each}} inside the block), the path is read by name as before.

// The fields; 0 is none.
const (
	fieldNone uint8 = iota
	fieldID
	fieldName
	fieldToken
	fieldRank
	fieldIsFallback
	fieldLink
	fieldImage
	fieldAlt
	fieldContent // an item's, in {{#offer}}; offer content has none
	fieldTags    // for its truth only: written, tags are a list
)

// itemFieldIndex returns the number of a field an item can write itself.
func itemFieldIndex(name string) uint8 {
	switch name {
	case "id":
		return fieldID
	case "name":
		return fieldName
	case "token":
		return fieldToken
	case "rank":
		return fieldRank
	case "isFallback":
		return fieldIsFallback
	case "link":
		return fieldLink
	case "image":
		return fieldImage
	case "alt":
		return fieldAlt
	case "content":
		return fieldContent
	case "tags":
		return fieldTags
	}
	return fieldNone
}

// appendItemFieldAt is appendItemField for field number i.
func appendItemFieldAt(b []byte, it *Item, i uint8, escape bool) ([]byte, bool) {
	switch i {
	case fieldID:
		return appendString(b, it.ID, escape), true
	case fieldName:
		return appendString(b, it.Name, escape), true
	case fieldToken:
		return appendString(b, it.Token, escape), true
	case fieldIsFallback:
		return strconv.AppendBool(b, it.IsFallback), true
	case fieldRank:
		return strconv.AppendInt(b, int64(it.Rank), 10), true
	}
	return b, false
}

// appendAt is appendValue for field number i.
func (r *rendered) appendAt(b []byte, i uint8, escape bool) ([]byte, bool) {
	switch i {
	case fieldLink:
		return appendText(b, r.link, r.linkEsc, escape), true
	case fieldImage:
		return appendText(b, r.image, r.imageEsc, escape), true
	case fieldAlt:
		return appendText(b, r.alt, r.altEsc, escape), true
	}
	return b, false
}

// appendFieldAt is appendField for field number i.
func (d *itemData) appendFieldAt(b []byte, i uint8, escape bool) ([]byte, bool) {
	if i == fieldContent {
		r := &d.sd.text
		if !r.hasContent {
			return b, true
		}
		return appendText(b, r.content, r.contentEsc, escape && !d.html), true
	}
	if b, ok := appendItemFieldAt(b, d.it, i, escape); ok {
		return b, true
	}
	return d.sd.text.appendAt(b, i, escape)
}

// appendFieldAt is appendField for field number i.
func (d *snippetData) appendFieldAt(b []byte, i uint8, escape bool) ([]byte, bool) {
	if b, ok := appendItemFieldAt(b, d.it, i, escape); ok {
		return b, true
	}
	return d.text.appendAt(b, i, escape)
}

// truthAt is truth for field number i.
func (r *rendered) truthAt(i uint8) (bool, bool) {
	switch i {
	case fieldLink:
		return r.link != "", true
	case fieldImage:
		return r.image != "", true
	case fieldAlt:
		return r.alt != "", true
	}
	return false, false
}

// itemFieldTruthAt is itemFieldTruth for field number i.
func itemFieldTruthAt(it *Item, i uint8) (bool, bool) {
	switch i {
	case fieldID:
		return it.ID != "", true
	case fieldName:
		return it.Name != "", true
	case fieldToken:
		return it.Token != "", true
	case fieldIsFallback:
		return it.IsFallback, true
	case fieldRank:
		return it.Rank != 0, true
	case fieldTags:
		return len(it.Tags) > 0, true
	}
	return false, false
}

// fieldTruthAt is fieldTruth for field number i.
func (d *itemData) fieldTruthAt(i uint8) (bool, bool) {
	if i == fieldContent {
		return d.sd.text.hasContent && d.sd.text.content != "", true
	}
	if t, ok := itemFieldTruthAt(d.it, i); ok {
		return t, true
	}
	return d.sd.text.truthAt(i)
}

// fieldTruthAt is fieldTruth for field number i.
func (d *snippetData) fieldTruthAt(i uint8) (bool, bool) {
	if t, ok := itemFieldTruthAt(d.it, i); ok {
		return t, true
	}
	return d.text.truthAt(i)
}

// appendItemFieldOf writes field number i of v when v is an item or offer
// content's data, the contexts where such paths are compiled.
func appendItemFieldOf(v any, b []byte, i uint8, escape bool) ([]byte, bool) {
	switch x := v.(type) {
	case *itemData:
		return x.appendFieldAt(b, i, escape)
	case *snippetData:
		return x.appendFieldAt(b, i, escape)
	}
	return b, false
}

// itemFieldTruthOf is fieldTruthOf for field number i.
func itemFieldTruthOf(v any, i uint8) (bool, bool) {
	switch x := v.(type) {
	case *itemData:
		return x.fieldTruthAt(i)
	case *snippetData:
		return x.fieldTruthAt(i)
	}
	return false, false
}

// contextOf returns the context a path of no ../ reads from frame f, as
// pathBase finds it, or false at no frame.
func (s *state) contextOf(f int) (any, bool) {
	f = s.level(f)
	if f < 0 {
		return nil, false
	}
	return s.frames[f].ctx, true
}

// snippetOp is a statement of offer content made of text, item fields
// and text helpers of recipient or campaign fields: the call when call is
// not nil, else text when field is fieldNone, else the field.
type snippetOp struct {
	text   string
	field  uint8
	call   *callExpr // {{urlencode recipient.id}}: see strCall
	escape bool      // {{…}} rather than {{{…}}}
}

// snippetOps returns prog as snippetOps, or nil when a statement is
// anything but text or an item field.
func snippetOps(prog program) []snippetOp {
	ops := make([]snippetOp, 0, len(prog))
	for _, n := range prog {
		switch n := n.(type) {
		case *textNode:
			ops = append(ops, snippetOp{text: n.text})
		case *outputNode:
			if ce, ok := n.e.(*callExpr); ok && strCall(ce) {
				ops = append(ops, snippetOp{call: ce, escape: n.escape})
				continue
			}
			// Only the fields offer content's data writes itself.
			p, ok := n.e.(*pathExpr)
			if !ok || p.item < fieldID || p.item > fieldAlt {
				return nil
			}
			ops = append(ops, snippetOp{field: p.item, escape: n.escape})
		default:
			return nil
		}
	}
	return ops
}

// strCall reports whether ce is a text helper of a string (urlencode,
// upper, lower) called with recipient.id or .email or campaign.id or
// .name, which pairString reads from offer content's data.
func strCall(ce *callExpr) bool {
	if ce.h.str == nil || !ce.direct || ce.nowDate || len(ce.params) != 1 {
		return false
	}
	p, ok := ce.params[0].(*pathExpr)
	if !ok || p.depth != 0 || p.root || p.bp || p.data || p.now || len(p.parts) != 2 {
		return false
	}
	switch p.rootField {
	case 2:
		return contains(recipientKeys, p.parts[1])
	case 4:
		return contains(campaignKeys, p.parts[1])
	}
	return false
}

// execOps runs the ops of sn for d as program.exec runs sn.prog, bounds
// included.
func (s *state) execOps(sn *Snippet, d *snippetData) error {
	if err := s.account(); err != nil {
		return err
	}
	for i, op := range sn.ops {
		switch {
		case op.call != nil:
			v, _ := op.call.params[0].(*pathExpr).pairString(d) // strCall made sure
			s.writeStr(op.call.h, v, op.escape && s.escape)
		case op.field == fieldNone:
			s.buf = append(s.buf, op.text...)
		default:
			s.buf, _ = d.appendFieldAt(s.buf, op.field, op.escape && s.escape)
		}
		if err := s.account(); err != nil {
			return s.failed(sn.prog[i], err)
		}
	}
	return nil
}
