// Package campaign is where the decision engine meets the template engine:
// the one place that imports both decide and render. It loads a library,
// compiles the Handlebars in its offer content, and adapts decisions to the
// interfaces render declares (Catalog at load, Decider per recipient).
//
// Every command goes through it — check, decide, render, batch, serve and
// snapshot — so previews and snapshots take the production path; only the
// store behind the counters differs between a dry run and a real one.
package campaign

import (
	"errors"
	"fmt"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// Project is a loaded offer library, its decision engine and its compiled
// offer content. It is immutable and safe for concurrent use.
type Project struct {
	Library *decide.Library
	Engine  *decide.Engine
	content map[contentKey]*snippets
}

type contentKey struct {
	offer     *decide.Offer
	placement string
}

// snippets are the compiled Handlebars of one offer's content for one
// placement.
type snippets struct {
	content, link, image, alt *render.Snippet
}

// Load loads the library in dir and compiles the Handlebars in its offer
// and fallback content. Errors are a decide.ErrorList whose items name the
// library file, line and column, including errors inside offer content.
func Load(dir string) (*Project, error) {
	lib, err := decide.Load(dir)
	if err != nil {
		return nil, err
	}
	return New(lib)
}

// New compiles the offer content of an already loaded library.
func New(lib *decide.Library) (*Project, error) {
	p := &Project{Library: lib, Engine: decide.New(lib), content: map[contentKey]*snippets{}}
	var errs decide.ErrorList
	compile := func(o *decide.Offer) {
		for _, placement := range lib.PlacementIDs() {
			c := o.Content[placement]
			if c == nil {
				continue
			}
			s := &snippets{}
			body := ""
			switch c.Type {
			case decide.ContentHTML:
				body = c.HTML
			case decide.ContentText:
				body = c.Text
			}
			for _, f := range []struct {
				field string
				src   string
				dst   **render.Snippet
			}{
				{string(c.Type), body, &s.content},
				{"link", c.Link, &s.link},
				{"image", c.Image, &s.image},
				{"alt", c.Alt, &s.alt},
			} {
				if f.src == "" {
					continue
				}
				snip, err := render.ParseSnippet(fmt.Sprintf("%s %s, %s %s", kind(o), o.ID, placement, f.field), f.src)
				if err != nil {
					errs = append(errs, snippetErrors(lib, o, c, placement, f.field, err)...)
					continue
				}
				*f.dst = snip
			}
			p.content[contentKey{o, placement}] = s
		}
	}
	for _, id := range lib.OfferIDs() {
		compile(lib.Offer(id))
	}
	for _, id := range lib.FallbackIDs() {
		compile(lib.Fallback(id))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

func kind(o *decide.Offer) string {
	if o.Fallback {
		return "fallback"
	}
	return "offer"
}

// snippetErrors maps template errors inside offer content to the library
// file.
func snippetErrors(lib *decide.Library, o *decide.Offer, c *decide.Content, placement, field string, err error) decide.ErrorList {
	var list render.ErrorList
	var one *render.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = render.ErrorList{one}
	default:
		return decide.ErrorList{lib.ErrorAt(c.Pos[field], "%s %q, content for placement %q (%s): %v", kind(o), o.ID, placement, field, err)}
	}
	var out decide.ErrorList
	for _, e := range list {
		out = append(out, lib.ErrorAt(c.Position(field, e.Line, e.Col), "%s %q, content for placement %q (%s): %s", kind(o), o.ID, placement, field, e.Msg))
	}
	return out
}
