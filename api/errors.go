package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/offermail/offermail/decide"
)

// This file is where an error becomes an HTTP status: the service is the
// edge of the program for its requests, as cmd/ is for commands. Handlers
// return *Error values or plain errors; writeError picks the answer.

// Error is an answer that is not a success, as SPEC §9's JSON errors:
// {"error": {"code", "message", "field"?}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the request member at fault, as a path
	// (propositionRequests[0].items), or a header (Idempotency-Key).
	Field string `json:"field,omitempty"`
	// Offset is the byte of a malformed body where parsing stopped.
	Offset *int64 `json:"offset,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header.
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Codes of the errors the service answers.
const (
	CodeMalformed     = "malformed_json"       // 400
	CodeBadToken      = "bad_token"            // 400: a tracking token or link that does not open
	CodeUnauthorized  = "unauthorized"         // 401
	CodeForbiddenHost = "forbidden_host"       // 403
	CodeNotFound      = "not_found"            // 404: no such route
	CodeActivity      = "unknown_activity"     // 404
	CodePlacement     = "unknown_placement"    // 404
	CodeTemplate      = "unknown_template"     // 404
	CodeMethod        = "method_not_allowed"   // 405
	CodeLibrary       = "library_changed"      // 409: a recorded answer names an offer that is gone
	CodeSuppressed    = "suppressed"           // 409: the recipient is on the suppression list
	CodeTooLarge      = "body_too_large"       // 413
	CodeInvalid       = "invalid_request"      // 422
	CodeIdempotency   = "idempotency_conflict" // 422: one key, two bodies
	CodeRender        = "render_failed"        // 422: the recipient's data cannot be rendered
	CodeUnavailable   = "store_unavailable"    // 503
	CodeShuttingDown  = "shutting_down"        // 503
	CodeInternal      = "internal"             // 500
)

func invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(code, field, format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// storeRetryAfter is the Retry-After of a 503: long enough for a
// reconnect, short enough not to lose a client's patience.
const storeRetryAfter = 2

// classify turns any error of a request into the answer it gets.
func classify(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, decide.ErrStoreUnavailable), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, RetryAfter: storeRetryAfter,
			Message: "the counter store cannot be reached; retry later (with the same Idempotency-Key): " + err.Error()}
	case errors.Is(err, decide.ErrLibraryChanged):
		return &Error{Status: http.StatusConflict, Code: CodeLibrary, Message: err.Error()}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error: " + err.Error()}
}

// writeError answers e as JSON.
func writeError(w http.ResponseWriter, e *Error) {
	h := w.Header()
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if e.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="offermail"`)
	}
	writeJSON(w, e.Status, struct {
		Error *Error `json:"error"`
	}{e})
}
