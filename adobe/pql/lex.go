package pql

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tString
	tParam   // $1
	tContext // @{schema id}
	tPunct   // ( ) [ ] , . : =>
	tOp      // = != < <= > >= + - * / % !
)

type token struct {
	kind tokKind
	text string // the token as written; for strings, the unescaped value
	pos  int    // byte offset in the source
}

// lexer splits PQL text into tokens. It never fails silently: an
// unterminated string or a stray character is an error at its position.
type lexer struct {
	src string
	pos int
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			l.pos++
			continue
		}
		break
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentPart(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tIdent, text: l.src[start:l.pos], pos: start}, nil
	case c >= '0' && c <= '9':
		return l.number(start)
	case c == '"' || c == '\'':
		return l.str(start, c)
	case c == '$':
		l.pos++
		for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
			l.pos++
		}
		if l.pos == start+1 {
			return token{}, errAt(start, "$ must be followed by a parameter number, as in $1")
		}
		return token{kind: tParam, text: l.src[start:l.pos], pos: start}, nil
	case c == '@':
		if !strings.HasPrefix(l.src[l.pos:], "@{") {
			return token{}, errAt(start, "@ must start a context reference, as in @{schema}")
		}
		end := strings.IndexByte(l.src[l.pos:], '}')
		if end < 0 {
			return token{}, errAt(start, "context reference @{ is not closed with }")
		}
		l.pos += end + 1
		return token{kind: tContext, text: l.src[start+2 : l.pos-1], pos: start}, nil
	}
	two := ""
	if l.pos+1 < len(l.src) {
		two = l.src[l.pos : l.pos+2]
	}
	switch two {
	case "!=", "<=", ">=", "==":
		l.pos += 2
		return token{kind: tOp, text: two, pos: start}, nil
	case "=>":
		l.pos += 2
		return token{kind: tPunct, text: two, pos: start}, nil
	}
	switch c {
	case '(', ')', '[', ']', ',', '.', ':':
		l.pos++
		return token{kind: tPunct, text: string(c), pos: start}, nil
	case '=', '<', '>', '+', '-', '*', '/', '%', '!':
		l.pos++
		return token{kind: tOp, text: string(c), pos: start}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return token{}, errAt(start, "unexpected character %q", r)
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func (l *lexer) number(start int) (token, error) {
	digits := func() {
		for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
			l.pos++
		}
	}
	digits()
	if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9' {
		l.pos++
		digits()
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		save := l.pos
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
			digits()
		} else {
			l.pos = save
		}
	}
	if l.pos < len(l.src) && isIdentStart(l.src[l.pos]) {
		return token{}, errAt(l.pos, "a number cannot run into a name (%q)", l.src[start:l.pos+1])
	}
	return token{kind: tNumber, text: l.src[start:l.pos], pos: start}, nil
}

// str reads a string literal. PQL writes strings in double quotes with
// backslash escapes; single quotes are accepted too, as Adobe's editors do.
func (l *lexer) str(start int, quote byte) (token, error) {
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == quote:
			l.pos++
			return token{kind: tString, text: b.String(), pos: start}, nil
		case c == '\\':
			if l.pos+1 >= len(l.src) {
				return token{}, errAt(l.pos, "string ends in a lone backslash")
			}
			e := l.src[l.pos+1]
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '"', '\'', '/':
				b.WriteByte(e)
			default:
				// Keep unknown escapes as written: in a regular expression
				// (matches) "\w" must stay "\w".
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			l.pos += 2
		case c == '\n':
			return token{}, errAt(start, "string is not closed on its line")
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return token{}, errAt(start, "string is not closed")
}
