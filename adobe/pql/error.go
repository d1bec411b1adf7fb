package pql

import (
	"errors"
	"fmt"

	"github.com/offermail/offermail/diag"
)

// ErrUnsupported is wrapped by the errors of well-formed PQL that has no
// offermail equivalent (experience events, audiences, Java-only regular
// expressions…), as opposed to syntax errors.
var ErrUnsupported = errors.New("not supported by offermail")

// Errors returned by Parse and Translate are *diag.Error with the line and
// the column (in characters) in the PQL text and no file: syntax errors
// have Code diag.Syntax; unsupported constructs diag.Expression and wrap
// ErrUnsupported.

// posError is an error at a byte offset, located when parsing ends.
type posError struct {
	offset      int
	msg         string
	unsupported bool
}

func (e *posError) Error() string { return e.msg }

func errAt(offset int, format string, args ...any) *posError {
	return &posError{offset: offset, msg: fmt.Sprintf(format, args...)}
}

func unsupportedAt(offset int, format string, args ...any) *posError {
	e := errAt(offset, format, args...)
	e.unsupported = true
	return e
}

// locate turns an error at an offset of src into a diag.Error.
func locate(err error, src string) error {
	var e *posError
	if !errors.As(err, &e) {
		return err
	}
	line, col := diag.Position(src, min(e.offset, len(src)))
	d := &diag.Error{Code: diag.Syntax, Line: line, Col: col, Msg: e.msg}
	if e.unsupported {
		d.Code, d.Err = diag.Expression, ErrUnsupported
	}
	return d.Bind(src)
}
