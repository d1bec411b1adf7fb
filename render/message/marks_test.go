package message

import "testing"

// TestAppendMarkRunes checks the marks written out byte by byte against
// the runes they stand for, and that nextMark reads them back.
func TestAppendMarkRunes(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 0xfff, 0x1000, 0x1041, 0xabcdef, maxMarks - 1, maxMarks, -1} {
		want := string(rune(markLead)) + string(rune(markBase+(n>>12))) + string(rune(markBase+(n&0xfff)))
		got := string(appendMarkRunes([]byte("x"), n))
		if got != "x"+want {
			t.Errorf("appendMarkRunes(%d) = %q, want %q", n, got[1:], want)
		}
		if n < 0 || n >= maxMarks {
			continue
		}
		if at, m := nextMark(got); at != 1 || m != n {
			t.Errorf("nextMark(appendMarkRunes(%d)) = %d, %d", n, at, m)
		}
	}
}
