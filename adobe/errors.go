package adobe

import (
	"fmt"

	"github.com/offermail/offermail/diag"
)

// Errors are diag.Errors: "file:line:col: path: message", where path is
// the JSON path of the value in the file
// (_embedded.results[3]._instance.xdm:rank.xdm:priority), the column is
// counted in characters, and the offending line is bound for the caret.

// maxErrors stops a badly broken export from flooding the terminal.
const maxErrors = 200

// errorAt builds an error at a byte offset of a file.
func errorAt(code diag.Code, src *source, off int64, path, format string, args ...any) *diag.Error {
	line, col := src.position(off)
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	e := &diag.Error{Code: code, File: src.name, Line: line, Col: col, Msg: msg}
	return e.Bind(string(src.data))
}
