package message

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Header fields: folding (RFC 5322 §2.2.3) and encoded words (RFC 2047).
//
// A value is written as it is when every reader gives it back as written:
// printable ASCII (and tabs) with nothing a decoder could read as an
// encoded word. Anything else — non-ASCII text, control characters, a
// word too long to fold, or a piece of text shaped like an encoded word
// ("=?utf-8?q?A=0D=0ABcc:_x?=", which a reader would decode into a line
// break) — is written as encoded words that decode to exactly the text
// given. CR and LF are refused before anything is written, so that no
// header holds a line break, raw or encoded.

// foldAt is where long fields are folded: lines stay within 76 octets
// where there is a space to fold at, as RFC 2047 asks of lines with
// encoded words and within RFC 5322's 78.
const foldAt = 76

// maxLine is the limit of RFC 5322 §2.1.1 on a line, without CRLF.
const maxLine = 998

// maxWordContent is how many octets of encoded text an encoded word holds:
// a word is at most 75 octets (RFC 2047 §2), of which "=?UTF-8?q?" and
// "?=" take 12. The same split as mime.WordEncoder's.
const maxWordContent = 75 - len("=?UTF-8?q?") - len("?=")

// maxBase64Content is how many octets of text a "b" encoded word holds.
const maxBase64Content = maxWordContent / 4 * 3

// mayDecode reports whether s holds something a decoder could take for an
// encoded word: "=?" followed, later, by "?=". Decoders look for them
// anywhere, not only between spaces (mime.WordDecoder, Python's
// email.header).
func mayDecode(s string) bool {
	i := strings.Index(s, "=?")
	return i >= 0 && strings.Contains(s[i+2:], "?=")
}

// plainText reports whether an unstructured value can be written as it
// is: printable ASCII, spaces and tabs, and no encoded word.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c > '~' {
			return false
		}
	}
	return !mayDecode(s)
}

// appendText appends the field "name: value" of an unstructured value
// (Subject, an extra header): as it is when plainText allows and it folds
// into lines of at most 998 octets, as encoded words in charset otherwise.
func appendText(dst []byte, name, value, charset string) []byte {
	if plainText(value) {
		if out, ok := appendFolded(dst, name, value); ok {
			return out
		}
	}
	var words [256]byte
	enc := appendQWords(words[:0], value, charset, firstWord(name))
	out, _ := appendFolded(dst, name, string(enc)) // encoded words always fold
	return out
}

// firstWord is how many octets of encoded text the first encoded word of
// field name holds, so that it ends within foldAt on the field's first
// line: a field is never folded right after its colon, which some readers
// (Python's email) take as a leading space of the value.
func firstWord(name string) int {
	return max(foldAt-len(name)-len(": ")-len("=?UTF-8?q?")-len("?="), 12)
}

// appendFolded appends "name: value" CRLF, folding before a space where a
// line would pass foldAt; unfolding (removing the CRLFs) gives the value
// back. It folds only at a single space between two words: readers such as
// net/textproto trim the white space at either end of a folded line and
// join the lines with one space, which would change a run of spaces or a
// tab. It reports false, with dst as it was, when a line passes 998 octets
// anyway.
func appendFolded(dst []byte, name, value string) ([]byte, bool) {
	start := len(dst)
	dst = append(dst, name...)
	dst = append(dst, ':')
	line := len(name) + 1
	prev := "" // never folded before the first word
	for {
		word, rest, more := strings.Cut(value, " ")
		if line+1+len(word) > foldAt && foldable(prev, word) {
			dst = append(dst, '\r', '\n')
			line = 0
		}
		if line+1+len(word) > maxLine {
			return dst[:start], false
		}
		dst = append(dst, ' ')
		dst = append(dst, word...)
		line += 1 + len(word)
		if !more {
			break
		}
		value, prev = rest, word
	}
	return append(dst, '\r', '\n'), true
}

// foldable reports whether a line may be folded at the space between the
// words prev and next (split at spaces): only when neither is empty or
// touches the space with a tab.
func foldable(prev, next string) bool {
	return prev != "" && next != "" && prev[len(prev)-1] != '\t' && next[0] != '\t'
}

// appendQWords appends s as "q" encoded words separated by spaces, split
// as mime.QEncoding splits them — no word longer than 75 octets, no UTF-8
// sequence cut in two — but for the first, which holds first octets of
// encoded text. Unlike mime.QEncoding.Encode it encodes text that needs no
// encoding too: that is how text shaped like an encoded word is kept
// literal.
func appendQWords(dst []byte, s, charset string, first int) []byte {
	dst = openWord(dst, charset, 'q')
	n, limit := 0, min(first, maxWordContent)
	for i := 0; i < len(s); {
		c := s[i]
		size, enc := 1, 1
		if c < ' ' || c > '~' || c == '=' || c == '?' || c == '_' {
			_, size = utf8.DecodeRuneInString(s[i:])
			enc = 3 * size
		}
		if n+enc > limit && n > 0 {
			dst = append(dst, "?= "...)
			dst = openWord(dst, charset, 'q')
			n, limit = 0, maxWordContent
		}
		for _, c := range []byte(s[i : i+size]) {
			switch {
			case c == ' ':
				dst = append(dst, '_')
			case c > ' ' && c <= '~' && c != '=' && c != '?' && c != '_':
				dst = append(dst, c)
			default:
				dst = append(dst, '=', hexUpper[c>>4], hexUpper[c&0x0f])
			}
		}
		n += enc
		i += size
	}
	return append(dst, "?="...)
}

// appendBWords appends s as "b" (base64) encoded words, split as
// mime.BEncoding splits them but for the first, which holds first octets
// of encoded text.
func appendBWords(dst []byte, s, charset string, first int) []byte {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	chunk := func(dst []byte, p string) []byte {
		dst = openWord(dst, charset, 'b')
		for ; len(p) >= 3; p = p[3:] {
			v := uint(p[0])<<16 | uint(p[1])<<8 | uint(p[2])
			dst = append(dst, b64[v>>18&63], b64[v>>12&63], b64[v>>6&63], b64[v&63])
		}
		switch len(p) {
		case 1:
			v := uint(p[0]) << 16
			dst = append(dst, b64[v>>18&63], b64[v>>12&63], '=', '=')
		case 2:
			v := uint(p[0])<<16 | uint(p[1])<<8
			dst = append(dst, b64[v>>18&63], b64[v>>12&63], b64[v>>6&63], '=')
		}
		return append(dst, "?="...)
	}
	if (len(s)+2)/3*4 <= min(first, maxWordContent) {
		return chunk(dst, s)
	}
	n, last, limit := 0, 0, min(first, maxWordContent)/4*3
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if n+size > limit && n > 0 {
			dst = append(chunk(dst, s[last:i]), ' ')
			last, n, limit = i, 0, maxBase64Content
		}
		n += size
		i += size
	}
	return chunk(dst, s[last:])
}

func openWord(dst []byte, charset string, enc byte) []byte {
	dst = append(dst, "=?"...)
	dst = append(dst, charset...)
	return append(dst, '?', enc, '?')
}

// appendRaw appends "name: value" CRLF for a value that is never folded
// (a URL, a Message-ID), refusing a line longer than 998 octets.
func appendRaw(dst []byte, name, value string) ([]byte, error) {
	return appendRawIn(dst, name, "", value, "")
}

// appendRawAngled is appendRaw for "<" + value + ">", without building it.
func appendRawAngled(dst []byte, name, value string) ([]byte, error) {
	return appendRawIn(dst, name, "<", value, ">")
}

// appendRawIn is appendRaw for the value pre + value + post.
func appendRawIn(dst []byte, name, pre, value, post string) ([]byte, error) {
	if n := len(name) + 2 + len(pre) + len(value) + len(post); n > maxLine {
		return dst, fmt.Errorf("message: header %s: line of %d octets, longer than %d, with no space to fold at",
			name, n, maxLine)
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, pre...)
	dst = append(dst, value...)
	dst = append(dst, post...)
	return append(dst, '\r', '\n'), nil
}
