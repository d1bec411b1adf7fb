package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// Bounds on a request; each is checked before anything is decided.
const (
	// MaxBody is the largest request body (SPEC §9); more is 413.
	MaxBody = 1 << 20
	// maxDepth bounds JSON nesting (profiles nest a handful of levels).
	maxDepth = 64
	// maxScopes bounds the propositionRequests of one request.
	maxScopes = 30
	// maxItems is the most offers one scope may ask for, as in the
	// library (SPEC §2).
	maxItems = 30
	// maxName bounds campaign, activity, placement and template names.
	maxName = 256
	// maxKey bounds an Idempotency-Key.
	maxKey = 255
)

// recipientIn is the recipient member of a request: SPEC §6's record.
type recipientIn struct {
	ID      jsontext.Value `json:"id"`
	Email   *string        `json:"email"`
	Profile map[string]any `json:"profile"`
	Context map[string]any `json:"context"`
}

type scopeIn struct {
	Activity  *string `json:"activity"`
	Placement *string `json:"placement"`
	Items     *int    `json:"items"`
}

// decisionsIn is the body of POST /v1/decisions.
type decisionsIn struct {
	Recipient           *recipientIn `json:"recipient"`
	PropositionRequests []scopeIn    `json:"propositionRequests"`
	Campaign            *string      `json:"campaign"`
	At                  *string      `json:"at"`
	DryRun              bool         `json:"dryRun"`
	Trace               bool         `json:"trace"`
}

// messagesIn is the body of POST /v1/messages.
type messagesIn struct {
	Template  *string      `json:"template"`
	Recipient *recipientIn `json:"recipient"`
	Campaign  *string      `json:"campaign"`
	At        *string      `json:"at"`
	DryRun    bool         `json:"dryRun"`
	Trace     bool         `json:"trace"`
}

// readBody reads and parses a request body into v, strictly: unknown or
// repeated members, invalid UTF-8 and trailing data are refused, each with
// the place it was found. The body is read into a pooled buffer: parsing
// copies what it keeps.
func readBody(r *http.Request, v any) error {
	buf := getBuffer()
	defer putBuffer(buf)
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge,
				Message: fmt.Sprintf("the request body is larger than %d bytes (1 MiB)", MaxBody)}
		}
		return &Error{Status: http.StatusBadRequest, Code: CodeMalformed, Message: "reading the request body: " + err.Error()}
	}
	return parseBody(buf.Bytes(), v)
}

// buffers are the request bodies and answers in the making; one kept
// when larger than keepBuffer would hold memory for nothing.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const keepBuffer = 64 << 10

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= keepBuffer {
		b.Reset()
		buffers.Put(b)
	}
}

func parseBody(data []byte, v any) error {
	if off := tooDeep(data, maxDepth); off >= 0 {
		return invalid("", "the body nests objects and arrays deeper than %d levels (at byte %d)", maxDepth, off)
	}
	err := json.Unmarshal(data, v, json.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return invalid(fieldPath(syn.JSONPointer), "member given twice")
	case errors.As(err, &syn):
		off := syn.ByteOffset
		return &Error{Status: http.StatusBadRequest, Code: CodeMalformed, Offset: &off,
			Message: fmt.Sprintf("malformed JSON at byte %d: %v", off, syntaxReason(syn.Err))}
	case errors.As(err, &sem) && errors.Is(sem.Err, json.ErrUnknownName):
		return invalid(fieldPath(sem.JSONPointer), "unknown member; see SPEC §9 for the members a request takes")
	case errors.As(err, &sem):
		want := "another type"
		if sem.GoType != nil {
			want = kindOf(sem.GoType.String())
		}
		return invalid(fieldPath(sem.JSONPointer), "want %s, got %s", want, kindName(sem.JSONKind))
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeMalformed, Message: "malformed JSON: " + err.Error()}
}

// tooDeep returns the offset where data nests deeper than limit, or -1.
// It reads brackets outside strings only; the parser checks the rest.
func tooDeep(data []byte, limit int) int {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return i
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return -1
}

func syntaxReason(err error) string {
	if err == nil {
		return "syntax error"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of the body"
	}
	return err.Error()
}

// kindOf names a Go type of the request structs as JSON.
func kindOf(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string"
	case "int":
		return "an integer"
	case "bool":
		return "true or false"
	case "map[string]interface {}", "map[string]any", "api.recipientIn", "api.scopeIn":
		return "an object"
	case "[]api.scopeIn":
		return "an array"
	}
	return "another type"
}

// kindName names a JSON kind in an error message.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return k.String()
	case 'n':
		return "null"
	}
	return "nothing"
}

// fieldPath writes a JSON pointer the way the request's members are
// named in errors: propositionRequests[0].activity.
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// recipient checks the recipient member. Messages need an email address
// (the To of the message); decisions do not.
func (in *recipientIn) recipient(needEmail bool) (render.Recipient, error) {
	if in == nil {
		return render.Recipient{}, invalid("recipient", `missing; give {"id": …} at least`)
	}
	var r render.Recipient
	switch in.ID.Kind() {
	case '"':
		var s string
		if err := json.Unmarshal(in.ID, &s); err != nil {
			return r, invalid("recipient.id", "%v", err)
		}
		r.ID = s
	case '0':
		// An integer id is its decimal text, as in recipient files.
		s := string(in.ID)
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return r, invalid("recipient.id", "want a string or an integer, got %s", s)
		}
		r.ID = s
	case 0:
		return r, invalid("recipient.id", "missing; every recipient needs an id")
	default:
		return r, invalid("recipient.id", "want a string, got %s", kindName(in.ID.Kind()))
	}
	if p := recipients.IDProblem(r.ID); p != "" {
		return r, invalid("recipient.id", "%s", p)
	}
	switch {
	case in.Email != nil:
		if p := recipients.EmailProblem(*in.Email); p != "" {
			return r, invalid("recipient.email", "%s", p)
		}
		r.Email = *in.Email
	case needEmail:
		return r, invalid("recipient.email", "missing; a message needs the recipient's address")
	}
	r.Profile, r.Context = in.Profile, in.Context
	return r, nil
}

// name checks a campaign, activity, placement or template name.
func name(field string, s *string) (string, error) {
	switch {
	case s == nil || *s == "":
		return "", invalid(field, "missing")
	case len(*s) > maxName:
		return "", invalid(field, "longer than %d bytes", maxName)
	case strings.ContainsFunc(*s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", invalid(field, "%q holds a control character", *s)
	}
	return *s, nil
}

// decisionTime parses the at member; absent, it is now.
func decisionTime(at *string, now time.Time) (time.Time, bool, error) {
	if at == nil {
		return now, false, nil
	}
	t, err := time.Parse(time.RFC3339, *at)
	if err != nil {
		return time.Time{}, false, invalid("at", "%q is not an RFC 3339 time such as 2026-12-01T09:00:00Z", *at)
	}
	return t.UTC(), true, nil
}

// idempotencyKey reads the Idempotency-Key header; "" when absent.
func idempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values("Idempotency-Key")
	if len(vals) == 0 {
		return "", nil
	}
	k := vals[0]
	switch {
	case len(vals) > 1:
		return "", invalid("Idempotency-Key", "header given %d times", len(vals))
	case k == "":
		return "", invalid("Idempotency-Key", "empty")
	case len(k) > maxKey:
		return "", invalid("Idempotency-Key", "longer than %d bytes", maxKey)
	case strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }):
		return "", invalid("Idempotency-Key", "only printable ASCII without spaces, such as a UUID")
	}
	return k, nil
}
