package message

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// PlainText derives the plain-text alternative from the HTML of a message:
// it parses it and runs the text compiled from the tree (see text.go for
// how the text reads). A template compiles its text once, at load
// (CompileDoc); PlainText is for a message whose template could not.
// Hidden elements are judged by their style attributes: call it on the
// output of InlineCSS, so that rules from <style> blocks are in them.
func PlainText(src string) (text string, err error) {
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("plain text: %w", err)
	}
	var w TextWriter
	return plainTextOf(root, &w)
}

// appendPlainText appends the text of the parsed document root to dst,
// using w. This is the reference way, and it takes the TextWriter's
// general paths only: where a compiled message is compared with it, the
// shortcuts the compiled one takes (words.go) are too.
func appendPlainText(dst []byte, root *html.Node, w *TextWriter) []byte {
	w.Reset()
	w.general = true
	w.Run(compileText(root))
	return w.Finish(dst)
}

// tidyText trims every line, turns no-break spaces into spaces, removes
// zero-width characters and keeps at most one blank line in a row.
func tidyText(raw string) string {
	raw = invisible.Replace(raw)
	var b strings.Builder
	b.Grow(len(raw) + 1)
	blank := false
	for line := range strings.SplitSeq(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteByte('\n')
			blank = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var invisible = strings.NewReplacer(
	"\u00a0", " ",
	"\u00ad", "",
	"\u034f", "",
	"\u200b", "",
	"\u200c", "",
	"\u200d", "",
	"\u2060", "",
	"\ufeff", "",
	"\r", "",
)

// appendTidyLines appends raw to dst as tidyText returns it, without the
// strings tidyText makes. When quick, it reads raw in one pass: the white
// space between two lines' text, the empty lines in it counted, is
// skipped as a whole, and a line that holds nothing tidying changes but
// its white space at either end (plainLine) is copied as it is, trimmed;
// other lines take the general way, as every line does when not quick.
func appendTidyLines(dst, raw []byte, quick bool) []byte {
	if !quick {
		return appendTidyGeneral(dst, raw)
	}
	if bytes.IndexByte(raw, '\r') >= 0 {
		return appendTidyGeneral(dst, raw) // tidying removes every CR
	}
	base := len(dst)
	blank := false
	for i := 0; i < len(raw); {
		// The white space up to the next line's text: each line break in
		// it ends an empty line.
		start := i
		for i < len(raw) && tidySpace[raw[i]] {
			if raw[i] == '\n' {
				blank = len(dst) > base
				start = i + 1
			}
			i++
		}
		if i == len(raw) {
			break
		}
		end, ascii := lineEnd(raw[i:])
		end += i
		if ascii || plainLine(raw[i:end]) {
			b := end
			for tidySpace[raw[b-1]] { // raw[i] is not white space
				b--
			}
			if blank {
				dst = append(dst, '\n')
				blank = false
			}
			dst = append(dst, raw[i:b]...)
			dst = append(dst, '\n')
		} else {
			dst, blank = appendTidyLine(dst, raw[start:end], base, blank)
		}
		i = end + 1
	}
	return dst
}

// tidySpace marks the ASCII white space tidying trims (unicode.IsSpace).
var tidySpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// plainLine reports whether line, which starts with no white space and
// holds no CR, holds nothing that tidying changes but ASCII white space
// at its end: no character invisible replaces or removes, no white space beyond
// ASCII. It looks at every byte's UTF-8 sequence as a lead byte's, so it
// finds each of those characters wherever utf8.DecodeRune would; it errs
// on the side of false for a truncated sequence.
func plainLine(line []byte) bool {
	for i := 0; i < len(line); i++ {
		if i+8 <= len(line) { // skip ASCII eight bytes a step
			h := binary.LittleEndian.Uint64(line[i:]) & highs
			if h == 0 {
				i += 7
				continue
			}
			i += bits.TrailingZeros64(h) / 8
		}
		switch line[i] {
		case 0xC2: // U+0085 and U+00A0 are spaces, U+00AD is removed
			if i+1 >= len(line) || line[i+1] == 0x85 || line[i+1] == 0xA0 || line[i+1] == 0xAD {
				return false
			}
		case 0xCD: // U+034F is removed
			if i+1 >= len(line) || line[i+1] == 0x8F {
				return false
			}
		case 0xE2:
			// U+2000–U+200A, U+2028, U+2029, U+202F and U+205F are
			// spaces, U+200B–U+200D and U+2060 removed; the rest of
			// U+2000–U+207F (dashes, quotes, bullets, ellipsis) stays.
			if i+2 >= len(line) {
				return false
			}
			switch d := line[i+2]; line[i+1] {
			case 0x80:
				if d <= 0x8D || d == 0xA8 || d == 0xA9 || d == 0xAF {
					return false
				}
			case 0x81:
				if d == 0x9F || d == 0xA0 {
					return false
				}
			}
		case 0xE1, 0xE3, 0xEF: // U+1680 and U+3000 are spaces, U+FEFF is removed
			return false
		}
	}
	return true
}

// appendTidyGeneral is appendTidyLines line by line, each replaced then
// trimmed.
func appendTidyGeneral(dst, raw []byte) []byte {
	base := len(dst)
	blank := false
	for len(raw) > 0 {
		end := bytes.IndexByte(raw, '\n')
		if end < 0 {
			end = len(raw)
		}
		dst, blank = appendTidyLine(dst, raw[:end], base, blank)
		if end < len(raw) {
			raw = raw[end+1:]
		} else {
			raw = nil
		}
	}
	return dst
}

// appendTidyLine appends line, replaced and trimmed, after a blank line
// when blank, to dst, whose text started at base; it returns dst and
// whether a blank line is due before the next line's text.
func appendTidyLine(dst, line []byte, base int, blank bool) ([]byte, bool) {
	mark := len(dst)
	dst = appendVisible(dst, line)
	trimmed := bytes.TrimLeftFunc(dst[mark:], unicode.IsSpace)
	a := len(dst) - len(trimmed)
	n := len(bytes.TrimRightFunc(trimmed, unicode.IsSpace))
	if n == 0 {
		dst = dst[:mark]
		return dst, len(dst) > base
	}
	if blank {
		dst = append(dst, 0) // room for the blank line's newline
		copy(dst[mark+1:], dst[a:a+n])
		dst[mark] = '\n'
		return append(dst[:mark+1+n], '\n'), false
	}
	copy(dst[mark:], dst[a:a+n])
	return append(dst[:mark+n], '\n'), false
}

// lineEnd returns where the first line of raw ends (its '\n', or
// len(raw)), and whether the line is ASCII: one pass, eight bytes a
// step, where a search for the '\n' and a check of the line would read it
// twice. A byte's value is found exactly in a word with the high bits
// cleared, as the sum below cannot carry out of its byte.
func lineEnd(raw []byte) (end int, ascii bool) {
	var high uint64 // the high bits of the words before
	i := 0
	for ; i+8 <= len(raw); i += 8 {
		x := binary.LittleEndian.Uint64(raw[i:])
		nl := ^((x&^highs ^ '\n'*lows) + 0x7f*lows) &^ x & highs
		if nl != 0 {
			below := nl&-nl - 1 // the bytes before the first '\n'
			return i + bits.TrailingZeros64(nl)/8, (high|x&below)&highs == 0
		}
		high |= x
	}
	for ; i < len(raw); i++ {
		if raw[i] == '\n' {
			break
		}
		high |= uint64(raw[i])
	}
	return i, high&highs == 0
}

// appendVisible appends line with what invisible replaces replaced.
func appendVisible(dst, line []byte) []byte {
	for len(line) > 0 {
		// A run of ASCII but CR goes as it is.
		i := 0
		for i < len(line) && line[i] < utf8.RuneSelf && line[i] != '\r' {
			i++
		}
		dst = append(dst, line[:i]...)
		if line = line[i:]; len(line) == 0 {
			break
		}
		c := line[0]
		if c < utf8.RuneSelf { // CR
			line = line[1:]
			continue
		}
		r, size := utf8.DecodeRune(line)
		switch r {
		case '\u00a0':
			dst = append(dst, ' ')
		case '\u00ad', '\u034f', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		default:
			dst = append(dst, line[:size]...)
		}
		line = line[size:]
	}
	return dst
}
