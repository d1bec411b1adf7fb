package message

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// DocWriter writes one message of a compiled document: the pieces the
// template reaches and its values between them, into the caller's HTML
// buffer, and the text alternative alongside. Its buffers are reused from
// one message to the next (Reset); it is not safe for concurrent use.
type DocWriter struct {
	d       *Doc
	tw      TextWriter
	dec     []byte
	m       matcher
	frag    strings.Builder
	scratch []byte
	// seen keeps what markup values came to, by mark and value: offer
	// content is the same for many recipients. It is this writer's own,
	// bounded, and dropped with it.
	seen map[markupKey]markupDone
	// shapes keeps the shapes of markup values compiled so far (see
	// shape.go), by mark and shape; nil for a shape markup must write.
	shapes map[string]*shape
	key    []byte
	holes  []hole
	pieces []PieceAt // where the pieces encoded ahead went
}

type markupKey struct {
	mark int
	v    string
}

type markupDone struct {
	html []byte
	text TextOps
}

// Bounds of DocWriter.seen.
const (
	maxSeen      = 64
	maxSeenValue = 4 << 10
)

// Reset starts a message of d.
func (w *DocWriter) Reset(d *Doc) {
	w.d = d
	w.tw.Reset()
	w.pieces = w.pieces[:0]
}

// Piece appends p's HTML to dst and adds its text.
func (w *DocWriter) Piece(dst []byte, p *Piece) []byte {
	w.tw.Run(p.text)
	return w.appendPiece(dst, p)
}

// appendPiece appends p's HTML to dst, noting where when p is encoded
// ahead.
func (w *DocWriter) appendPiece(dst []byte, p *Piece) []byte {
	if p.qp.free != nil {
		w.pieces = append(w.pieces, PieceAt{Off: len(dst), P: p})
	}
	return append(dst, p.HTML...)
}

// AppendPieces appends to dst where the pieces this message's HTML holds
// are in it, for Message.Pieces: the notes hold until the next Reset.
func (w *DocWriter) AppendPieces(dst []PieceAt) []PieceAt { return append(dst, w.pieces...) }

// Value appends v, what the template wrote at value mark n, as the
// reference path writes it after parsing the message, and adds its text.
// It reports false when it cannot be sure of the equality for this v: the
// message must then be finished the reference way (Finish).
func (w *DocWriter) Value(dst []byte, n int, v []byte) ([]byte, bool) {
	s := &w.d.slots[n]
	k := classify(v)
	if k&(hasCR|hasNUL) != 0 {
		return dst, false
	}
	if s.bodyStart && len(v) > 0 && strings.IndexByte(" \t\n\f", v[0]) >= 0 {
		return dst, false
	}
	styled := w.d.styles != nil
	// Without an '&', every reference is terminated and reads alike in
	// an attribute (there is none).
	if s.inAttr {
		if k&hasQuote != 0 || k&hasAmp != 0 && (!refsTerminated(v) || !attrRefsRead(v)) {
			return dst, false
		}
		return w.text(dst, s, v, k, styled), true
	}
	if k&hasLT == 0 {
		if s.kind == MarkRaw && k&hasAmp != 0 && !refsTerminated(v) {
			return dst, false
		}
		if len(v) > 0 && v[0] == '\n' && s.parent != nil && (s.parent.DataAtom == atom.Pre || s.parent.DataAtom == atom.Listing) {
			return dst, false
		}
		return w.text(dst, s, v, k, styled), true
	}
	if s.kind != MarkRaw && w.d.structural {
		return dst, false
	}
	if out, ok := w.markupShaped(dst, n, s, v); ok {
		return out, true
	}
	if done, ok := w.seen[markupKey{n, string(v)}]; ok {
		if !s.silent {
			w.tw.Run(done.text)
		}
		return append(dst, done.html...), true
	}
	start := len(dst)
	var ops TextOps
	dst, ops, ok := w.markup(dst, s, v)
	if ok && len(v) <= maxSeenValue {
		if w.seen == nil || len(w.seen) >= maxSeen {
			w.seen = make(map[markupKey]markupDone, maxSeen)
		}
		w.seen[markupKey{n, string(v)}] = markupDone{html: append([]byte(nil), dst[start:]...), text: ops}
	}
	return dst, ok
}

// text writes a value that is text: as written without a style sheet to
// inline (the reference leaves the HTML as it is then), else as the HTML
// writer escapes it after a parse.
func (w *DocWriter) text(dst []byte, s *slot, v []byte, k valueBytes, styled bool) []byte {
	dec := v // without an '&', v reads as itself
	if k&hasAmp != 0 {
		w.dec = appendUnescaped(w.dec[:0], v)
		dec = w.dec
	}
	if !s.silent {
		w.tw.Write(dec)
	}
	if !styled || k&(hasAmp|hasRenderSpecial) == 0 {
		return append(dst, v...) // nothing the HTML writer escapes
	}
	return appendRenderEscaped(dst, dec)
}

// valueBytes says which bytes Value looks for a value holds (classify).
type valueBytes uint8

const (
	hasCR valueBytes = 1 << iota
	hasNUL
	hasLT
	hasQuote // '"' or '\''
	hasAmp
	hasRenderSpecial // any byte appendRenderEscaped looks at
)

var valueClass = func() (t [256]valueBytes) {
	t['\r'], t[0], t['<'], t['"'], t['\''], t['&'] = hasCR, hasNUL, hasLT, hasQuote, hasQuote, hasAmp
	for c := range t {
		if renderSpecial[c] {
			t[c] |= hasRenderSpecial
		}
	}
	return t
}()

// classify returns the kinds of bytes v holds, in one pass where each
// test Value makes would be a pass of its own.
func classify(v []byte) valueBytes {
	var k valueBytes
	for _, c := range v {
		k |= valueClass[c]
	}
	return k
}

// markup writes a raw value holding markup: parsed where it goes, its CSS
// inlined, written out.
func (w *DocWriter) markup(dst []byte, s *slot, v []byte) (out []byte, ops TextOps, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = dst, false
		}
	}()
	p := &html.Node{Type: html.ElementNode, Data: s.parent.Data, DataAtom: s.parent.DataAtom,
		Attr: s.parent.Attr, Parent: s.parent.Parent}
	if !readMarkup(v, p, s.anchor) {
		return dst, ops, false
	}
	if w.d.styles != nil {
		styled, done := w.styleMarkup(p)
		if !done {
			return dst, ops, false
		}
		dst = append(dst, styled...)
	} else {
		dst = append(dst, v...)
	}
	if !s.silent {
		c := &textCompiler{}
		if s.link {
			c.link = 1
		}
		for n := p.FirstChild; n != nil; n = n.NextSibling {
			c.node(n)
		}
		ops = TextOps{ops: fuse(c.ops)}
		w.tw.Run(ops)
	}
	return dst, ops, true
}

// styleMarkup inlines the CSS into the elements under p, read from a
// value's markup, and writes them out as the reference does.
func (w *DocWriter) styleMarkup(p *html.Node) (string, bool) {
	w.m.sh = w.d.styles.sheet
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if _, own, ok := w.m.match(c); ok {
				newStyling(w.m.rules(), w.d.styles.styleDecls(own)).apply(c)
			}
			walk(c)
		}
	}
	walk(p)
	w.frag.Reset()
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if html.Render(&w.frag, c) != nil {
			return "", false
		}
	}
	return reencodeFast(w.frag.String()), true
}

// Preheader inserts the preheader pre into dst at the offset where the
// piece after the document's preheader mark ended (at), as WithPreheader
// does: nothing when it is blank.
func (w *DocWriter) Preheader(dst []byte, at int, pre []byte) ([]byte, bool) {
	if w.d.staticPre || len(bytes.TrimSpace(pre)) == 0 {
		return dst, true
	}
	if bytes.IndexByte(pre, '\r') >= 0 || bytes.IndexByte(pre, 0) >= 0 {
		return dst, false
	}
	ins := append(w.scratch[:0], w.d.pre.HTML...)
	if w.d.styles != nil {
		ins = appendRenderEscaped(ins, pre)
	} else {
		ins = append(ins, escapeText.Replace(string(pre))...)
	}
	ins = append(ins, w.d.preClose.HTML...)
	w.scratch = ins
	dst = append(dst, ins...)
	copy(dst[at+len(ins):], dst[at:len(dst)-len(ins)])
	copy(dst[at:], ins)
	for i := range w.pieces {
		if w.pieces[i].Off >= at {
			w.pieces[i].Off += len(ins)
		}
	}
	return dst, true
}

// PreheaderRest appends what follows the preheader up to the next mark;
// the writer calls it right after the piece PreheaderAfter names.
func (w *DocWriter) PreheaderRest(dst []byte) []byte { return w.Piece(dst, &w.d.preRest) }

// Text appends the text alternative to dst.
func (w *DocWriter) Text(dst []byte) []byte { return w.tw.Finish(dst) }

// refsTerminated reports whether every '&' in v starts a character
// reference ended by ';', so that v reads the same whatever follows it
// and in an attribute as in text.
func refsTerminated(v []byte) bool {
	for {
		i := bytes.IndexByte(v, '&')
		if i < 0 {
			return true
		}
		j := i + 1
		for j < len(v) && (v[j] == '#' || 'a' <= v[j] && v[j] <= 'z' || 'A' <= v[j] && v[j] <= 'Z' || '0' <= v[j] && v[j] <= '9') {
			j++
		}
		if j == i+1 || j == len(v) || v[j] != ';' {
			return false
		}
		v = v[j+1:]
	}
}

// attrRefsRead reports whether v, whose references are all ended by ';'
// (refsTerminated), reads the same in an attribute value as in text: the
// parser decodes "&amp0;" in text as "&" and "0;" (the longest entity
// name that starts the reference), but leaves it as it is in an attribute
// value, where appendUnescaped would decode it.
func attrRefsRead(v []byte) bool {
	for {
		i := bytes.IndexByte(v, '&')
		if i < 0 {
			return true
		}
		v = v[i:]
		end := bytes.IndexByte(v, ';')
		if end < 0 {
			return true
		}
		ref := v[:end+1]
		v = v[end+1:]
		if len(ref) < 3 || ref[1] == '#' {
			continue // numeric: read alike
		}
		if _, n := commonRef(ref); n == len(ref) {
			continue
		}
		// Decoded whole, or not at all, it reads alike; decoded by a
		// prefix of its name, the rest of the name and the ';' are left.
		out := html.UnescapeString(string(ref))
		if out != string(ref) && strings.HasSuffix(out, string(ref[len(ref)-2:])) {
			return false
		}
	}
}

// appendUnescaped appends v with its character references decoded, as the
// HTML parser reads text (html.UnescapeString). The references Handlebars
// and the HTML writer write (&amp; &lt; &gt; &quot; &#x27; &#x3D; …) are
// decoded here; a value with any other goes through html.UnescapeString.
func appendUnescaped(dst, v []byte) []byte {
	i := bytes.IndexByte(v, '&')
	if i < 0 {
		return append(dst, v...)
	}
	start, all := len(dst), v
	for i >= 0 {
		dst = append(dst, v[:i]...)
		v = v[i:]
		s, n := commonRef(v)
		if n == 0 {
			return append(dst[:start], html.UnescapeString(string(all))...)
		}
		dst = append(dst, s...)
		v = v[n:]
		i = bytes.IndexByte(v, '&')
	}
	return append(dst, v...)
}

// commonRef decodes the character reference v starts with when it is a
// named one of namedRefs or a numeric one of a printable ASCII character,
// ended by ';': what it stands for and its length; n is 0 for any other.
func commonRef(v []byte) (s string, n int) {
	if len(v) < 4 || v[0] != '&' {
		return "", 0
	}
	if v[1] != '#' {
		for _, r := range namedRefs {
			if len(v) > len(r[0]) && string(v[1:1+len(r[0])]) == r[0] {
				return r[1], 1 + len(r[0])
			}
		}
		return "", 0
	}
	i, base := 2, 10
	if v[2] == 'x' || v[2] == 'X' {
		i, base = 3, 16
	}
	c, digits := 0, 0
	for ; i < len(v) && digits < 4; i, digits = i+1, digits+1 {
		d := hexDigit(v[i])
		if d < 0 || d >= base {
			break
		}
		c = c*base + d
	}
	if digits == 0 || i >= len(v) || v[i] != ';' || c < 0x20 || c > 0x7e {
		return "", 0
	}
	return asciiChars[c : c+1], i + 1
}

// namedRefs are the named references commonRef decodes.
var namedRefs = [...][2]string{{"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"}, {"nbsp;", "\u00a0"}}

// asciiChars holds every byte value at its own index.
var asciiChars = func() string {
	b := make([]byte, 128)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}()

func hexDigit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// appendRenderEscaped appends text as html.Render escapes it, then as
// the reference path re-encodes the result (reencode).
func appendRenderEscaped(dst, text []byte) []byte {
	start := 0
	for i := 0; i < len(text); i++ {
		if !renderSpecial[text[i]] {
			continue
		}
		var esc string
		switch c := text[i]; c {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#x27;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		default:
			if reencodeByLead[c] == nil {
				continue
			}
			old, repl := reencodingAt(string(text[i:min(i+3, len(text))]))
			if old == 0 {
				continue
			}
			dst = append(dst, text[start:i]...)
			dst = append(dst, repl...)
			i += old - 1
			start = i + 1
			continue
		}
		dst = append(dst, text[start:i]...)
		dst = append(dst, esc...)
		start = i + 1
	}
	return append(dst, text[start:]...)
}

// renderSpecial marks the bytes appendRenderEscaped looks at: those
// html.Render escapes and the first bytes of what reencode replaces.
var renderSpecial = func() (t [256]bool) {
	for _, c := range []byte("&'<>\"") {
		t[c] = true
	}
	for c := range t {
		t[c] = t[c] || reencodeByLead[c] != nil
	}
	return t
}()

// blockAllowed reports whether the block element a may open where top is
// the current element (stack, then parent and its ancestors, around it).
func blockAllowed(a, top atom.Atom, stack []atom.Atom, parent *html.Node) bool {
	switch a {
	case atom.Li:
		return top == atom.Ul || top == atom.Ol
	case atom.Tbody, atom.Thead, atom.Tfoot:
		return top == atom.Table && len(stack) > 0
	case atom.Tr:
		return (top == atom.Table || top == atom.Tbody || top == atom.Thead || top == atom.Tfoot) && len(stack) > 0
	case atom.Td, atom.Th:
		return top == atom.Tr && len(stack) > 0
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if headings[top] {
			return false
		}
	case atom.Div, atom.P, atom.Blockquote, atom.Center, atom.Section, atom.Ul, atom.Ol, atom.Table,
		atom.Header, atom.Footer, atom.Article, atom.Aside, atom.Nav, atom.Figure, atom.Figcaption:
	default:
		return false
	}
	if tableText[top] {
		return false
	}
	// No <p> open in button scope: the block would close it.
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i] == atom.P {
			return false
		}
		if buttonScope[stack[i]] {
			return true
		}
	}
	for n := parent; n != nil && n.Type == html.ElementNode; n = n.Parent {
		if n.DataAtom == atom.P {
			return false
		}
		if buttonScope[n.DataAtom] {
			return true
		}
	}
	return true
}

var headings = map[atom.Atom]bool{atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true}

// buttonScope are the elements that end the search for an open <p>.
var buttonScope = map[atom.Atom]bool{
	atom.Applet: true, atom.Caption: true, atom.Html: true, atom.Table: true, atom.Td: true,
	atom.Th: true, atom.Marquee: true, atom.Object: true, atom.Template: true, atom.Button: true,
}

// phrasing elements may go wherever text may, and close nothing around
// them when they open.
var phrasing = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Br: true, atom.Cite: true, atom.Code: true,
	atom.Em: true, atom.Font: true, atom.I: true, atom.Img: true, atom.Mark: true, atom.Q: true,
	atom.S: true, atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true,
	atom.Sup: true, atom.Time: true, atom.U: true, atom.Wbr: true, atom.Del: true, atom.Ins: true,
}
