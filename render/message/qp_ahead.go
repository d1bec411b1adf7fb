package message

import (
	"bytes"
	"slices"
	"strings"
	"sync/atomic"
)

// Most of a message's HTML is pieces of its template's compiled document
// and of the shapes of its markup values, the same bytes for every
// recipient, which the MIME writer would encode as quoted-printable again
// for each. So a piece is encoded once, at load (Piece.qp), and wherever a
// message's HTML holds it, the writer copies its encoding in and encodes
// only the rest (appendQPPieces). DocWriter notes where it wrote each
// piece (Pieces); the writer checks the bytes there before it trusts a
// note, so a wrong one costs time, never bytes.
//
// What a piece's encoding depends on is the column where the message
// meets it, and nothing else once the piece is cut to its core: without
// the line breaks it starts with (an LF after a CR that ends what comes
// before is no line break of its own; a line break re-encodes a space
// that ends the line before it) nor the CRs it ends with (whose LF may
// follow). A space or tab it ends with is written as the encoder writes
// it, plain, and re-encoded by what follows as the encoder would
// (appendQPSpan, qpEnd). The core is kept encoded with
// no soft line break (free), and written from a column by cutting its
// lines where the encoder would (appendQPLine): the encoder fills a line
// with whole octets of the encoding up to 75, the 76th being the soft
// line break's "=" — a plain byte while the line has fewer than 75, an
// escape "=XX" while it has 72 or fewer — and it encodes a space or tab
// that ends a line wherever it is, an "=XX" like any other. The core's
// whole lines (after its first '\n' through its last), which start at
// column 0, are also kept with their soft line breaks (lines), copied in
// as they are; and its first line's encoding for the column where the
// piece was first met (kept), as long heads are copied in likewise.

// qpAhead is a piece's encoding worked out at load.
type qpAhead struct {
	from, to int // HTML[from:to] is the core
	// free is the core encoded without soft line breaks (nil: not
	// encoded ahead). With line breaks (hasLines), it holds the core's
	// first line's encoding, up to head (its CRLF included), then its
	// last line's (after its last CR or LF), and lines holds the whole
	// lines' between them with their soft line breaks.
	free     []byte
	hasLines bool
	head     int
	lines    []byte
	// kept is the first line's encoding from the column of the first
	// message that met it (nil: not met yet; nil pointer: too short to
	// keep). Set once, read by every writer of the document.
	kept *atomic.Pointer[qpHead]
}

type qpHead struct {
	col int
	enc []byte
}

// minQPAhead is the shortest core worth encoding ahead: a note and its
// check cost about as much as encoding a few octets; minQPKept the
// shortest first line worth keeping as written from a column.
const (
	minQPAhead = 16
	minQPKept  = 64
)

// encodeAhead encodes p ahead, when it is long enough to pay.
func (p *Piece) encodeAhead() { p.encode(minQPAhead, minQPKept) }

// encode encodes p's core when it is least bytes or more, and makes room
// for its first line's encoding from a column when the core has whole
// lines and that line is keep bytes or more.
func (p *Piece) encode(least, keep int) {
	h := p.HTML
	from, to := 0, len(h)
	for from < to && (h[from] == '\r' || h[from] == '\n') {
		from++
	}
	for to > from && h[to-1] == '\r' {
		to--
	}
	p.qp = qpAhead{}
	if to == from || to-from < least {
		return
	}
	core := string(h[from:to])
	q := qpAhead{from: from, to: to}
	// The first line ends at i with a CR, LF or CRLF; the last starts
	// after j.
	i, j := strings.IndexAny(core, "\r\n"), strings.LastIndexAny(core, "\r\n")
	if i < 0 {
		q.free = appendQPUnbroken(make([]byte, 0, len(core)+len(core)/8), core)
		p.qp = q
		return
	}
	first := i + 1
	if core[i] == '\r' && core[first] == '\n' { // the core does not end with a CR
		first++
	}
	q.hasLines = true
	q.free = appendQPUnbroken(nil, core[:first])
	q.head = len(q.free)
	q.free = appendQPUnbroken(q.free, core[j+1:])
	q.lines = appendQP(nil, core[first:j+1])
	if first >= keep {
		q.kept = new(atomic.Pointer[qpHead])
	}
	p.qp = q
}

// appendQPUnbroken appends s encoded as appendQPSpan encodes it from column
// 0, but without soft line breaks: s does not end with a CR.
func appendQPUnbroken(dst []byte, s string) []byte {
	line := len(dst) // where the current line starts in dst
	for i := 0; i < len(s); {
		end := plainEnd(s, i)
		dst = append(dst, s[i:end]...)
		if i = end; i == len(s) {
			break
		}
		c := s[i]
		i++
		if c != '\r' && c != '\n' {
			dst = append(dst, '=', hexUpper[c>>4], hexUpper[c&0x0f])
			continue
		}
		if n := len(dst); n > line && (dst[n-1] == ' ' || dst[n-1] == '\t') {
			b := dst[n-1]
			dst = append(dst[:n-1], '=', hexUpper[b>>4], hexUpper[b&0x0f])
		}
		dst = append(dst, '\r', '\n')
		line = len(dst)
		if c == '\r' && i < len(s) && s[i] == '\n' {
			i++
		}
	}
	return dst
}

// appendQPLine appends enc, a line or part of one encoded without soft
// line breaks (appendQPUnbroken; no CRLF in it), as it is encoded from a
// line of col octets, and returns the line's octets after it. It cuts
// enc where the encoder would: after the most whole octets of the
// encoding that fit in 75 (an escape's "=" is never a hex digit, so an
// escape cut short shows as an "=" one or two octets before the cut).
func appendQPLine(dst, enc []byte, col int) ([]byte, int) {
	for len(enc) > qpMaxLine-1-col {
		k := qpMaxLine - 1 - col // octets before the soft line break's "="
		if k >= 1 && enc[k-1] == '=' {
			k--
		} else if k >= 2 && enc[k-2] == '=' {
			k -= 2
		}
		dst = append(dst, enc[:k]...)
		dst = append(dst, '=', '\r', '\n')
		enc, col = enc[k:], 0
	}
	return append(dst, enc...), col + len(enc)
}

// appendQP appends the core encoded from col, and returns the column
// after it.
func (q *qpAhead) appendQP(dst []byte, col int) ([]byte, int) {
	if !q.hasLines {
		return appendQPLine(dst, q.free, col)
	}
	var h *qpHead
	if q.kept != nil {
		h = q.kept.Load()
	}
	if h != nil && h.col == col {
		dst = append(dst, h.enc...)
	} else {
		start := len(dst)
		dst, _ = appendQPLine(dst, q.free[:q.head-2], col)
		dst = append(dst, '\r', '\n')
		if h == nil && q.kept != nil {
			q.kept.CompareAndSwap(nil, &qpHead{col: col, enc: bytes.Clone(dst[start:])})
		}
	}
	dst = append(dst, q.lines...)
	return appendQPLine(dst, q.free[q.head:], 0)
}

// PieceAt notes that a message's HTML holds piece P at offset Off.
type PieceAt struct {
	Off int
	P   *Piece
}

// appendQPPieces appends s encoded as appendQP encodes it, copying in the
// encoding of the pieces at says s holds (in order of their offsets). A
// note whose piece is not in s at its offset, or that overlaps what is
// already written, is passed over.
//
// Why the bytes are appendQP's: appendQP encodes a body as a sequence of
// stretches (appendQPSpan), each from the column (and CR) the one before
// left; a piece's core is encoded from the column alone (see above), and
// leaves no CR.
func appendQPPieces(dst []byte, s string, at []PieceAt) []byte {
	dst = slices.Grow(dst, len(s)+len(s)/16+16)
	pos, col, cr := 0, 0, false
	for _, a := range at {
		p := a.P
		if p == nil || p.qp.free == nil {
			continue
		}
		q := &p.qp
		end := a.Off + len(p.HTML)
		if a.Off < pos || end > len(s) || s[a.Off:end] != string(p.HTML) {
			continue
		}
		// A CR that ends the stretch before the core is no matter: the
		// core starts with no LF.
		dst, col, _ = appendQPSpan(dst, s[pos:a.Off+q.from], col, cr)
		dst, col = q.appendQP(dst, col)
		pos, cr = a.Off+q.to, false
	}
	dst, col, _ = appendQPSpan(dst, s[pos:], col, cr)
	return qpEnd(dst, col)
}
