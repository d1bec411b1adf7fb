package adobe

import (
	"fmt"
	"sort"
	"strings"
)

// Error is a problem in an export file: where (file, line, column in
// characters, and the JSON path in the file) and what.
type Error struct {
	File      string
	Line, Col int
	Path      string // JSON path in the file, e.g. _embedded.results[3]._instance.xdm:rank
	Msg       string
}

func (e *Error) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in an export, sorted by file and
// position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap gives errors.As and errors.Is access to each error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return l
}

// maxErrors stops a badly broken export from flooding the terminal.
const maxErrors = 200
