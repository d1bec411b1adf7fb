package message

import (
	"bytes"
	"sync/atomic"
)

// A compiled stretch of the text alternative is the same ops for every
// recipient, and what they write depends on little of what came before:
// once the run is written out (after the stretch's first flush), on
// whether the text ends in white space, whether a block was just closed,
// whether the line has text, whether a cell's separator is due, and
// whether a row is open and has text — six bits. So the rest of the
// stretch, from there, is run once per such state, on a writer of its own,
// and what it did (the text it wrote, the run, links, headings and rows it
// left open, the image links' URLs it noted) is kept and replayed for the
// next message in the same state, instead of op by op.
//
// Why the replay is the ops' own: the rest is chosen at load so that it
// closes nothing it did not open (no link, heading, row, pre or image of
// the text before it), and it is replayed only when the writer holds no
// run and no open link, pre or image, so it reads nothing of the writer
// but the six bits; what it writes it appends (to the text, the URLs, the
// spans), at offsets that move with where the writer is. The one thing it
// does to what came before is settle the last image link's URL (linkEnd):
// the first link of the rest that prints a URL does, with a URL known at
// load. Line lengths replay as the state bit's 0 or 1 plus what the rest
// adds: only whether a line has text is ever asked. TestTextShortcuts and
// FuzzTextShortcuts hold replays to the ops run one by one.

// replayPlan is how a stretch of ops replays.
type replayPlan struct {
	from int // ops[from:] replay; ops[:from] run one by one
	// settles: the first link of ops[from:] that prints a URL, url,
	// settles the last image link's.
	settles bool
	url     []byte
	done    [replayStates]atomic.Pointer[replay]
}

// replayStates is how many writer states the rest of a stretch can start
// in (replayState).
const replayStates = 64

// minReplayOps is the fewest ops worth replaying: a replay costs about
// what a few ops cost.
const minReplayOps = 4

// replay is what the rest of a stretch did from one state: out, run,
// href and urls as it left them from empty, and the rest of the state.
type replay struct {
	out, run, href, urls []byte
	spans                []urlSpan   // offsets from empty out, run and urls
	links                []linkState // left open; hrefStart from empty href
	heads                []headState // left open; mark from empty out
	rows                 []bool      // rows left open
	top                  bool        // the open row's "has text" after
	endsWithSpace        bool
	justClosedDiv        bool
	pendingSep           bool
	lineLength, pre, img int
	pending              int // the last image link's span, -1: none of the rest's
}

// planReplay returns how ops replay, nil when they do not: no rest of
// them closes only what it opened, or the rest is too short to pay.
func planReplay(ops []textOp) *replayPlan {
	for i, o := range ops {
		if o.kind != tBreak && o.kind != tTextBreak {
			continue
		}
		from := i + 1
		if len(ops)-from < minReplayOps {
			return nil
		}
		if !selfContained(ops[from:]) {
			continue
		}
		p := &replayPlan{from: from}
		p.url, p.settles = settlingURL(ops[from:])
		return p
	}
	return nil
}

// selfContained reports whether ops close only the links, hrefs,
// headings, rows, pre and images they open themselves.
func selfContained(ops []textOp) bool {
	var links, href, heads, rows, pre, img int
	for _, o := range ops {
		d := 0
		var n *int
		switch o.kind {
		case tLink:
			n, d = &links, 1
		case tLinkEnd:
			n, d = &links, -1
		case tHref:
			if links == 0 {
				return false
			}
			n, d = &href, 1
		case tHrefEnd:
			n, d = &href, -1
		case tHead:
			n, d = &heads, 1
		case tHeadEnd:
			n, d = &heads, -1
		case tRow:
			n, d = &rows, 1
		case tRowEnd:
			n, d = &rows, -1
		case tPre:
			n, d = &pre, 1
		case tPreEnd:
			n, d = &pre, -1
		case tImg:
			n, d = &img, 1
		case tImgEnd:
			n, d = &img, -1
		case tMark, tMarkSilent:
			return false
		default:
			continue
		}
		if *n += d; *n < 0 {
			return false
		}
	}
	return true
}

// settlingURL returns the URL of the first link of ops that prints one,
// as linkEnd or linkStatic compares it with the last image link's.
func settlingURL(ops []textOp) ([]byte, bool) {
	var w TextWriter
	w.Reset()
	w.general = true
	for i := range ops {
		o := &ops[i]
		switch {
		case o.kind == tLinkStatic && o.n&linkPrints != 0:
			return bytes.Clone(o.words), true
		case o.kind == tLinkEnd:
			l := w.links[len(w.links)-1]
			if url, print := linkURL(l.hasHref, w.href[l.hrefStart:]); print {
				return bytes.Clone(url), true
			}
		}
		w.op(o)
	}
	return nil, false
}

// replayState returns the state the rest of a stretch reads, as a number
// below replayStates.
func (w *TextWriter) replayState() int {
	s := 0
	if w.endsWithSpace {
		s |= 1
	}
	if w.justClosedDiv {
		s |= 2
	}
	if w.lineLength > 0 {
		s |= 4
	}
	if w.pendingSep {
		s |= 8
	}
	if n := len(w.rows); n > 0 {
		s |= 16
		if w.rows[n-1] {
			s |= 32
		}
	}
	return s
}

// runPlanned runs ops, replaying the rest of them (from p.from) where
// the writer allows.
func (w *TextWriter) runPlanned(ops []textOp, p *replayPlan) {
	for i := range ops[:p.from] {
		w.op(&ops[i])
	}
	if len(w.run) > 0 || len(w.links) > 0 || w.pre > 0 || w.img > 0 || w.hasRunSpans() {
		for i := p.from; i < len(ops); i++ {
			w.op(&ops[i])
		}
		return
	}
	s := w.replayState()
	r := p.done[s].Load()
	if r == nil {
		// Two writers may both run it: they keep the same.
		r = simulate(ops[p.from:], s)
		p.done[s].Store(r)
	}
	if p.settles && w.pending >= 0 {
		if sp := &w.spans[w.pending]; bytes.Equal(w.urls[sp.url0:sp.url1], p.url) {
			sp.deleted = true
		}
		w.pending = -1
	}
	out, urls, spans, href := len(w.out), len(w.urls), len(w.spans), len(w.href)
	w.out = append(w.out, r.out...)
	w.run = append(w.run, r.run...)
	w.href = append(w.href, r.href...)
	w.urls = append(w.urls, r.urls...)
	for _, sp := range r.spans {
		if !sp.inRun {
			sp.start += out
			sp.end += out
		}
		sp.url0 += urls
		sp.url1 += urls
		w.spans = append(w.spans, sp)
	}
	for _, l := range r.links {
		l.hrefStart += href
		w.links = append(w.links, l)
	}
	for _, h := range r.heads {
		h.mark += out
		w.heads = append(w.heads, h)
	}
	if n := len(w.rows); n > 0 {
		w.rows[n-1] = r.top
	}
	w.rows = append(w.rows, r.rows...)
	w.endsWithSpace, w.justClosedDiv, w.pendingSep = r.endsWithSpace, r.justClosedDiv, r.pendingSep
	w.lineLength, w.pre, w.img = r.lineLength, r.pre, r.img
	if r.pending >= 0 {
		w.pending = spans + r.pending
	}
}

// simulate runs ops on a writer of their own in state s and returns what
// they did.
func simulate(ops []textOp, s int) *replay {
	var w TextWriter
	w.Reset()
	w.endsWithSpace, w.justClosedDiv, w.pendingSep = s&1 != 0, s&2 != 0, s&8 != 0
	if s&4 != 0 {
		w.lineLength = 1
	}
	if s&16 != 0 {
		w.rows = append(w.rows, s&32 != 0)
	}
	for i := range ops {
		w.op(&ops[i])
	}
	r := &replay{
		out: bytes.Clone(w.out), run: bytes.Clone(w.run), href: bytes.Clone(w.href), urls: bytes.Clone(w.urls),
		spans: clone(w.spans), links: clone(w.links), heads: clone(w.heads),
		endsWithSpace: w.endsWithSpace, justClosedDiv: w.justClosedDiv, pendingSep: w.pendingSep,
		lineLength: w.lineLength, pre: w.pre, img: w.img, pending: w.pending,
	}
	rows := w.rows
	if s&16 != 0 {
		r.top, rows = rows[0], rows[1:]
	}
	r.rows = clone(rows)
	return r
}

// clone copies s, nil when it is empty.
func clone[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}
