// Package campaign is where the decision engine meets the template engine:
// the one place that imports both decide and render. It loads a library,
// compiles the Handlebars in its offer content, gives render's loader the
// Catalog it declares, and turns a decision into the propositions render
// takes as data (Propositions). The per-recipient pieces every caller
// shares are here too: NewRequest builds the decision request, Render
// renders a decision made, Encode writes a message in a format.
//
// Every command goes through it — check, decide, render, batch, serve and
// snapshot — so previews and snapshots take the production path; only the
// store behind the counters differs between a dry run and a real one.
package campaign

import (
	"errors"
	"fmt"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/diag"
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
// and fallback content. Errors are a diag.List whose items name the
// library file, line and column, including errors inside offer content.
func Load(dir string) (*Project, error) {
	cc := newContentCompiler()
	lib, err := decide.Load(dir, decide.WithContentCheck(cc.check))
	if err != nil {
		return nil, err
	}
	return &Project{Library: lib, Engine: decide.New(lib), content: cc.content}, nil
}

// Check checks the library in dir, offer content included, and returns
// every error with a catalog of what did load, so that templates can be
// checked against the activities and placements that are fine even while
// others have errors (mailpreview check lists every error at once).
func Check(dir string) (render.Catalog, error) {
	files, err := decide.ReadDir(dir)
	if err != nil {
		empty, _ := decide.LoadFiles(nil)
		return catalog{empty}, err
	}
	lib, err := decide.LoadPartial(files, decide.WithContentCheck(newContentCompiler().check))
	return catalog{lib}, err
}

// contentCompiler compiles offer content as Handlebars snippets.
type contentCompiler struct {
	content map[contentKey]*snippets
}

func newContentCompiler() *contentCompiler {
	return &contentCompiler{content: map[contentKey]*snippets{}}
}

// check is a decide.ContentCheck: it compiles one offer's content for one
// placement and reports template errors at their place in the text.
func (cc *contentCompiler) check(o *decide.Offer, placement string, c *decide.Content, report func(field string, e *diag.Error)) {
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
			prefix := fmt.Sprintf("%s %q, content for placement %q (%s): ", kind(o), o.ID, placement, f.field)
			var list diag.List
			if !errors.As(err, &list) {
				report(f.field, &diag.Error{Line: 1, Col: 1, Msg: prefix + err.Error(), Err: err})
				continue
			}
			for _, e := range list {
				report(f.field, &diag.Error{Code: e.Code, Line: e.Line, Col: e.Col, Msg: prefix + e.Msg, Err: e.Err})
			}
			continue
		}
		*f.dst = snip
	}
	cc.content[contentKey{o, placement}] = s
}

func kind(o *decide.Offer) string {
	if o.Fallback {
		return "fallback"
	}
	return "offer"
}
