package recipients

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/offermail/offermail/diag"
)

// This file holds a strict JSON value parser. encoding/json would decode the
// same documents, but it keeps the last of two equal keys, replaces invalid
// UTF-8 and lone surrogates with U+FFFD, and reports no position for semantic
// problems. A recipient file is user input that decides who gets which email,
// so here every one of those is an error with the byte offset where it is.
// Values come out as encoding/json would decode them into an any: objects as
// map[string]any, arrays as []any, numbers as float64, and so on.

// maxDepth bounds nesting so that a hostile line cannot exhaust the stack.
// Real profiles nest a handful of levels.
const maxDepth = 100

// posError is a problem at a byte offset of the parsed text. off is -1 when
// the problem is about the record as a whole.
type posError struct {
	off  int
	code diag.Code
	msg  string
}

// parser reads JSON from data, starting at pos.
type parser struct {
	data []byte
	pos  int
	// order, when set, receives the key order of the objects parsed;
	// keys is scratch space for it.
	order *KeyOrder
	keys  []string
}

func (p *parser) errf(off int, code diag.Code, format string, args ...any) *posError {
	return &posError{off: off, code: code, msg: fmt.Sprintf(format, args...)}
}

// syntaxf reports malformed JSON; every syntax error message starts the same
// way so that a reader of rejects.ndjson can group them.
func (p *parser) syntaxf(off int, format string, args ...any) *posError {
	return &posError{off: off, code: diag.Syntax, msg: "malformed JSON: " + fmt.Sprintf(format, args...)}
}

// unexpected reports the byte at p.pos, or the end of the input, while the
// parser was looking for what.
func (p *parser) unexpected(what string) *posError {
	if p.pos >= len(p.data) {
		return p.syntaxf(p.pos, "unexpected end of input %s", what)
	}
	return p.syntaxf(p.pos, "invalid character %s %s", describeByte(p.data, p.pos), what)
}

// describeByte quotes the character at off for an error message, showing
// a whole rune when the byte starts a valid UTF-8 sequence.
func describeByte(data []byte, off int) string {
	r, size := utf8.DecodeRune(data[off:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x", data[off])
	}
	return strconv.QuoteRune(r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end of the input (0 never starts
// valid JSON, so callers need no separate end check).
func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

// value parses one value after optional white space.
func (p *parser) value(depth int) (any, *posError) {
	p.skipSpace()
	switch c := p.peek(); {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		text, err := p.numberText()
		if err != nil {
			return nil, err
		}
		// The conversion does not escape, so a short number is parsed
		// without an allocation.
		f, perr := strconv.ParseFloat(string(text), 64)
		if perr != nil {
			// Only overflow gets here: the grammar was checked above.
			return nil, p.errf(p.pos-len(text), diag.Invalid, "number %s is out of range", truncate(string(text), 40))
		}
		return f, nil
	default:
		return nil, p.unexpected("looking for beginning of value")
	}
}

func (p *parser) object(depth int) (map[string]any, *posError) {
	if depth > maxDepth {
		return nil, p.errf(p.pos, diag.Limit, "objects and arrays nest deeper than %d levels", maxDepth)
	}
	p.pos++ // '{'
	m := make(map[string]any)
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return m, nil
	}
	mark := len(p.keys)
	defer func() { p.keys = p.keys[:mark] }()
	for {
		p.skipSpace()
		keyOff := p.pos
		if p.peek() != '"' {
			return nil, p.unexpected("looking for beginning of object key string")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, p.errf(keyOff, diag.Duplicate, "duplicate key %s", quote(key))
		}
		p.skipSpace()
		if p.peek() != ':' {
			return nil, p.unexpected("after object key")
		}
		p.pos++
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[key] = v
		if p.order != nil {
			p.keys = append(p.keys, key)
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			if p.order != nil {
				p.order.record(m, p.keys[mark:])
			}
			return m, nil
		default:
			return nil, p.unexpected("after object key:value pair")
		}
	}
}

func (p *parser) array(depth int) ([]any, *posError) {
	if depth > maxDepth {
		return nil, p.errf(p.pos, diag.Limit, "objects and arrays nest deeper than %d levels", maxDepth)
	}
	p.pos++ // '['
	a := []any{}
	p.skipSpace()
	if p.peek() == ']' {
		p.pos++
		return a, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return a, nil
		default:
			return nil, p.unexpected("after array element")
		}
	}
}

func (p *parser) literal(word string) *posError {
	for i := 0; i < len(word); i++ {
		if p.peek() != word[i] {
			return p.unexpected("in literal " + word)
		}
		p.pos++
	}
	return nil
}

// numberText scans a number per RFC 8259 and returns its text, which
// aliases the input.
func (p *parser) numberText() ([]byte, *posError) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	switch c := p.peek(); {
	case c == '0':
		p.pos++
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return nil, p.unexpected("in numeric literal")
	}
	if p.peek() == '.' {
		p.pos++
		if !isDigit(p.peek()) {
			return nil, p.unexpected("after decimal point in numeric literal")
		}
		p.digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if !isDigit(p.peek()) {
			return nil, p.unexpected("in exponent of numeric literal")
		}
		p.digits()
	}
	return p.data[start:p.pos], nil
}

func (p *parser) digits() {
	for isDigit(p.peek()) {
		p.pos++
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// quote quotes user text for a message, cutting it short so that a huge key
// or value cannot make a huge reject line.
func quote(s string) string { return strconv.Quote(truncate(s, 64)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Back up to a rune boundary so the cut leaves valid UTF-8.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
