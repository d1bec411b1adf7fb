package message

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// TextWriter makes the text alternative from TextOps and the values a
// template writes between them. Its buffers are reused from one message to
// the next (Reset); a TextWriter is not safe for concurrent use.
type TextWriter struct {
	out []byte // the text laid out, before tidying
	run []byte // the text of the current run, as written
	// The layout state html2text keeps.
	endsWithSpace, justClosedDiv bool
	lineLength                   int
	pre                          int
	pendingSep                   bool   // the next text of the row starts a cell: " | " first
	rows                         []bool // per open row: whether it has text yet
	heads                        []headState
	links                        []linkState
	href                         []byte // the hrefs of the open links
	img                          int    // inside an image's alt text
	// spans are the URLs image links printed, which the next link can
	// take back (see the package's text rules); pending is the last one.
	spans   []urlSpan
	pending int
	urls    []byte
	scratch []byte
	at      []int  // where each byte of a run lands when it is written out
	head    []byte // a heading being written out
	// general: take the general paths only, not their shortcuts for the
	// common cases (words.go): the reference the tests hold them to.
	general bool
}

type headState struct {
	mark, level                  int
	endsWithSpace, justClosedDiv bool
	lineLength                   int
}

type linkState struct {
	start, hrefStart int
	hasHref          bool
	inHref           bool
	sawImg, sawText  bool
}

// urlSpan is text an image link printed for its URL: in the run while
// inRun, else in out.
type urlSpan struct {
	start, end     int
	inRun, deleted bool
	url0, url1     int // the URL in w.urls
}

// Reset empties the writer for the next message.
func (w *TextWriter) Reset() {
	*w = TextWriter{
		out: w.out[:0], run: w.run[:0], rows: w.rows[:0], heads: w.heads[:0], links: w.links[:0],
		href: w.href[:0], spans: w.spans[:0], urls: w.urls[:0], scratch: w.scratch[:0], pending: -1,
		at: w.at[:0], head: w.head[:0], general: w.general,
	}
}

// Run runs ops.
func (w *TextWriter) Run(ops TextOps) {
	if ops.plan != nil && !w.general {
		w.runPlanned(ops.ops, ops.plan)
		return
	}
	for i := range ops.ops {
		w.op(&ops.ops[i])
	}
}

// Write writes a value of the template, as text (not HTML).
func (w *TextWriter) Write(v []byte) {
	w.text(v)
}

func (w *TextWriter) text(v []byte) {
	if len(w.links) > 0 {
		l := &w.links[len(w.links)-1]
		if l.inHref {
			w.href = append(w.href, v...)
			return
		}
		if w.img == 0 && !l.sawText && len(bytes.TrimSpace(v)) > 0 {
			l.sawText = true
		}
	}
	w.run = append(w.run, v...)
}

func (w *TextWriter) op(o *textOp) {
	switch o.kind {
	case tText:
		w.text(o.b)
	case tTextBreak:
		w.textBreak(o)
	case tBreak:
		w.flush()
	case tSpace:
		w.run = append(w.run, ' ')
	case tBr:
		w.justClosedDiv = false
		w.emitBreak(nl)
	case tBlock:
		w.justClosedDiv = false
		if w.lineLength > 0 {
			w.emitBreak(nl)
		}
	case tBlockEnd:
		if !w.justClosedDiv {
			w.emitBreak(nl)
		}
		w.justClosedDiv = true
	case tPara:
		w.justClosedDiv = false
		w.emitBreak(nl2)
	case tParaEnd:
		w.emitBreak(nl2)
	case tItem:
		w.justClosedDiv = false
		w.emitBullet()
	case tItemEnd:
		w.emitBreak(nl)
	case tHead:
		w.justClosedDiv = false
		w.heads = append(w.heads, headState{mark: len(w.out), level: o.n,
			endsWithSpace: w.endsWithSpace, justClosedDiv: w.justClosedDiv, lineLength: w.lineLength})
		w.endsWithSpace, w.lineLength = false, 0
	case tHeadEnd:
		w.headEnd()
	case tPre:
		w.justClosedDiv = false
		w.pre++
	case tPreEnd:
		w.pre--
	case tRow:
		w.justClosedDiv = false
		if w.lineLength > 0 {
			w.emitBreak(nl)
		}
		w.rows = append(w.rows, false)
	case tRowEnd:
		w.rows = w.rows[:len(w.rows)-1]
		if !w.justClosedDiv {
			w.emitBreak(nl)
		}
		w.justClosedDiv = true
	case tCell:
		w.justClosedDiv = false
		if n := len(w.rows); n > 0 && w.rows[n-1] {
			w.pendingSep = true
		}
	case tElem:
		w.justClosedDiv = false
	case tLink:
		w.links = append(w.links, linkState{start: len(w.run), hrefStart: len(w.href)})
	case tHref:
		l := &w.links[len(w.links)-1]
		l.inHref, l.hasHref = true, true
	case tHrefEnd:
		w.links[len(w.links)-1].inHref = false
	case tLinkEnd:
		w.linkEnd()
	case tLinkStatic:
		w.linkStatic(o)
	case tImg:
		w.img++
		if n := len(w.links); n > 0 {
			w.links[n-1].sawImg = true
		}
	case tImgEnd:
		w.img--
	}
}

// flush writes out the current run: its white space collapsed and trimmed
// (kept as is in pre), as html2text writes a text node.
func (w *TextWriter) flush() {
	if len(w.run) == 0 {
		return
	}
	if !w.general && w.pre == 0 && !w.hasRunSpans() {
		w.flushWords()
		return
	}
	if w.pre > 0 {
		at := w.emitBytes(w.run)
		w.spansOut(func(p int) int { return at + p })
		w.run = w.run[:0]
		return
	}
	// Collapse [ \r\n\t]+ into one space, noting where every position of
	// the run lands, for the spans in it.
	data := w.scratch[:0]
	ws := false
	spans := w.hasRunSpans()
	at := w.at[:0]
	if !spans {
		data = appendCollapsed(data, w.run)
	} else {
		for _, c := range w.run {
			at = append(at, len(data))
			if c == ' ' || c == '\r' || c == '\n' || c == '\t' {
				if !ws {
					data = append(data, ' ')
					ws = true
				}
				continue
			}
			ws = false
			data = append(data, c)
		}
	}
	if spans {
		at = append(at, len(data))
	}
	lead := len(data) - len(bytes.TrimLeftFunc(data, unicode.IsSpace))
	trimmed := bytes.TrimRightFunc(data[lead:], unicode.IsSpace)
	start := w.emitBytes(trimmed)
	if spans {
		w.spansOut(func(p int) int { return start + max(0, min(at[p]-lead, len(trimmed))) })
		w.at = at
	}
	w.scratch = data
	w.run = w.run[:0]
}

// appendCollapsed appends run with each run of [ \r\n\t] as one space.
func appendCollapsed(dst, run []byte) []byte {
	for {
		// Most text has single spaces only: copy it whole up to the
		// first byte that collapsing changes, which starts a run of its
		// own.
		i := keptEnd(run)
		dst = append(dst, run[:i]...)
		if i == len(run) {
			return dst
		}
		dst = append(dst, ' ')
		for i < len(run) && collapsible[run[i]] {
			i++
		}
		run = run[i:]
	}
}

// keptEnd returns where the first run of [ \r\n\t] that collapsing
// changes starts in s (a tab, CR or LF, or a space before one of them),
// len(s) when there is none. It reads eight bytes a step: the bytes below
// 0x20 and the spaces of a word are found exactly, as neither sum below
// carries out of its byte once the high bits are cleared.
func keptEnd(s []byte) int {
	i := 0
	for i+8 <= len(s) {
		x := binary.LittleEndian.Uint64(s[i:])
		y := x &^ highs
		ctl := ^(y + 0x60*lows) &^ x & highs             // below 0x20
		sp := ^((y ^ ' '*lows) + 0x7f*lows) &^ x & highs // a space
		next := (ctl | sp) >> 8                          // the byte after is one of those
		if i+8 < len(s) && collapsible[s[i+8]] {
			next |= 0x80 << 56
		}
		m := ctl | sp&next
		if m == 0 {
			i += 8
			continue
		}
		j := i + bits.TrailingZeros64(m)/8
		if changes(s, j) {
			return j
		}
		i = j + 1 // a control byte that stays, or a space before one
	}
	for ; i < len(s); i++ {
		if s[i] <= ' ' && changes(s, i) {
			return i
		}
	}
	return len(s)
}

// changes reports whether collapsing changes s from i on: s[i] is a tab,
// CR or LF, or a space before one of [ \r\n\t].
func changes(s []byte, i int) bool {
	c := s[i]
	return collapsible[c] && (c != ' ' || i+1 < len(s) && collapsible[s[i+1]])
}

var collapsible = [256]bool{' ': true, '\r': true, '\n': true, '\t': true}

func (w *TextWriter) hasRunSpans() bool {
	for i := range w.spans {
		if w.spans[i].inRun {
			return true
		}
	}
	return false
}

// spansOut moves the spans in the run into out, where pos says.
func (w *TextWriter) spansOut(pos func(int) int) {
	for i := range w.spans {
		if sp := &w.spans[i]; sp.inRun {
			sp.start, sp.end, sp.inRun = pos(sp.start), pos(sp.end), false
		}
	}
}

var (
	nl     = []byte("\n")
	nl2    = []byte("\n\n")
	bullet = []byte("* ")
)

// emit writes data as html2text's emit does: a space before it when it
// starts a new word after one, the cell separator of a row, the line
// length kept.
func (w *TextWriter) emit(data []byte) { w.emitBytes(data) }

// emitBytes is emit, returning where data starts in out.
func (w *TextWriter) emitBytes(data []byte) int {
	if len(data) == 0 {
		return len(w.out)
	}
	first, _ := utf8.DecodeRune(data)
	last, _ := utf8.DecodeLastRune(data)
	if w.pendingSep {
		if !unicode.IsSpace(first) && w.lineLength > 0 {
			w.out = append(w.out, " | "...)
			w.lineLength += 3
			w.endsWithSpace = true
		}
		w.pendingSep = false
	}
	if !unicode.IsSpace(first) && !w.endsWithSpace && data[0] != '.' {
		w.out = append(w.out, ' ')
		w.lineLength++
	}
	w.endsWithSpace = unicode.IsSpace(last)
	start := len(w.out)
	w.out = append(w.out, data...)
	// Only whether the line has text is ever asked: bytes count as well
	// as characters.
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		w.lineLength = len(data) - i - 1
	} else {
		w.lineLength += len(data)
	}
	if n := len(w.rows); n > 0 && len(bytes.TrimSpace(data)) > 0 {
		w.rows[n-1] = true
	}
	return start
}

// headEnd underlines (and overlines) the heading written since its start,
// as html2text does: the rule is as long as the heading's longest line,
// less one (html2text counts the space its first word gets).
func (w *TextWriter) headEnd() {
	h := w.heads[len(w.heads)-1]
	w.heads = w.heads[:len(w.heads)-1]
	str := append(w.scratch[:0], w.out[h.mark:]...)
	w.out = w.out[:h.mark]
	w.endsWithSpace, w.justClosedDiv, w.lineLength = h.endsWithSpace, h.justClosedDiv, h.lineLength
	rule := 0
	for line := range bytes.SplitSeq(str, []byte("\n")) {
		if n := utf8.RuneCount(line); n-1 > rule {
			rule = n - 1
		}
	}
	mark := byte('-')
	if h.level == 1 {
		mark = '*'
	}
	composed := append(w.head[:0], "\n\n"...)
	if h.level != 3 {
		composed = appendRepeat(composed, mark, rule)
		composed = append(composed, '\n')
	}
	prefix := len(composed)
	composed = append(composed, str...)
	composed = append(composed, '\n')
	composed = appendRepeat(composed, mark, rule)
	composed = append(composed, "\n\n"...)
	start := w.emitBytes(composed)
	for i := range w.spans {
		if sp := &w.spans[i]; !sp.inRun && sp.start >= h.mark {
			sp.start += start + prefix - h.mark
			sp.end += start + prefix - h.mark
		}
	}
	w.scratch, w.head = str, composed
}

func appendRepeat(b []byte, c byte, n int) []byte {
	for range n {
		b = append(b, c)
	}
	return b
}

// linkEnd replaces the link's text in the run with what the link reads
// as: "text (url)", the URL alone, or the text alone.
func (w *TextWriter) linkEnd() {
	l := w.links[len(w.links)-1]
	w.links = w.links[:len(w.links)-1]
	text := appendFields(w.scratch[:0], w.run[l.start:])
	w.run = w.run[:l.start]
	url, printURL := linkURL(l.hasHref, w.href[l.hrefStart:])
	if printURL {
		// The next link decides whether the last image link's URL stays.
		if w.pending >= 0 {
			p := &w.spans[w.pending]
			if bytes.Equal(w.urls[p.url0:p.url1], url) {
				p.deleted = true
			}
			w.pending = -1
		}
	}
	switch {
	case !printURL || len(text) > 0 && bytes.Contains(text, url):
		w.run = append(w.run, text...)
	case len(text) == 0:
		at := len(w.run)
		w.run = append(w.run, url...)
		w.imageSpan(l, url, at)
	default:
		w.run = append(w.run, text...)
		at := len(w.run)
		w.run = append(w.run, " ("...)
		w.run = append(w.run, url...)
		w.run = append(w.run, ')')
		w.imageSpan(l, url, at)
	}
	if l.hasHref {
		w.href = w.href[:l.hrefStart]
	}
	w.scratch = text
	if len(w.links) > 0 && len(text) > 0 {
		w.links[len(w.links)-1].sawText = true
	}
}

// linkURL returns the URL a link prints for its href, and whether it
// prints one.
func linkURL(hasHref bool, href []byte) (url []byte, print bool) {
	href = bytes.TrimSpace(href)
	url = href
	print = hasHref && len(href) > 0 && href[0] != '#' && !hasPrefixFold(href, "javascript:")
	if print && hasPrefixFold(url, "mailto:") {
		url = url[len("mailto:"):]
	}
	return url, print
}

// imageSpan records, for a link that is only an image, that the run from
// at to its end is the URL the link printed, so that the next link can
// take it back.
func (w *TextWriter) imageSpan(l linkState, url []byte, at int) {
	if !l.sawImg || l.sawText {
		return
	}
	u0 := len(w.urls)
	w.urls = append(w.urls, url...)
	w.spans = append(w.spans, urlSpan{start: at, end: len(w.run), inRun: true, url0: u0, url1: len(w.urls)})
	w.pending = len(w.spans) - 1
}

// Finish appends the text to dst, tidied: lines trimmed, at most one blank
// line in a row, no-break spaces as spaces, zero-width characters gone, a
// final newline unless it is empty.
func (w *TextWriter) Finish(dst []byte) []byte {
	w.flush()
	// Take back the URLs the next link repeats, last first so that the
	// offsets of the others hold.
	for i := len(w.spans) - 1; i >= 0; i-- {
		if sp := w.spans[i]; sp.deleted && !sp.inRun && sp.start >= 0 && sp.end <= len(w.out) && sp.start <= sp.end {
			w.out = append(w.out[:sp.start], w.out[sp.end:]...)
		}
	}
	return appendTidyLines(dst, w.out, !w.general)
}

// appendFields appends the words of b joined by single spaces, as
// strings.Join(strings.Fields(s), " ").
func appendFields(dst, b []byte) []byte {
	if fieldsKept(b) {
		return append(dst, b...)
	}
	start := len(dst)
	for len(b) > 0 {
		i := 0
		for i < len(b) && isFieldSpace(b, i) {
			i += fieldSpaceLen(b, i)
		}
		b = b[i:]
		j := 0
		for j < len(b) {
			if c := b[j]; c < utf8.RuneSelf {
				if asciiSpace[c] {
					break
				}
				j++
				continue
			}
			r, n := utf8.DecodeRune(b[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		if j == 0 {
			break
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, b[:j]...)
		b = b[j:]
	}
	return dst
}

// fieldsKept reports whether appendFields appends b as it is: b is
// ASCII words of printable bytes, each one space from the next, the most
// common text of a link. It reads eight bytes a step; a byte's value is
// found exactly in a word with the high bits cleared (see keptEnd).
func fieldsKept(b []byte) bool {
	if len(b) == 0 || b[0] == ' ' || b[len(b)-1] == ' ' {
		return len(b) == 0
	}
	var space uint64 // 0x80 when the byte before the word is a space
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		y := x &^ highs
		ctl := ^(y + 0x60*lows) &^ x & highs             // below 0x20
		sp := ^((y ^ ' '*lows) + 0x7f*lows) &^ x & highs // a space
		if x&highs|ctl|sp&(sp<<8|space) != 0 {
			return false // not ASCII, a control byte, or two spaces in a row
		}
		space = sp >> 56
	}
	prev := space != 0
	for ; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf || c < ' ' || c == ' ' && prev {
			return false
		}
		prev = c == ' '
	}
	return true
}

// isFieldSpace reports whether b[i:] starts with white space as
// bytes.Fields reads it (unicode.IsSpace).
func isFieldSpace(b []byte, i int) bool {
	if c := b[i]; c < utf8.RuneSelf {
		return asciiSpace[c]
	}
	r, _ := utf8.DecodeRune(b[i:])
	return unicode.IsSpace(r)
}

func fieldSpaceLen(b []byte, i int) int {
	if b[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRune(b[i:])
	return n
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}
