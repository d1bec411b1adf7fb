package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
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
func printError(w io.Writer, err error) {
	if list := problems(err); len(list) > 1 {
		for _, e := range list {
			printError(w, e)
		}
		return
	}
	fmt.Fprintln(w, err.Error())
	var caret interface{ Caret() string }
	if errors.As(err, &caret) {
		if c := caret.Caret(); c != "" {
			for _, line := range strings.Split(c, "\n") {
				fmt.Fprintln(w, "    "+line)
			}
		}
	}
}

// problems returns the positioned errors of a library or template error
// list. Other errors that wrap several (fmt's "%w: %w") are one problem.
func problems(err error) []error {
	var dl decide.ErrorList
	if errors.As(err, &dl) {
		return dl.Unwrap()
	}
	var rl render.ErrorList
	if errors.As(err, &rl) {
		return rl.Unwrap()
	}
	return []error{err}
}

// countErrors counts the problems in an error.
func countErrors(err error) int { return len(problems(err)) }
