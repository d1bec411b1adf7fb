package diag

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLinesPosition: Lines answers what Position answers, for every offset
// of texts with long and short lines, multi-byte characters, invalid bytes
// and offsets inside a character.
func TestLinesPosition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "bc", "\n", "\r\n", "é", "日本", "😀", "\t", "\xff", "\xe3\x81", strings.Repeat("x", 300), strings.Repeat("é", 200)}
	for range 200 {
		var b strings.Builder
		for range rng.IntN(80) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		l := NewLines(text)
		for off := -1; off <= len(text)+1; off++ {
			wl, wc := Position(text, off)
			if gl, gc := l.Position(off); gl != wl || gc != wc {
				t.Fatalf("Lines(%q).Position(%d) = %d:%d, want %d:%d", text, off, gl, gc, wl, wc)
			}
		}
	}
}

// BenchmarkLinesPosition: one position per 40 bytes of a 4 MB one-line
// text, which Position answers in time quadratic in the text.
func BenchmarkLinesPosition(b *testing.B) {
	text := strings.Repeat("{{#if profile.a}}é", 4<<20/19)
	b.ReportAllocs()
	for b.Loop() {
		l := NewLines(text)
		for off := 0; off < len(text); off += 40 {
			l.Position(off)
		}
	}
}
