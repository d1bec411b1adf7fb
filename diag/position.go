package diag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Position returns the 1-based line and character column of byte offset
// off in text. An offset past the end is taken as the end; one inside a
// UTF-8 sequence counts the sequence's start as a character before it.
func Position[T ~string | ~[]byte](text T, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	start := 0
	line = 1
	for i := 0; i < off; i++ {
		if text[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, Column(text[start:], off-start)
}

// Column returns the 1-based character column of byte offset off in line:
// one more than the number of characters before it.
func Column[T ~string | ~[]byte](line T, off int) int {
	off = min(max(off, 0), len(line))
	return 1 + utf8.RuneCountInString(string(line[:off]))
}

// Offset is the inverse of Column: the byte offset in line of character
// column col (1-based). A column past the end gives len(line) plus the
// columns beyond it, so that a caret after the last character stays where
// it was reported.
func Offset(line string, col int) int {
	off := 0
	for n := 1; n < col; n++ {
		if off >= len(line) {
			return len(line) + col - n
		}
		_, size := utf8.DecodeRuneInString(line[off:])
		off += size
	}
	return off
}

// maxSource bounds the part of a long line (minified HTML, a one-line JSON
// record) a snippet shows around the column.
const maxSource = 160

// snippet returns line, cut to a window of maxSource characters around
// column col when longer, and the caret line under it. A column past the
// end of the line puts the caret just after its last character.
func snippet(line string, col int) (source, caret string) {
	runes := []rune(line)
	at := min(col-1, len(runes)) // characters before the caret
	if len(runes) > maxSource {
		start := max(0, min(at-maxSource/2, len(runes)-maxSource))
		end := min(len(runes), start+maxSource)
		window := make([]rune, 0, maxSource+2)
		if start > 0 {
			window = append(window, '…')
		}
		window = append(window, runes[start:end]...)
		if end < len(runes) {
			window = append(window, '…')
		}
		at -= start
		if start > 0 {
			at++
		}
		runes = window
	}
	var c strings.Builder
	for _, r := range runes[:at] {
		c.WriteRune(pad(r))
	}
	c.WriteByte('^')
	return string(runes), c.String()
}

// pad is the character written under r in a caret line, so that the caret
// lines up in a terminal or a <pre> whatever the characters before it: a
// tab under a tab; a combining mark under a combining mark (it adds no
// width); an ideographic space, two cells wide, under a wide character
// (East Asian wide and fullwidth forms, emoji); a space under anything
// else. Each is one character, so the caret's index in the caret line is
// its column in Source.
func pad(r rune) rune {
	switch {
	case r == '\t':
		return '\t'
	case unicode.Is(unicode.Mn, r):
		return r
	case wide(r):
		return '\u3000'
	}
	return ' '
}

// wideRanges are the characters terminals draw two cells wide: the East
// Asian Wide and Fullwidth blocks (as Markus Kuhn's wcwidth has them) and
// the common emoji blocks.
var wideRanges = [...][2]rune{
	{0x1100, 0x115F},   // Hangul Jamo initial consonants
	{0x2E80, 0x303E},   // CJK radicals, Kangxi, CJK symbols and punctuation
	{0x3041, 0x33FF},   // Hiragana, Katakana (with ー), Bopomofo, Hangul compatibility jamo, CJK compatibility
	{0x3400, 0x4DBF},   // CJK extension A
	{0x4E00, 0x9FFF},   // CJK unified ideographs
	{0xA000, 0xA4CF},   // Yi
	{0xAC00, 0xD7A3},   // Hangul syllables
	{0xF900, 0xFAFF},   // CJK compatibility ideographs
	{0xFE30, 0xFE4F},   // CJK compatibility forms
	{0xFF00, 0xFF60},   // fullwidth forms
	{0xFFE0, 0xFFE6},   // fullwidth signs
	{0x1F300, 0x1F64F}, // pictographs, emoticons
	{0x1F900, 0x1F9FF}, // supplemental pictographs
	{0x20000, 0x3FFFD}, // CJK extensions B and later
}

func wide(r rune) bool {
	if r < 0x1100 {
		return false
	}
	for _, w := range wideRanges {
		if w[0] <= r && r <= w[1] {
			return true
		}
	}
	return false
}
