package render

import (
	"fmt"
	"sync"

	"github.com/offermail/offermail/diag"
)

// pos is a resolved position in a source file.
type pos struct {
	file      string
	line, col int
}

// errorf returns an Invalid error at p; errorc one with another code.
// Errors are bound to their source (the caret) when the load that makes
// them ends, by the file text it read.
func (p pos) errorf(format string, args ...any) *diag.Error {
	return p.errorc(diag.Invalid, format, args...)
}

func (p pos) errorc(code diag.Code, format string, args ...any) *diag.Error {
	return &diag.Error{Code: code, File: p.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)}
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

// plainSource is text that starts at line firstLine, column firstCol of
// file. Columns after the first line start at 1.
func plainSource(file, text string, firstLine, firstCol int) *source {
	// Built on first use: most sources never report a position.
	lines := sync.OnceValue(func() *diag.Lines { return diag.NewLines(text) })
	return &source{file: file, text: text, at: func(off int) (int, int) {
		line, col := lines().Position(off) // raymond's offsets are bytes
		if line == 1 {
			col += firstCol - 1
		}
		return line + firstLine - 1, col
	}}
}
