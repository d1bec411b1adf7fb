package preview

import (
	"errors"
	"fmt"

	"github.com/offermail/offermail/diag"
)

// Problem is an error as the page shows it: where it is, what it says, and
// the offending line with a caret under the column.
type Problem struct {
	// Where is what failed: library, template, profile or render (the
	// template failed for this recipient).
	Where string    `json:"where"`
	Code  diag.Code `json:"code,omitempty"`
	File  string    `json:"file,omitempty"`
	Line  int       `json:"line,omitempty"`
	Col   int       `json:"col,omitempty"` // in characters, as every column
	// Message is what is wrong, without the position.
	Message string `json:"message"`
	// Source is the offending line (a window of it when it is long), Caret
	// the line under it: blanks (tabs where Source has tabs) and a ^. They
	// are the snippet the error was given where its source was read; the
	// preview reads no file for them.
	Source string `json:"source,omitempty"`
	Caret  string `json:"caret,omitempty"`
}

// At is the position as editors read it: file:line:col.
func (p Problem) At() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// problems turns an error, or the list of errors in it, into problems.
func problems(err error, where string) []Problem {
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		if errs := multi.Unwrap(); len(errs) > 1 {
			var out []Problem
			for _, e := range errs {
				out = append(out, problems(e, where)...)
			}
			return out
		}
	}
	p := Problem{Where: where, Message: err.Error()}
	var e *diag.Error
	if errors.As(err, &e) {
		p.Code, p.File, p.Line, p.Col, p.Message, p.Source, p.Caret = e.Code, e.File, e.Line, e.Col, e.Msg, e.Source, e.Caret
	}
	return []Problem{p}
}
