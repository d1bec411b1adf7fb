package message

import (
	"bytes"
	"unicode"
)

// Shortcuts of the TextWriter for what most ops of a message are: a run
// of words written out (flush), a line break, a list bullet, and a
// template's own text that makes a run by itself (tTextBreak, whose words
// are collapsed and trimmed at load). Each does what the general path
// does (emitBytes on what flush makes of the run), knowing what the
// general path has to find out: that the words neither start nor end
// with white space and hold no line break once collapsed, that a break
// is all white space; and a link of text alone, whose reading is worked
// out at load (tLinkStatic). TextWriter.general turns them off, for the tests
// that hold them to the general path.

// fuse replaces, in place, each tText followed by a tBreak with one
// tTextBreak, its words worked out, and returns the ops.
func fuse(ops []textOp) []textOp {
	out := ops[:0]
	for i := 0; i < len(ops); i++ {
		o := ops[i]
		if o.kind == tText && i+1 < len(ops) && ops[i+1].kind == tBreak {
			words := bytes.TrimFunc(appendCollapsed(nil, o.b), unicode.IsSpace)
			o = textOp{kind: tTextBreak, b: o.b, words: words}
			i++
		}
		if o.kind == tLink {
			if link, n := staticLink(ops[i:]); n > 0 {
				o = link
				i += n - 1
			}
		}
		out = append(out, o)
	}
	return out
}

// textBreak is text(o.b) then flush(), for an op fuse made.
func (w *TextWriter) textBreak(o *textOp) {
	if w.general || len(w.run) > 0 || len(w.links) > 0 || w.pre > 0 || w.hasRunSpans() {
		w.text(o.b)
		w.flush()
		return
	}
	w.emitWords(o.words)
}

// flushWords is flush outside pre with no span in the run. Trimming the
// run and then collapsing its white space gives what collapsing and then
// trimming gives: the runs collapsed are white space themselves.
func (w *TextWriter) flushWords() {
	t := bytes.TrimSpace(w.run) // unicode.IsSpace, with a path for ASCII
	w.run = w.run[:0]
	if len(t) == 0 {
		return
	}
	w.wordsStart(t[0])
	start := len(w.out)
	w.out = appendCollapsed(w.out, t)
	w.lineLength += len(w.out) - start
	if n := len(w.rows); n > 0 {
		w.rows[n-1] = true
	}
}

// emitWords is emitBytes(t) for words t: without white space at either
// end, nor a line break.
func (w *TextWriter) emitWords(t []byte) {
	if len(t) == 0 {
		return
	}
	w.wordsStart(t[0])
	w.out = append(w.out, t...)
	w.lineLength += len(t)
	if n := len(w.rows); n > 0 {
		w.rows[n-1] = true
	}
}

// wordsStart writes what emitBytes writes before words that start with
// first: a cell's separator, a space after a word.
func (w *TextWriter) wordsStart(first byte) {
	if w.pendingSep {
		if w.lineLength > 0 {
			w.out = append(w.out, " | "...)
			w.lineLength += 3
			w.endsWithSpace = true
		}
		w.pendingSep = false
	}
	if !w.endsWithSpace && first != '.' {
		w.out = append(w.out, ' ')
		w.lineLength++
	}
	w.endsWithSpace = false
}

// emitBreak is emit(b) for b of one or more line breaks.
func (w *TextWriter) emitBreak(b []byte) {
	if w.general {
		w.emit(b)
		return
	}
	w.pendingSep = false
	w.endsWithSpace = true
	w.out = append(w.out, b...)
	w.lineLength = 0
}

// emitBullet is emit(bullet).
func (w *TextWriter) emitBullet() {
	if w.general {
		w.emit(bullet)
		return
	}
	w.wordsStart('*')
	w.endsWithSpace = true
	w.out = append(w.out, bullet...)
	w.lineLength += len(bullet)
	if n := len(w.rows); n > 0 {
		w.rows[n-1] = true
	}
}

// staticLink reads a link of text alone (no image, no link in it) at
// the start of ops, and returns it as one tLinkStatic op and how many ops
// it takes; 0 when ops start with no such link.
func staticLink(ops []textOp) (textOp, int) {
	var text, href []byte
	hasHref, inHref := false, false
	for i := 1; i < len(ops); i++ {
		switch o := ops[i]; o.kind {
		case tHref:
			hasHref, inHref = true, true
		case tHrefEnd:
			inHref = false
		case tText:
			if inHref {
				href = append(href, o.b...)
			} else {
				text = append(text, o.b...)
			}
		case tSpace:
			text = append(text, ' ')
		case tLinkEnd:
			// What it reads as, as the general path writes it.
			var w TextWriter
			w.Reset()
			w.general = true
			for k := range i + 1 {
				w.op(&ops[k])
			}
			url, print := linkURL(hasHref, href)
			link := textOp{kind: tLinkStatic, b: bytes.Clone(w.run)}
			if print {
				link.words = bytes.Clone(url)
				link.n |= linkPrints
			}
			if len(appendFields(nil, text)) > 0 {
				link.n |= linkHasText
			}
			return link, i + 1
		default:
			return textOp{}, 0
		}
	}
	return textOp{}, 0
}

// Flags of a tLinkStatic op.
const (
	linkHasText = 1 << iota // its text has words
	linkPrints              // it prints a URL (words)
)

// linkStatic is the ops of a link that staticLink read: the URL it
// prints takes back the last image link's when they are the same, as
// linkEnd does, and the text it reads as is added to the run.
func (w *TextWriter) linkStatic(o *textOp) {
	if o.n&linkPrints != 0 && w.pending >= 0 {
		p := &w.spans[w.pending]
		if bytes.Equal(w.urls[p.url0:p.url1], o.words) {
			p.deleted = true
		}
		w.pending = -1
	}
	if n := len(w.links); n > 0 && o.n&linkHasText != 0 {
		w.links[n-1].sawText = true
	}
	w.run = append(w.run, o.b...)
}
