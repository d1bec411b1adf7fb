package decide

import (
	"fmt"
	"sort"
	"strings"
)

// Error is a problem in a library file, at a position. Callers read its
// fields with errors.As; Error() prints it as "file:line:col: message".
type Error struct {
	File string
	Line int // 1-based
	Col  int // 1-based, in bytes
	Msg  string
	// Source is the offending line of the file, when known; Caret uses it.
	Source string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Caret returns the offending source line followed by a line with a caret
// under the column, or "" when the source line is unknown.
func (e *Error) Caret() string {
	if e.Source == "" || e.Col < 1 {
		return ""
	}
	pad := make([]byte, 0, e.Col)
	for i := 0; i < e.Col-1 && i < len(e.Source); i++ {
		if e.Source[i] == '\t' {
			pad = append(pad, '\t')
		} else {
			pad = append(pad, ' ')
		}
	}
	return e.Source + "\n" + string(pad) + "^"
}

// ErrorList is every error found while loading a library, sorted by file
// and position. Load returns all of them at once, not just the first.
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

// sort orders the list by file, line and column, keeping the order of
// errors reported at the same place.
func (l ErrorList) sort() {
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
}

// err returns the list as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}
