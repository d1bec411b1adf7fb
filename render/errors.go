package render

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Error is a problem in a template, partial, layout or offer snippet, at a
// position in its source. Line and Col are 1-based; Col counts characters,
// not bytes. Callers read the fields with errors.As rather than parse the
// text.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every error found while loading, sorted by file and position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual errors.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sortDedup orders the list by file and position and drops repeats, which
// arise when a partial or layout shared by several templates is broken.
func (l ErrorList) sortDedup() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}

// err returns the list as an error, or nil when it is empty (never a typed
// nil inside a non-nil interface).
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l.sortDedup()
}

// pos is a resolved position in a source file.
type pos struct {
	file      string
	line, col int
}

func (p pos) errorf(format string, args ...any) *Error {
	return &Error{File: p.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)}
}

// source maps byte offsets of the text handed to the Handlebars parser back
// to the file the author edits. The text may be a slice of the file (the
// body after front matter, a front-matter value) or the output of the
// Markdown conversion, so each kind provides its own mapping.
type source struct {
	file string
	text string // what was parsed
	// at returns the position of byte off of text in file.
	at func(off int) (line, col int)
}

func (s *source) pos(off int) pos {
	line, col := s.at(off)
	return pos{file: s.file, line: line, col: col}
}

// lineCol returns the 1-based line and character column of byte off in
// text.
func lineCol(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	line = 1 + strings.Count(before, "\n")
	start := strings.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCountInString(before[start:])
}

// plainSource is text that starts at line firstLine, column firstCol of
// file. Columns after the first line start at 1.
func plainSource(file, text string, firstLine, firstCol int) *source {
	return &source{file: file, text: text, at: func(off int) (int, int) {
		line, col := lineCol(text, off)
		if line == 1 {
			col += firstCol - 1
		}
		return line + firstLine - 1, col
	}}
}
