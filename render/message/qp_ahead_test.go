package message

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// checkQPPieces checks appendQPPieces(s, at) against appendQP(s).
func checkQPPieces(t *testing.T, s string, at []PieceAt) {
	t.Helper()
	want := string(appendQP(nil, s))
	// Twice: the heads kept by the first are taken by the second.
	for range 2 {
		if got := string(appendQPPieces(nil, s, at)); got != want {
			t.Fatalf("appendQPPieces(%q) with %d notes\n got %q\nwant %q (appendQP)\n%s", s, len(at), got, want, firstDiff(got, want))
		}
	}
}

// randomNotes notes pieces cut from s at random, most where they are in
// it, some elsewhere (a note that does not match), in offset order or
// not, overlapping or not.
func randomNotes(s string, r *rand.Rand) []PieceAt {
	var at []PieceAt
	for range r.IntN(6) {
		if len(s) == 0 {
			break
		}
		a := r.IntN(len(s))
		b := a + r.IntN(len(s)-a+1)
		p := &Piece{HTML: []byte(s[a:b])}
		p.encode(0, aheadKept[r.IntN(len(aheadKept))])
		off := a
		if r.IntN(4) == 0 {
			off = r.IntN(len(s)+4) - 2
		}
		at = append(at, PieceAt{Off: off, P: p})
	}
	if r.IntN(2) == 0 {
		// In order of the offsets, as a DocWriter notes them.
		for i := 1; i < len(at); i++ {
			for j := i; j > 0 && at[j].Off < at[j-1].Off; j-- {
				at[j], at[j-1] = at[j-1], at[j]
			}
		}
	}
	return at
}

// aheadKept are the shortest first lines whose encoding from a column
// is kept, in the tests: always, for short pieces, never.
var aheadKept = []int{0, 8, 1 << 30}

func TestQPPieces(t *testing.T) {
	line := strings.Repeat("<td style=\"padding: 0 8px\">cell</td>", 3)
	bodies := []string{
		"",
		"no line break",
		"a\nb\nc\n",
		"a \nb\t\nc \n",
		"x\r\ny\r\nz\r\n",
		"\r\n\r\n\r\n",
		"cr\rlf\ncrlf\r\nlfcr\n\r=\n\r",
		strings.Repeat(line+"\n", 5),
		strings.Repeat("é= \t"+line+" \r\n", 4),
		strings.Repeat("x", 74) + " \n" + strings.Repeat("y", 200) + "\n=",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range bodies {
		checkQPPieces(t, s, nil)
		// Every piece of s, noted where it is (of the shorter bodies).
		for a := 0; a <= len(s) && len(s) <= 100; a++ {
			for b := a; b <= len(s); b++ {
				for _, lines := range aheadKept {
					p := &Piece{HTML: []byte(s[a:b])}
					p.encode(0, lines)
					checkQPPieces(t, s, []PieceAt{{Off: a, P: p}})
					checkQPPieces(t, s, []PieceAt{{Off: a, P: p}, {Off: b, P: p}})
				}
			}
		}
		for range 200 {
			checkQPPieces(t, s, randomNotes(s, r))
		}
	}
	// One piece at several columns: its head is kept for the first.
	for _, b := range bodies {
		p := &Piece{HTML: []byte(b)}
		if p.encode(0, 0); p.qp.free == nil {
			continue
		}
		for range 50 {
			var s strings.Builder
			var at []PieceAt
			for range 3 {
				s.WriteString(strings.Repeat(string("x= \t\r\né"[r.IntN(8)]), r.IntN(90)))
				at = append(at, PieceAt{Off: s.Len(), P: p})
				s.WriteString(b)
			}
			checkQPPieces(t, s.String(), at)
		}
	}
}

// TestQPPiecesUsed checks that a note that matches is taken: the
// encoding noted is copied in rather than computed again.
func TestQPPiecesUsed(t *testing.T) {
	s := strings.Repeat("head ", 13) + "\n" + strings.Repeat("line of the piece\n", 8) + "tail"
	p := &Piece{HTML: []byte(s)}
	p.encodeAhead()
	if !p.qp.hasLines || p.qp.kept == nil {
		t.Fatalf("encodeAhead(%q) kept no lines or head apart: %+v", s, p.qp)
	}
	// A marker in the encoding noted shows whether it was copied.
	p.qp.lines = append([]byte("MARK"), p.qp.lines...)
	got := string(appendQPPieces(nil, s, []PieceAt{{Off: 0, P: p}}))
	if !strings.Contains(got, "MARK") {
		t.Errorf("appendQPPieces did not copy the encoding noted: %q", got)
	}
	h := p.qp.kept.Load()
	if h == nil || h.col != 0 {
		t.Fatalf("appendQPPieces kept no head for column 0: %+v", h)
	}
	h.enc = append([]byte("HEAD"), h.enc...)
	if got := string(appendQPPieces(nil, s, []PieceAt{{Off: 0, P: p}})); !strings.HasPrefix(got, "HEAD") {
		t.Errorf("appendQPPieces did not copy the head kept: %q", got)
	}
	// A piece without line breaks, written from its encoding.
	short := &Piece{HTML: []byte(`<a href="https://x.example/" style="color:#1d6b4f">`)}
	short.encodeAhead()
	if short.qp.free == nil || short.qp.hasLines {
		t.Fatalf("encodeAhead(%q): %+v", short.HTML, short.qp)
	}
	short.qp.free = append([]byte("MARK"), short.qp.free...)
	if got := string(appendQPPieces(nil, "x"+string(short.HTML), []PieceAt{{Off: 1, P: short}})); !strings.HasPrefix(got, "xMARK") {
		t.Errorf("appendQPPieces did not copy the encoding of a piece without lines: %q", got)
	}
}

// TestQPFree checks a core encoded ahead (appendQPUnbroken) and written
// from every column (qpAhead.appendQP) against appendQPSpan encoding it
// there.
func TestQPFree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	atoms := []string{"a", "word", "=", " ", "\t", "\r", "\n", "\r\n", "é", "\x00", "<td style=\"x\">", strings.Repeat("y", 70)}
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(atoms[r.IntN(len(atoms))])
		}
		checkQPFree(t, b.String())
	}
}

func checkQPFree(t *testing.T, s string) {
	t.Helper()
	p := &Piece{HTML: []byte(s)}
	p.encode(0, 1<<30)
	if p.qp.free == nil {
		return
	}
	core := s[p.qp.from:p.qp.to]
	for col := 0; col < qpMaxLine; col++ {
		want, wantCol, _ := appendQPSpan([]byte("x"), core, col, false)
		got, gotCol := p.qp.appendQP([]byte("x"), col)
		if string(got) != string(want) || gotCol != wantCol {
			t.Fatalf("core %q from column %d:\n got %q, column %d\nwant %q, column %d (appendQPSpan)", core, col, got[1:], gotCol, want[1:], wantCol)
		}
	}
}

// FuzzQPPieces checks appendQPPieces against appendQP for pieces of s
// noted at random (FuzzQuotedPrintable checks appendQP).
//
//	go test ./render/message -run '^$' -fuzz FuzzQPPieces
func FuzzQPPieces(f *testing.F) {
	for _, s := range []string{"", "a=b\r\n", "Zoë \nx\ny\n", strings.Repeat("x\n", 80), "\r=\n\r\n", "a \t\r\n\n\r"} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		checkQPFree(t, s)
		r := rand.New(rand.NewPCG(seed, 7))
		for range 20 {
			checkQPPieces(t, s, randomNotes(s, r))
		}
	})
}
