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
// strings tidyText makes; with a shortcut for lines of ASCII but CR when
// quick: they are trimmed of white space as they are, since nothing in
// them is replaced or removed (appendVisible).
func appendTidyLines(dst, raw []byte, quick bool) []byte {
	base := len(dst)
	blank := false
	for len(raw) > 0 {
		end, plain := lineEnd(raw)
		line := raw[:end]
		if end < len(raw) {
			raw = raw[end+1:]
		} else {
			raw = nil
		}
		if quick && plain {
			a, b := 0, len(line)
			for a < b && asciiSpace[line[a]] {
				a++
			}
			for b > a && asciiSpace[line[b-1]] {
				b--
			}
			if a == b {
				blank = len(dst) > base
				continue
			}
			if blank {
				dst = append(dst, '\n')
				blank = false
			}
			dst = append(dst, line[a:b]...)
			dst = append(dst, '\n')
			continue
		}
		mark := len(dst)
		dst = appendVisible(dst, line)
		trimmed := bytes.TrimLeftFunc(dst[mark:], unicode.IsSpace)
		a := len(dst) - len(trimmed)
		n := len(bytes.TrimRightFunc(trimmed, unicode.IsSpace))
		if n == 0 {
			dst = dst[:mark]
			blank = len(dst) > base
			continue
		}
		if blank {
			dst = append(dst, 0) // room for the blank line's newline
			copy(dst[mark+1:], dst[a:a+n])
			dst[mark] = '\n'
			dst = append(dst[:mark+1+n], '\n')
			blank = false
			continue
		}
		copy(dst[mark:], dst[a:a+n])
		dst = append(dst[:mark+n], '\n')
	}
	return dst
}

// lineEnd returns where the first line of raw ends (its '\n', or
// len(raw)), and whether the line is ASCII without a CR: one pass, eight
// bytes a step, where a search for the '\n' and a check of the line
// would read it twice. A byte's value is found exactly in a word with the
// high bits cleared, as the sum below cannot carry out of its byte.
func lineEnd(raw []byte) (end int, plain bool) {
	var odd uint64 // high bits: a CR or a byte of 0x80 or above
	i := 0
	for ; i+8 <= len(raw); i += 8 {
		x := binary.LittleEndian.Uint64(raw[i:])
		y := x &^ highs
		nl := ^((y ^ '\n'*lows) + 0x7f*lows) &^ x & highs
		cr := ^((y ^ '\r'*lows) + 0x7f*lows) &^ x & highs
		if nl != 0 {
			below := nl&-nl - 1 // the bytes before the first '\n'
			return i + bits.TrailingZeros64(nl)/8, odd|(cr|x&highs)&below == 0
		}
		odd |= cr | x&highs
	}
	for ; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '\n':
			return i, odd == 0
		case c == '\r' || c >= utf8.RuneSelf:
			odd = highs
		}
	}
	return len(raw), odd == 0
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
