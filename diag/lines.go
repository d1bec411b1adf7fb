package diag

import (
	"sort"
	"unicode/utf8"
)

// Lines answers Position for many offsets of one text without reading the
// text from its start each time, which made loading a large template
// quadratic (a 4 MB one took seconds, 100,000 nested blocks minutes). It
// keeps the start of every line and, every checkpointBytes bytes, how many
// characters come before: a position costs a binary search and at most
// checkpointBytes bytes of counting. A Lines is safe for concurrent use.
type Lines struct {
	text   string
	starts []int        // byte offset where each line starts
	cps    []checkpoint // in increasing offset
}

// checkpoint is a character boundary and the characters before it.
type checkpoint struct{ off, chars int }

const checkpointBytes = 256

// NewLines indexes text in one pass.
func NewLines(text string) *Lines {
	l := &Lines{text: text, starts: []int{0}, cps: []checkpoint{{0, 0}}}
	chars, next := 0, checkpointBytes
	for i := 0; i < len(text); {
		if i >= next {
			l.cps = append(l.cps, checkpoint{i, chars})
			next = i + checkpointBytes
		}
		c := text[i]
		size := 1
		if c >= utf8.RuneSelf {
			_, size = utf8.DecodeRuneInString(text[i:])
		} else if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
		i += size
		chars++
	}
	return l
}

// Position returns what Position(text, off) returns.
func (l *Lines) Position(off int) (line, col int) {
	off = min(max(off, 0), len(l.text))
	// The last line starting at or before off; a line starting at off
	// counts (off is just after a newline).
	n := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off })
	start := l.starts[n-1]
	return n, 1 + l.chars(off) - l.chars(start)
}

// chars returns the number of characters in text[:off], counted as
// utf8.RuneCountInString counts them. Checkpoints and line starts are
// character boundaries of the decoding from the start (a newline is never
// part of an invalid sequence), so counting on from one gives the same.
func (l *Lines) chars(off int) int {
	k := sort.Search(len(l.cps), func(i int) bool { return l.cps[i].off > off }) - 1
	cp := l.cps[k]
	return cp.chars + utf8.RuneCountInString(l.text[cp.off:off])
}
