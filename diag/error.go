package diag

import (
	"fmt"
	"strconv"
	"strings"
)

// Code says what kind of problem an Error is, so that callers can branch
// without reading the message. The zero Code is Invalid.
type Code int

// Codes. New codes may be added; a caller that does not know a code should
// treat it as Invalid.
const (
	// Invalid is a value of the wrong type, form or range: an enum word
	// that is not one of its words, a date that is not RFC 3339, an email
	// address that is not a bare address, an id with a character ids may
	// not hold.
	Invalid Code = iota
	// Syntax is text that does not parse: YAML, JSON, CSV or Handlebars,
	// or a file that is not UTF-8.
	Syntax
	// Unknown is a key, field, helper or name that does not exist, most
	// often a typo; the message suggests the closest known word.
	Unknown
	// Duplicate is an id, key or header given twice.
	Duplicate
	// Missing is a required field or value left out.
	Missing
	// Undefined is a reference to something that is not defined: a rule,
	// formula, offer, collection, fallback, activity, placement, partial or
	// layout.
	Undefined
	// Expression is a rule or formula that does not compile: its syntax, or
	// its type (a rule that does not give true or false).
	Expression
	// Limit is an input that exceeds a bound set to keep resources in
	// check: a line, file or id too long, nesting too deep, too many items.
	Limit
	// Execute is a template that failed for one recipient: a missing field
	// in strict mode, a helper given a value it cannot use, a header value
	// that renders with a line break.
	Execute
)

var codeNames = [...]string{
	Invalid:    "invalid",
	Syntax:     "syntax",
	Unknown:    "unknown",
	Duplicate:  "duplicate",
	Missing:    "missing",
	Undefined:  "undefined",
	Expression: "expression",
	Limit:      "limit",
	Execute:    "execute",
}

// String returns the code's name, as it appears in JSON: "syntax",
// "undefined", and so on.
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "code(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText writes the code's name, so JSON shows "syntax", not 1.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a code's name; an unknown name is an error.
func (c *Code) UnmarshalText(text []byte) error {
	for i, name := range codeNames {
		if name == string(text) {
			*c = Code(i)
			return nil
		}
	}
	return fmt.Errorf("unknown error code %q", text)
}

// Error is one problem at a position. Callers read its fields with
// errors.As; Error() prints it as "file:line:col: message".
type Error struct {
	Code Code
	File string // as the user named it; "" when the input has no name
	Line int    // 1-based; 0 when the problem is about the whole file
	Col  int    // 1-based, in characters (see the package doc); 0 when unknown
	Msg  string // what is wrong and, where it helps, how to fix it

	// Source is the offending line, or a window of it around the column
	// when it is long, and Caret the line to print under it: blanks and a
	// ^ under the column. Both are "" until Bind or BindLine sets them.
	Source, Caret string

	// Err is the sentinel or cause the error wraps, for errors.Is, or nil.
	Err error
}

// Error returns "file:line:col: message", leaving out what is not known:
// "file:line: message", "file: message" or just the message.
func (e *Error) Error() string {
	var b strings.Builder
	b.Grow(len(e.File) + len(e.Msg) + 16)
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Col))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns Err, so that errors.Is finds a sentinel inside.
func (e *Error) Unwrap() error { return e.Err }

// Snippet returns the source line and the caret line under it, or "" when
// the error is not bound to its source.
func (e *Error) Snippet() string {
	if e.Source == "" && e.Caret == "" {
		return ""
	}
	return e.Source + "\n" + e.Caret
}

// Bind sets Source and Caret from src, the whole text of e.File, unless
// they are set already or the position is not in src. It returns e.
func (e *Error) Bind(src string) *Error {
	if e.Source != "" || e.Line < 1 {
		return e
	}
	if line, ok := nthLine(src, e.Line); ok {
		e.BindLine(line)
	}
	return e
}

// BindLine is Bind when only the offending line is at hand. A line ending
// ("\n", "\r\n") is dropped.
func (e *Error) BindLine(line string) *Error {
	if e.Source != "" || e.Col < 1 {
		return e
	}
	e.Source, e.Caret = snippet(strings.TrimRight(line, "\r\n"), e.Col)
	return e
}

// nthLine returns line n (1-based) of s.
func nthLine(s string, n int) (string, bool) {
	for i := 1; ; i++ {
		line, rest, more := strings.Cut(s, "\n")
		if i == n {
			return line, true
		}
		if !more {
			return "", false
		}
		s = rest
	}
}
