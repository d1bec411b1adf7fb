package message

import "bytes"

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

// qpLines is the encoding of a piece's whole lines.
type qpLines struct {
	from, to int    // HTML[from:to]: after the first '\n' through the last
	enc      []byte // HTML[from:to] as appendQP encodes it
}

// minQPLines is the fewest bytes of whole lines worth encoding ahead: a
// note and its check cost about as much as encoding a short stretch.
const minQPLines = 64

// encodeAhead encodes p's whole lines, when it has enough of them.
func (p *Piece) encodeAhead() { p.encodeLines(minQPLines) }

// encodeLines encodes p's whole lines when they are more than least bytes.
func (p *Piece) encodeLines(least int) {
	i, j := bytes.IndexByte(p.HTML, '\n'), bytes.LastIndexByte(p.HTML, '\n')
	if i < 0 || j-i < least {
		return
	}
	p.qp = qpLines{from: i + 1, to: j + 1, enc: appendQP(nil, string(p.HTML[i+1:j+1]))}
}

// PieceAt notes that a message's HTML holds piece P at offset Off.
type PieceAt struct {
	Off int
	P   *Piece
}

// appendQPPieces appends s encoded as appendQP encodes it, copying in the
// encoding of the whole lines of the pieces at says s holds (in order of
// their offsets). A note whose piece's lines are not in s at its offset,
// or that overlaps what is already written, is passed over.
//
// Why the bytes are appendQP's: each piece's lines start after a '\n'
// and end with one, so s is cut only after line breaks (a CR before the
// '\n' stays with it), where appendQP's column is 0 and the rest is
// encoded as a body of its own; the encoding of a body cut after line
// breaks is the encodings of its stretches, one after the other.
func appendQPPieces(dst []byte, s string, at []PieceAt) []byte {
	pos := 0
	for _, a := range at {
		p := a.P
		if p == nil || p.qp.enc == nil {
			continue
		}
		from, to := a.Off+p.qp.from, a.Off+p.qp.to
		if a.Off < 0 || from-1 < pos || to > len(s) || s[from-1:to] != string(p.HTML[p.qp.from-1:p.qp.to]) {
			continue
		}
		dst = appendQP(dst, s[pos:from])
		dst = append(dst, p.qp.enc...)
		pos = to
	}
	return appendQP(dst, s[pos:])
}
