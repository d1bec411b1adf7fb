// Package diag is offermail's one positional error: a problem in a library
// file, a template, its front matter, a rule or formula, or a recipient
// record, at a file, line and column, with a code to branch on.
//
// It has the shape of go/scanner's Error and ErrorList, with an error code
// in the manner of html/template's ErrorCode, so that callers read fields
// with errors.As and branch on Code without reading messages:
//
//	var e *diag.Error
//	if errors.As(err, &e) && e.Code == diag.Undefined {
//		// a reference to an id the library does not define
//	}
//
// An Error prints as "file:line:col: message", the form editors and
// terminals turn into links. A List holds every error of a load, sorted by
// file and position, and prints them all, one a line; Print adds the
// offending source line and a caret under the column.
//
// # Columns
//
// Line and Col are 1-based. Col counts characters — Unicode code points —
// not bytes: in the line `  name: "Zoë", x` the x is at column 15, whatever
// the encoding of ë. A tab is one character, and so is each byte of invalid
// UTF-8. Every package of offermail reports columns in this unit. yaml.v3
// (the library, front matter) and expr (rules and formulas) count
// characters already; raymond's lexer (templates), jsontext (recipient
// records) and encoding/csv give byte offsets or byte columns, which
// Position and Column convert where their errors are made.
//
// # Snippets
//
// The source line and the caret line under it are computed once, where the
// source is known (the loader that read the file), with Bind or BindLine,
// as expr's file.Error.Bind does; whoever prints the error later needs no
// access to the file.
package diag
