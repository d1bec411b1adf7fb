package pql

import (
	"fmt"
	"unicode/utf8"
)

// Error is a problem at a position of the PQL text: a syntax error, or a
// construct that has no offermail equivalent (Unsupported). Line and Col
// are 1-based; Col counts characters, not bytes.
type Error struct {
	Offset      int // byte offset in the PQL text
	Line, Col   int
	Msg         string
	Unsupported bool // well-formed PQL that offermail cannot express
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

func errAt(offset int, format string, args ...any) *Error {
	return &Error{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

func unsupportedAt(offset int, format string, args ...any) *Error {
	e := errAt(offset, format, args...)
	e.Unsupported = true
	return e
}

// locate fills Line and Col from Offset.
func (e *Error) locate(src string) *Error {
	if e.Offset > len(src) {
		e.Offset = len(src)
	}
	e.Line, e.Col = 1, 1
	for _, r := range src[:e.Offset] {
		if r == '\n' {
			e.Line++
			e.Col = 1
		} else {
			e.Col++
		}
	}
	if !utf8.ValidString(src[:e.Offset]) {
		// Offsets always fall on token starts, so this only guards
		// against a caller's invalid text.
		e.Col = e.Offset + 1
	}
	return e
}
