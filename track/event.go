package track

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/offermail/offermail/diag"
)

// Event types.
const (
	Impression = "impression"
	Click      = "click"
)

// Event is one impression or click of a proposition, as `mailpreview
// feedback` and POST /v1/events take it — {"id"?, "type", "token",
// "time"?} — or as the click and open routes make it.
type Event struct {
	// ID, when given, makes the event count once by it too: the same id
	// again is the same event, whatever else it says.
	ID    string
	Type  string // Impression or Click
	Token string
	// Prop is what Token names.
	Prop Proposition
	// Time is when it happened (RFC 3339 in JSON); zero is when it is
	// recorded. Statistics are kept per UTC day of it.
	Time time.Time
}

// Limits on what an event may hold.
const (
	maxEventLine = 64 << 10 // one NDJSON line or array element
	maxIDLen     = 256
)

// EventError is an event that cannot be counted, with where it is: a line
// of NDJSON (diag.Error's File, Line and Col), or an element of a JSON
// array (Path "[3].token").
type EventError struct {
	*diag.Error
	// Path names the element and member at fault: "[3].token" in an
	// array, "token" on a line; "" when the JSON does not parse.
	Path string
	// Offset is the byte of the input where malformed JSON stopped
	// parsing; -1 for an event that parsed but is not valid.
	Offset int64
}

// ErrMalformed is wrapped by the EventError of text that is not JSON, or
// not an object of the event's members.
var ErrMalformed = errors.New("malformed event")

// wire is an event as JSON has it.
type wire struct {
	ID    *string `json:"id"`
	Type  string  `json:"type"`
	Token string  `json:"token"`
	Time  string  `json:"time"`
}

// ReadEvents reads events from r, named name in messages: NDJSON, one
// object a line (blank lines skipped), or one JSON array of objects, as
// the first character that is not a space says. Each event's token is
// opened with tr. Good events go to good, in order; bad ones to bad, and
// reading goes on. It returns good's first error, or an error of reading
// r (a line or element over 64 KiB included) that stops it.
func ReadEvents(r io.Reader, name string, tr *Tracker, good func(Event) error, bad func(*EventError)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
			continue
		case '[':
			return readArray(br, name, tr, good, bad)
		}
		return readLines(br, name, tr, good, bad)
	}
}

func readLines(r io.Reader, name string, tr *Tracker, good func(Event) error, bad func(*EventError)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			continue
		}
		lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
		var w wire
		if err := json.Unmarshal(text, &w, json.RejectUnknownMembers(true)); err != nil {
			off := lead + int(errOffset(err))
			e := &diag.Error{Code: diag.Syntax, File: name, Line: line, Col: diag.Column(raw, off), Msg: "malformed event: " + jsonMessage(err), Err: ErrMalformed}
			bad((&EventError{Error: e, Offset: -1}).bind(string(raw)))
			continue
		}
		ev, field, err := w.event(tr)
		if err != nil {
			e := &diag.Error{Code: diag.Invalid, File: name, Line: line, Col: 1, Msg: field + ": " + err.Error(), Err: err}
			bad((&EventError{Error: e, Path: field, Offset: -1}).bind(string(raw)))
			continue
		}
		if err := good(ev); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: a line over %d bytes is not an event", name, line+1, maxEventLine)
		}
		return fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return nil
}

func readArray(r io.Reader, name string, tr *Tracker, good func(Event) error, bad func(*EventError)) error {
	lim := &budget{r: r, left: maxEventLine}
	dec := jsontext.NewDecoder(lim)
	malformed := func(err error) *EventError {
		e := &diag.Error{Code: diag.Syntax, File: name, Msg: "malformed events: " + jsonMessage(err), Err: ErrMalformed}
		off := dec.InputOffset()
		if o := errOffset(err); o > off {
			off = o
		}
		return &EventError{Error: e, Offset: off}
	}
	if _, err := dec.ReadToken(); err != nil { // '['
		bad(malformed(err))
		return nil
	}
	for i := 0; ; i++ {
		// An element and the separators before it: what is more is not
		// read, so a long one is never held whole.
		lim.left = maxEventLine + elementSlack
		if dec.PeekKind() == ']' {
			break
		}
		v, err := dec.ReadValue()
		if errors.Is(err, errOverBudget) || len(v) > maxEventLine {
			return fmt.Errorf("%s: element [%d] is over %d bytes", name, i, maxEventLine)
		}
		if err != nil {
			bad(malformed(err))
			return nil
		}
		at := fmt.Sprintf("[%d]", i)
		var w wire
		if err := json.Unmarshal(v, &w, json.RejectUnknownMembers(true)); err != nil {
			e := &diag.Error{Code: diag.Invalid, File: name, Msg: at + ": " + jsonMessage(err), Err: ErrMalformed}
			bad(&EventError{Error: e, Path: at, Offset: -1})
			continue
		}
		ev, field, err := w.event(tr)
		if err != nil {
			e := &diag.Error{Code: diag.Invalid, File: name, Msg: fmt.Sprintf("%s.%s: %v", at, field, err), Err: err}
			bad(&EventError{Error: e, Path: at + "." + field, Offset: -1})
			continue
		}
		if err := good(ev); err != nil {
			return err
		}
	}
	if _, err := dec.ReadToken(); err != nil { // ']'
		bad(malformed(err))
		return nil
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		bad(malformed(errors.New("more after the array")))
	}
	return nil
}

// elementSlack is what an array element may bring beside its own bytes:
// the comma and space before it, the byte after it that ends a number.
const elementSlack = 4 << 10

// errOverBudget: an array element (with the space before it) went past
// what an event may be.
var errOverBudget = errors.New("over an event's size")

// budget reads at most left bytes of r, then fails: the JSON decoder
// holds a whole value in memory before its length can be checked, so what
// it may read for one element is bounded here.
type budget struct {
	r    io.Reader
	left int
}

func (b *budget) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errOverBudget
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// bind sets the caret snippet of a line's error.
func (e *EventError) bind(line string) *EventError {
	e.Error.BindLine(line)
	return e
}

// event checks an event and opens its token; the error names the member.
func (w *wire) event(tr *Tracker) (Event, string, error) {
	ev := Event{Type: w.Type, Token: w.Token}
	if w.ID != nil {
		switch id := *w.ID; {
		case id == "", len(id) > maxIDLen, strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f }):
			return ev, "id", fmt.Errorf("want 1 to %d bytes without control characters", maxIDLen)
		}
		ev.ID = *w.ID
	}
	if w.Type != Impression && w.Type != Click {
		return ev, "type", fmt.Errorf("%q is not impression or click", w.Type)
	}
	if w.Token == "" {
		return ev, "token", errors.New("missing")
	}
	p, err := tr.OpenProposition(w.Token)
	if err != nil {
		return ev, "token", fmt.Errorf("%w (sealed with another secret, altered or truncated?)", err)
	}
	ev.Prop = p
	if w.Time != "" {
		t, err := time.Parse(time.RFC3339, w.Time)
		if err != nil {
			return ev, "time", fmt.Errorf("%q is not an RFC 3339 time such as 2026-12-02T09:00:00Z", w.Time)
		}
		ev.Time = t.UTC()
	}
	return ev, "", nil
}

// errOffset is where a JSON error was found, in the value parsed.
func errOffset(err error) int64 {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn):
		return syn.ByteOffset
	case errors.As(err, &sem):
		return sem.ByteOffset
	}
	return 0
}

// jsonMessage words a JSON error without the package's prefix.
func jsonMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"jsontext: ", "json: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}
