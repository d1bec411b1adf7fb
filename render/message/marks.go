package message

import (
	"strings"
	"unicode/utf8"
)

// Marks stand in for what a template writes per recipient while its
// document is compiled (CompileDoc): a private-use character followed by
// two more that number the mark. The HTML parser, the CSS inliner and the
// renderer carry them through as they would any text, so they show where
// the recipient's values and blocks went in the inlined document. A
// template whose own text holds such characters is not compiled.
const (
	markLead = '\uE000'
	markBase = 0xF000 // the two digits: markBase + 12 bits each
	markLen  = 9      // bytes: three runes of three bytes
	maxMarks = 1 << 24
)

// hasMark reports whether s holds a mark's lead character.
func hasMark(s string) bool { return strings.ContainsRune(s, markLead) }

// nextMark finds the first mark in s: its offset and number, or -1.
func nextMark(s string) (at, n int) {
	for off := 0; ; {
		i := strings.IndexRune(s[off:], markLead)
		if i < 0 {
			return -1, 0
		}
		i += off
		if i+markLen <= len(s) {
			hi, s1 := utf8.DecodeRuneInString(s[i+3:])
			lo, s2 := utf8.DecodeRuneInString(s[i+6:])
			if s1 == 3 && s2 == 3 && hi >= markBase && hi < markBase+0x1000 && lo >= markBase && lo < markBase+0x1000 {
				return i, int(hi-markBase)<<12 | int(lo-markBase)
			}
		}
		off = i + 3
	}
}

// splitMarks calls text with the text between the marks of s and mark
// with the number of each mark, in order.
func splitMarks(s string, text func(string), mark func(n int)) {
	for {
		at, n := nextMark(s)
		if at < 0 {
			text(s)
			return
		}
		text(s[:at])
		mark(n)
		s = s[at+markLen:]
	}
}
