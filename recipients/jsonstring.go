package recipients

import (
	"unicode/utf8"

	"github.com/offermail/offermail/diag"
)

// This file holds the string half of the JSON parser. Strings are where
// JSON gets subtle (escapes, surrogate pairs, encodings), and where this
// parser is stricter than encoding/json: invalid UTF-8 and lone surrogates
// are errors, never U+FFFD.

// str parses a string. The common case, no escapes, costs one scan and one
// allocation; escapes take the slower path in unescape.
func (p *parser) str() (string, *posError) {
	b, err := p.strBytes()
	return string(b), err
}

// strBytes is str without the final copy when the string has no escapes:
// the result may alias the input, which lets a caller compare a key
// without allocating.
func (p *parser) strBytes() ([]byte, *posError) {
	p.pos++ // opening quote
	start := p.pos
	for i := start; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			s := p.data[start:i]
			if bad := invalidUTF8(s); bad >= 0 {
				return nil, p.errf(start+bad, diag.Syntax, "invalid UTF-8 in string; save the file as UTF-8")
			}
			p.pos = i + 1
			return s, nil
		case c == '\\' || c < 0x20:
			p.pos = i
			return p.unescape(start)
		}
	}
	p.pos = len(p.data)
	return nil, p.unexpected("in string literal")
}

// invalidUTF8 returns the offset of the first invalid UTF-8 byte in s, or -1.
func invalidUTF8(s []byte) int {
	if utf8.Valid(s) {
		return -1
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// unescape finishes a string that holds escapes or control characters; the
// string started at start and p.pos is at the first byte needing care.
func (p *parser) unescape(start int) ([]byte, *posError) {
	if bad := invalidUTF8(p.data[start:p.pos]); bad >= 0 {
		return nil, p.errf(start+bad, diag.Syntax, "invalid UTF-8 in string; save the file as UTF-8")
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return buf, nil
		case c < 0x20:
			return nil, p.unexpected("in string literal")
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return nil, err
			}
			buf = utf8.AppendRune(buf, r)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return nil, p.errf(p.pos, diag.Syntax, "invalid UTF-8 in string; save the file as UTF-8")
			}
			buf = append(buf, p.data[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
	return nil, p.unexpected("in string literal")
}

// escape decodes one escape sequence at p.pos, joining a UTF-16 surrogate
// pair into one rune. A lone surrogate is an error rather than U+FFFD, so
// that no character is replaced without anyone knowing.
func (p *parser) escape() (rune, *posError) {
	off := p.pos
	p.pos++ // backslash
	c := p.peek()
	p.pos++
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return 0, err
		}
		switch {
		case r < 0xD800 || r > 0xDFFF:
			return r, nil
		case r <= 0xDBFF && p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u':
			p.pos += 2
			lo, err := p.hex4()
			if err != nil {
				return 0, err
			}
			if 0xDC00 <= lo && lo <= 0xDFFF {
				return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
			}
		}
		return 0, p.syntaxf(off, "lone UTF-16 surrogate in \\u escape")
	}
	p.pos--
	return 0, p.unexpected("in string escape code")
}

func (p *parser) hex4() (rune, *posError) {
	var r rune
	for range 4 {
		c := p.peek()
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, p.unexpected("in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(c)
		p.pos++
	}
	return r, nil
}
