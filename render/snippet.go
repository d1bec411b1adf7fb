package render

import "github.com/offermail/offermail/diag"

// Snippet is a compiled Handlebars fragment: one representation of an
// offer in the library (its html or text, link, image or alt). It is
// rendered per recipient with the offer's fields (id, name, attributes,
// tags, token, rank, isFallback, and the rendered link, image and alt) and
// the recipient's data (profile, context, recipient, campaign) in scope.
//
// A Snippet is immutable and safe for concurrent use.
type Snippet struct {
	name   string
	src    string
	prog   program
	static bool // no data in it: text is the output for everyone
	// ops is prog when it is only text and the item's fields, which
	// renderSnippet writes without a frame (itemfield.go); else nil.
	ops  []snippetOp
	text string // the output when static
	// escaped is text escaped as HTML, for where a static snippet's output
	// is written escaped (a link in an attribute, text content).
	escaped string
}

// ParseSnippet compiles the fragment src, named name in errors. Errors are
// a diag.List whose positions are relative to src (1:1 is its start), for
// the caller to shift to where src sits in its file.
func ParseSnippet(name, src string) (*Snippet, error) {
	s := plainSource(name, src, 1, 1)
	ast, perr := parseSource(s)
	if perr != nil {
		return nil, diag.List{perr}
	}
	b := newBuild(nil, nil)
	c := &compiler{b: b, src: s, mode: modeSnippet}
	prog := c.compile(ast, ctxSnippet)
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	sn := &Snippet{name: name, src: src, prog: prog}
	switch {
	case len(prog) == 0:
		sn.static = true
	case len(prog) == 1:
		if t, ok := prog[0].(*textNode); ok {
			sn.static, sn.text = true, t.text
		}
	}
	if sn.static {
		sn.escaped = escapeString(sn.text)
	} else {
		sn.ops = snippetOps(prog)
	}
	return sn, nil
}

// Name returns the name the snippet was parsed with.
func (sn *Snippet) Name() string { return sn.name }

// Source returns the snippet's Handlebars source.
func (sn *Snippet) Source() string { return sn.src }

// snippetData is the context offer content is rendered in: the item's
// fields, its snippets rendered so far, and the recipient's data.
type snippetData struct {
	it   *Item
	root *rootData
	text rendered
}

func (d *snippetData) field(name string) (any, bool) {
	if name == "offer" {
		return offerView{d}, true
	}
	if v, ok := itemField(d.it, name); ok {
		return v, true
	}
	if v, ok := d.text.value(name); ok {
		return v, true
	}
	return d.root.field(name)
}

func (d *snippetData) keys() []string { return snippetFields }

func (d *snippetData) appendField(b []byte, name string, escape bool) ([]byte, bool) {
	return d.appendFieldAt(b, itemFieldIndex(name), escape)
}

func (d *snippetData) fieldTruth(name string) (bool, bool) {
	return d.fieldTruthAt(itemFieldIndex(name))
}

// offerView is {{offer}} inside offer content: the offer's own fields
// without the recipient's data, so {{offer.name}} and {{name}} are one.
type offerView struct{ d *snippetData }

var offerViewFields = []string{"id", "name", "attributes", "tags", "token", "rank", "isFallback", "link", "image", "alt"}

func (v offerView) field(name string) (any, bool) {
	if val, ok := itemField(v.d.it, name); ok {
		return val, true
	}
	return v.d.text.value(name)
}

func (v offerView) keys() []string { return offerViewFields }

func (v offerView) appendField(b []byte, name string, escape bool) ([]byte, bool) {
	return v.d.appendField(b, name, escape)
}

func (v offerView) fieldTruth(name string) (bool, bool) { return v.d.fieldTruth(name) }

// renderSnippet renders sn for one item, into the arena. HTML content is
// rendered with escaping, like a template; text, links, image URLs and alt
// text are rendered as text, since they are escaped where they are written
// out.
func (s *state) renderSnippet(sn *Snippet, d *snippetData, html bool) (string, error) {
	if sn.static {
		return sn.text, nil
	}
	esc, root := s.escape, s.root
	saved, start := s.beginArena()
	s.escape = html
	if sn.ops != nil {
		err := s.execOps(sn, d)
		s.escape = esc
		return s.endArena(saved, start), err
	}
	fi := s.push(frame{ctx: d, parent: -1, from: -1, elem: -1, includer: -1, rooted: true})
	s.root = fi
	err := sn.prog.exec(s, fi)
	s.pop(fi)
	s.escape, s.root = esc, root
	return s.endArena(saved, start), err
}
