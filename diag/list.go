package diag

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// List is every error found in one load: a library, a directory of
// templates. Err returns it sorted by file and position; Error prints every
// error, one a line, not just the first.
type List []*Error

// Add appends e.
func (l *List) Add(e *Error) { *l = append(*l, e) }

// Errorf appends an error built from its parts and returns it, for the
// caller to Bind.
func (l *List) Errorf(code Code, file string, line, col int, format string, args ...any) *Error {
	e := &Error{Code: code, File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	l.Add(e)
	return e
}

// Sort orders the list by file, line and column, keeping the order of
// errors at the same place, and drops exact repeats (a broken partial that
// several templates include is reported once).
func (l *List) Sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool {
		return a.File == b.File && a.Line == b.Line && a.Col == b.Col && a.Code == b.Code && a.Msg == b.Msg
	})
}

// Err returns the list sorted, as an error, or nil when it is empty (never
// a nil List inside a non-nil error).
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// Error prints every error, one a line.
func (l List) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives errors.As and errors.Is access to each error.
func (l List) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Bind binds every error of file that has no snippet yet to src, the
// file's text.
func (l List) Bind(file, src string) {
	for _, e := range l {
		if e.File == file {
			e.Bind(src)
		}
	}
}

// Errors returns the problems in err: the errors of the List it holds, or
// err itself. A nil err has none.
func Errors(err error) []error {
	if err == nil {
		return nil
	}
	var l List
	if errors.As(err, &l) {
		return l.Unwrap()
	}
	return []error{err}
}

// Print writes every problem in err to w the way people read them: one
// line "file:line:col: message" each, and under it, indented, the
// offending source line with a caret under the column when the error is
// bound to its source.
func Print(w io.Writer, err error) {
	for _, p := range Errors(err) {
		fmt.Fprintln(w, p.Error())
		var e *Error
		if errors.As(p, &e) && e.Source != "" {
			fmt.Fprintf(w, "    %s\n    %s\n", e.Source, e.Caret)
		}
	}
}
