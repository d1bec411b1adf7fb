package message

import (
	"bytes"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// A value that holds markup (an offer's html content, a triple-stash) is
// parsed where it goes, its CSS inlined and its text compiled (markup).
// Offer content differs from one recipient to the next only in the data
// it carries — a link with the recipient's id, a first name — so each
// message would parse the same markup again. Instead, the value's shape
// is compiled once per writer: the value with each run of text and each
// value of an attribute that carries only data (href, src, alt, title)
// taken out as a hole. The shape is parsed, styled, written and its text
// compiled with marks in the holes, as CompileDoc does a template, and a
// later value of the same shape is written as the shape's pieces with its
// own holes in between, escaped as the HTML writer escapes them.
//
// Why the result is markup's for the whole value: the shape holds every
// byte of the value but the holes', and each hole is a whole run of text
// (from a tag's '>' to the next '<') or the whole content of a quoted
// attribute value, so the parser (readMarkup) reads the same elements,
// attributes and comments from any value of the shape; a hole's content
// is unescaped and written back as the parser and the HTML writer treat
// text and attribute values alike; no selector of the sheet reads the
// attributes whose values are holes (holeAttrs), so the same rules
// match; and the text alternative reads a hole's text where the mark is,
// as it reads a template's values. The differential tests hold writes
// through the shapes to markup byte for byte.

// shape is a markup value's shape compiled for one mark.
type shape struct {
	html   []Piece   // len(holes)+1 pieces of HTML, around the holes (their text is text's)
	text   []TextOps // the text around the holes, likewise
	silent []bool    // per hole: the text alternative does not show it
}

// hole is where a value's hole is in it.
type hole struct {
	start, end int
	attr       bool // an attribute's value, not text
}

// Bounds of DocWriter.shapes.
const (
	maxShapes     = 256
	maxShapeValue = 16 << 10
)

// holeAttrs are the attributes whose values are holes of a shape, unless
// a selector of the document's sheet reads them.
var holeAttrs = [...]string{"href", "src", "alt", "title"}

// holeAttr reports whether the value of attribute name is a hole in d.
func (d *Doc) holeAttr(name []byte) bool {
	for i, a := range holeAttrs {
		if bytes.EqualFold(name, []byte(a)) {
			return !d.readsAttr[i]
		}
	}
	return false
}

// setReadAttrs notes which of holeAttrs a selector of the sheet reads.
func (d *Doc) setReadAttrs() {
	if d.styles == nil {
		return
	}
	for _, r := range d.styles.sheet.rules {
		for i, a := range holeAttrs {
			if strings.Contains(strings.ToLower(r.selector), "["+a) {
				d.readsAttr[i] = true
			}
		}
	}
}

// markupShaped writes v, a value with markup at mark n, through its
// shape; ok is false when v has no shape (markup then writes it).
func (w *DocWriter) markupShaped(dst []byte, n int, s *slot, v []byte) (out []byte, ok bool) {
	if len(v) > maxShapeValue || bytes.Contains(v, markLeadUTF8) {
		return dst, false
	}
	key := strconv.AppendInt(w.key[:0], int64(n), 10)
	key = append(key, ':')
	var scanned bool
	key, w.holes, scanned = w.scanShape(key, w.holes[:0], v)
	w.key = key
	if !scanned {
		return dst, false
	}
	for _, h := range w.holes {
		if !refsTerminated(v[h.start:h.end]) || h.attr && !attrRefsRead(v[h.start:h.end]) {
			return dst, false
		}
	}
	sh, known := w.shapes[string(key)]
	if !known {
		sh = w.compileShape(s, key[bytes.IndexByte(key, ':')+1:], len(w.holes))
		if w.shapes == nil || len(w.shapes) >= maxShapes {
			w.shapes = make(map[string]*shape, 16)
		}
		w.shapes[string(key)] = sh
	}
	if sh == nil {
		return dst, false
	}
	styled := w.d.styles != nil
	for i, h := range w.holes {
		dst = w.appendPiece(dst, &sh.html[i])
		if !s.silent {
			w.tw.Run(sh.text[i])
		}
		hv := v[h.start:h.end]
		w.dec = appendUnescaped(w.dec[:0], hv)
		if !s.silent && !sh.silent[i] {
			w.tw.Write(w.dec)
		}
		if styled {
			dst = appendRenderEscaped(dst, w.dec)
		} else {
			dst = append(dst, hv...)
		}
	}
	dst = w.appendPiece(dst, &sh.html[len(w.holes)])
	if !s.silent {
		w.tw.Run(sh.text[len(w.holes)])
	}
	return dst, true
}

var markLeadUTF8 = []byte(string(rune(markLead)))

// scanShape appends v's shape to key — v with a mark in place of each
// hole — and the holes to holes. It reads v as readMarkup does, and
// reports false for what it does not read as readMarkup would.
func (w *DocWriter) scanShape(key []byte, holes []hole, v []byte) ([]byte, []hole, bool) {
	from := 0 // v[from:i] is not yet in key
	addHole := func(i, j int, attr bool) {
		key = append(key, v[from:i]...)
		key = AppendMark(key, len(holes), MarkText)
		holes = append(holes, hole{i, j, attr})
		from = j
	}
	i := 0
	for i < len(v) {
		j := bytes.IndexByte(v[i:], '<')
		if j < 0 {
			addHole(i, len(v), false)
			break
		}
		if j > 0 {
			addHole(i, i+j, false)
		}
		i += j + 1
		switch {
		case bytes.HasPrefix(v[i:], []byte("!--")):
			end := bytes.Index(v[i+3:], []byte("-->"))
			if end < 0 {
				return key, holes, false
			}
			i += 3 + end + 3
		case i < len(v) && v[i] == '/':
			end := bytes.IndexByte(v[i:], '>')
			if end < 0 {
				return key, holes, false
			}
			i += end + 1
		default:
			for i < len(v) && (isLetter(v[i]) || '0' <= v[i] && v[i] <= '9') {
				i++
			}
			var ok bool
			if i, ok = w.scanAttrs(v, i, addHole); !ok {
				return key, holes, false
			}
		}
	}
	key = append(key, v[from:]...)
	return key, holes, true
}

// scanAttrs reads a start tag's attributes from v[i:] as readAttrs does,
// calling hole for the values that are holes, and returns where the tag
// ends.
func (w *DocWriter) scanAttrs(v []byte, i int, hole func(i, j int, attr bool)) (int, bool) {
	space := func() {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\f') {
			i++
		}
	}
	for {
		space()
		switch {
		case i >= len(v):
			return i, false
		case v[i] == '>':
			return i + 1, true
		case v[i] == '/':
			if i+1 < len(v) && v[i+1] == '>' {
				return i + 2, true
			}
			return i, false
		}
		start := i
		for i < len(v) && (isLetter(v[i]) || '0' <= v[i] && v[i] <= '9' || v[i] == '-' && i > start) {
			i++
		}
		if i == start || !isLetter(v[start]) {
			return i, false
		}
		name := v[start:i]
		space()
		if i < len(v) && v[i] == '=' {
			i++
			space()
			if i >= len(v) || v[i] != '"' && v[i] != '\'' {
				return i, false
			}
			end := bytes.IndexByte(v[i+1:], v[i])
			if end < 0 {
				return i, false
			}
			if w.d.holeAttr(name) {
				hole(i+1, i+1+end, true)
			}
			i += 1 + end + 1
		}
	}
}

// compileShape compiles skeleton, a shape with k holes, at slot s: as
// markup writes it, cut at the holes' marks. Nil: the shape cannot be
// written this way, and its values go through markup.
func (w *DocWriter) compileShape(s *slot, skeleton []byte, k int) (sh *shape) {
	defer func() {
		if recover() != nil {
			sh = nil
		}
	}()
	p := &html.Node{Type: html.ElementNode, Data: s.parent.Data, DataAtom: s.parent.DataAtom,
		Attr: s.parent.Attr, Parent: s.parent.Parent}
	if !readMarkup(skeleton, p, s.anchor) {
		return nil
	}
	out := string(skeleton)
	if w.d.styles != nil {
		var ok bool
		if out, ok = w.styleMarkup(p); !ok {
			return nil
		}
	}
	sh = &shape{html: make([]Piece, 0, k+1), text: make([]TextOps, k+1), silent: make([]bool, k)}
	from := 0
	for m := range k {
		at, got := nextMark(out[from:])
		if at < 0 || got != m {
			return nil
		}
		sh.html = append(sh.html, Piece{HTML: []byte(out[from : from+at])})
		from += at + markLen
	}
	if hasMark(out[from:]) {
		return nil
	}
	sh.html = append(sh.html, Piece{HTML: []byte(out[from:])})
	for i := range sh.html {
		sh.html[i].encodeAhead()
	}
	if s.silent {
		return sh
	}
	c := &textCompiler{marks: true}
	if s.link {
		c.link = 1
	}
	for n := p.FirstChild; n != nil; n = n.NextSibling {
		c.node(n)
	}
	if c.refusal != "" {
		return nil
	}
	next, last := 0, 0
	for i, o := range c.ops {
		if o.kind != tMark && o.kind != tMarkSilent {
			continue
		}
		if o.n != next {
			return nil
		}
		sh.text[next] = compiledOps(c.ops[last:i:i])
		sh.silent[next] = o.kind == tMarkSilent
		next, last = next+1, i+1
	}
	if next != k {
		return nil
	}
	sh.text[k] = compiledOps(c.ops[last:len(c.ops):len(c.ops)])
	return sh
}
