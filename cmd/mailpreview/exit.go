package main

import (
	"fmt"
	"io"

	"github.com/offermail/offermail/diag"
)

// Exit codes (SPEC §7).
const (
	exitOK       = 0
	exitInvalid  = 1 // invalid input: library, template, profile
	exitUsage    = 2 // the command line is wrong
	exitRejected = 3 // a run finished with rejected records
	exitFailed   = 4 // a run failed: store unreachable, disk full
)

// exitError carries the exit code chosen for an error. Commands return
// them; anything else reaching Run came from the flag parser and is a
// usage error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func invalid(err error) error { return &exitError{exitInvalid, err} }
func usage(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}
func failed(err error) error { return &exitError{exitFailed, err} }

// errSilent ends a command with a code after it printed its own output.
type errSilent int

func (e errSilent) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// printError writes an error the way users read them: one line per
// problem, "file:line:col: message", with the offending line and a caret
// under it when known.
func printError(w io.Writer, err error) { diag.Print(w, err) }

// countErrors counts the problems in an error: the errors of a library or
// template error list, or one.
func countErrors(err error) int { return len(diag.Errors(err)) }
