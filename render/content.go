package render

import (
	"fmt"
	"strings"
	"sync"

	"github.com/offermail/offermail/diag"
)

// Content is one item's representation rendered for a recipient, as a
// placeholder of its placement would use it: the offer content of an API
// answer, for channels that place offers themselves (web, app). Has* is
// false where the item has no such representation.
type Content struct {
	// Content is the html or text representation; html keeps the offer's
	// markup, with the recipient's data in it escaped as in a template.
	Content, Link, Image, Alt             string
	HasContent, HasLink, HasImage, HasAlt bool
}

// contentStates is scratch space for RenderContent, as a template's pool
// is for Execute.
var contentStates = sync.Pool{New: func() any { return new(state) }}

// RenderContent renders the offer content of every item of
// in.Propositions for the recipient of in: out[i][j] is item j of
// proposition i. It renders exactly what a template's placeholders would,
// in the same data context: link, image and alt first, then the content,
// which may use them.
//
// An error in the recipient's data (a missing field with in.Strict, a value
// a helper cannot format) names the snippet; a panic in a helper is an
// error too.
func RenderContent(in *Input) (out [][]Content, err error) {
	props := in.Propositions
	s := contentStates.Get().(*state)
	defer contentStates.Put(s)
	s.reset()
	s.setRoot(in)
	s.props = props
	s.items = s.items[:0]
	for range props {
		s.items = append(s.items, nil)
	}
	s.done = append(s.done[:0], make([]bool, len(props))...)
	defer func() {
		if r := recover(); r != nil {
			out = nil
			if s.ncalls > 0 {
				c := s.calls[s.ncalls-1]
				err = c.expr.pos.errorc(diag.Execute, "helper %s failed: %v", c.h.name, r)
			} else {
				err = fmt.Errorf("render offer content: internal error: %v", r)
			}
		}
		s.drop()
	}()
	out = make([][]Content, len(props))
	for i := range props {
		items, err := s.scopeItems(i, props[i].Type)
		if err != nil {
			return nil, fmt.Errorf("render offer content for %s/%s: %w", props[i].Scope.Activity, props[i].Scope.Placement, err)
		}
		out[i] = make([]Content, len(items))
		for j := range items {
			r := &items[j].sd.text
			// Copied: the rendered strings live in the state's arena.
			out[i][j] = Content{
				Content: strings.Clone(r.content), Link: strings.Clone(r.link), Image: strings.Clone(r.image), Alt: strings.Clone(r.alt),
				HasContent: r.hasContent, HasLink: r.hasLink, HasImage: r.hasImage, HasAlt: r.hasAlt,
			}
		}
	}
	return out, nil
}
