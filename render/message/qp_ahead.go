package message

import (
	"bytes"
	"slices"
	"sync/atomic"
)

// Most of a message's HTML is the pieces of its template's compiled
// document, the same bytes for every recipient, which the MIME writer
// would encode as quoted-printable again for each. The encoder forgets
// everything at a line break: after a '\n' of the body, the column is 0
// and what follows is encoded as if it started the body. So a piece's
// whole lines — from after its first '\n' through its last — are encoded
// once, at load (Piece.qp), and wherever a message's HTML holds them, the
// writer copies their encoding in and encodes only the rest
// (appendQPPieces). DocWriter notes where it wrote each piece (Pieces);
// the writer checks the bytes there before it trusts a note, so a wrong
// one costs time, never bytes.

// qpLines is the encoding of a piece's whole lines, and of its first
// line's part, its head, for the column where the piece was first met.
type qpLines struct {
	from, to int    // HTML[from:to]: after the first '\n' through the last
	enc      []byte // HTML[from:to] as appendQP encodes it
	// head is HTML[:from] encoded from the column of the first message
	// that met it (nil: not met yet, or not kept: it would not pay, or
	// its encoding depends on more than the column: it starts with a
	// line break). Set once, read by every writer of the document.
	head *atomic.Pointer[qpHead]
}

type qpHead struct {
	col int
	enc []byte
}

// minQPLines is the fewest bytes of whole lines (or of a head) worth
// encoding ahead: a note and its check cost about as much as encoding a
// short stretch.
const minQPLines = 64

// encodeAhead encodes p's whole lines, when it has enough of them.
func (p *Piece) encodeAhead() { p.encodeLines(minQPLines) }

// encodeLines encodes p's whole lines when they are more than least
// bytes, and makes room for its head when that is least bytes or more.
func (p *Piece) encodeLines(least int) {
	i, j := bytes.IndexByte(p.HTML, '\n'), bytes.LastIndexByte(p.HTML, '\n')
	if i < 0 || j-i < least {
		return
	}
	p.qp = qpLines{from: i + 1, to: j + 1, enc: appendQP(nil, string(p.HTML[i+1:j+1]))}
	if i+1 >= least && p.HTML[0] != '\r' && p.HTML[0] != '\n' {
		p.qp.head = new(atomic.Pointer[qpHead])
	}
}

// PieceAt notes that a message's HTML holds piece P at offset Off.
type PieceAt struct {
	Off int
	P   *Piece
}

// appendQPPieces appends s encoded as appendQP encodes it, copying in the
// encoding of the whole lines of the pieces at says s holds (in order of
// their offsets), and of their heads when they start at the column where
// they were first met. A note whose piece is not in s at its offset, or
// that overlaps what is already written, is passed over.
//
// Why the bytes are appendQP's: appendQP encodes a body as a sequence of
// stretches (appendQPSpan), each from the column (and CR) the one before
// left; a piece's whole lines start after a '\n' and end with one, where
// the column is 0, so their encoding is the same wherever the piece is;
// and a head that does not start with a line break is encoded from the
// column alone (a trailing space it ends a line on is its own).
func appendQPPieces(dst []byte, s string, at []PieceAt) []byte {
	dst = slices.Grow(dst, len(s)+len(s)/16+16)
	pos, col, cr := 0, 0, false
	for _, a := range at {
		p := a.P
		if p == nil || p.qp.enc == nil {
			continue
		}
		from, to := a.Off+p.qp.from, a.Off+p.qp.to
		if a.Off < pos || to > len(s) || s[a.Off:to] != string(p.HTML[:p.qp.to]) {
			continue
		}
		dst, col, cr = appendQPSpan(dst, s[pos:a.Off], col, cr)
		var h *qpHead
		if p.qp.head != nil {
			h = p.qp.head.Load()
		}
		if h != nil && h.col == col {
			dst = append(dst, h.enc...)
		} else {
			start := len(dst)
			dst, _, _ = appendQPSpan(dst, s[a.Off:from], col, cr)
			if h == nil && p.qp.head != nil {
				p.qp.head.CompareAndSwap(nil, &qpHead{col: col, enc: bytes.Clone(dst[start:])})
			}
		}
		dst = append(dst, p.qp.enc...)
		pos, col, cr = to, 0, false
	}
	dst, col, _ = appendQPSpan(dst, s[pos:], col, cr)
	return qpEnd(dst, col)
}
