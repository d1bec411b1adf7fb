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
		p.encodeLines(0)
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
				p := &Piece{HTML: []byte(s[a:b])}
				p.encodeLines(0)
				checkQPPieces(t, s, []PieceAt{{Off: a, P: p}})
				checkQPPieces(t, s, []PieceAt{{Off: a, P: p}, {Off: b, P: p}})
			}
		}
		for range 200 {
			checkQPPieces(t, s, randomNotes(s, r))
		}
	}
	// One piece at several columns: its head is kept for the first.
	for _, b := range bodies {
		p := &Piece{HTML: []byte(b)}
		if p.encodeLines(0); p.qp.enc == nil {
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
	if p.qp.enc == nil {
		t.Fatalf("encodeAhead(%q) encoded nothing", s)
	}
	// A marker in the encoding noted shows whether it was copied.
	p.qp.enc = append([]byte("MARK"), p.qp.enc...)
	got := string(appendQPPieces(nil, s, []PieceAt{{Off: 0, P: p}}))
	if !strings.Contains(got, "MARK") {
		t.Errorf("appendQPPieces did not copy the encoding noted: %q", got)
	}
	h := p.qp.head.Load()
	if h == nil || h.col != 0 {
		t.Fatalf("appendQPPieces kept no head for column 0: %+v", h)
	}
	h.enc = append([]byte("HEAD"), h.enc...)
	if got := string(appendQPPieces(nil, s, []PieceAt{{Off: 0, P: p}})); !strings.HasPrefix(got, "HEAD") {
		t.Errorf("appendQPPieces did not copy the head kept: %q", got)
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
		r := rand.New(rand.NewPCG(seed, 7))
		for range 20 {
			checkQPPieces(t, s, randomNotes(s, r))
		}
	})
}
