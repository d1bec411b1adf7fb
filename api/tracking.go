package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/track"
)

// The tracking routes of SPEC §10. /t/ routes are public — a mail client
// or a browser calls them — and protected by sealed tokens: one that does
// not open is a 400 and counts nothing. Without a secret they are off
// (404). Every event goes through one track.Recorder, as `mailpreview
// feedback` does, so an event counts once whichever path brings it.

// trackPrefixes are the routes whose path carries a token; the route
// table knows them by their prefix, which is also their metrics label.
var trackPrefixes = []string{"/t/c/", "/t/o/", "/t/u/"}

// routeKey is the route table's key of a path.
func routeKey(path string) string {
	for _, p := range trackPrefixes {
		if strings.HasPrefix(path, p) {
			return p
		}
	}
	return path
}

// pixel is a transparent 1×1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// tracking reports whether the /t/ routes are on.
func (s *Service) tracking() bool { return s.cfg.Tracker.Sealed() }

func (s *Service) recorder() *track.Recorder {
	return &track.Recorder{Store: s.store, Now: s.cfg.Now}
}

func badToken(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeBadToken, Message: fmt.Sprintf(format, args...)}
}

// handleClick: GET /t/c/TOKEN?u=TARGET&s=SIG records a click and
// redirects to TARGET, which SIG must sign with the token: an altered
// target is a 400, never a redirect elsewhere.
func (s *Service) handleClick(w http.ResponseWriter, r *http.Request, c *call) error {
	if !s.tracking() {
		return notFound(CodeNotFound, "", "tracking is off: the service has no secret")
	}
	token := strings.TrimPrefix(r.URL.Path, "/t/c/")
	q := r.URL.Query()
	target := q.Get("u")
	p, err := s.cfg.Tracker.CheckClick(token, target, q.Get("s"))
	if err != nil {
		return badToken("this tracking link was altered or is not one of ours: %v", err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	if _, err := s.recorder().Record(ctx, []track.Event{{Type: track.Click, Token: token, Prop: p}}); err != nil {
		// The reader still gets where they were going; the click is lost
		// and said so.
		s.log.Error("record a click", "error", err.Error())
	}
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}

// handleOpen: GET /t/o/TOKEN.gif records one impression for every offer
// of the message, as its ledger entry has them, and answers the pixel.
func (s *Service) handleOpen(w http.ResponseWriter, r *http.Request, c *call) error {
	if !s.tracking() {
		return notFound(CodeNotFound, "", "tracking is off: the service has no secret")
	}
	token, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/t/o/"), ".gif")
	if !ok {
		return badToken("an open pixel's path ends in .gif")
	}
	m, err := s.cfg.Tracker.OpenMessage(token)
	if err != nil {
		return badToken("this open pixel was altered or is not one of ours: %v", err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	events, err := s.impressions(ctx, m)
	if err == nil && len(events) > 0 {
		_, err = s.recorder().Record(ctx, events)
	}
	if err != nil {
		s.log.Error("record an open", "error", err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(len(pixel)))
	w.WriteHeader(http.StatusOK)
	w.Write(pixel)
	return nil
}

// impressions are the events of a message's open: one per offer its
// ledger entry holds (fallbacks are no offers a model ranks).
func (s *Service) impressions(ctx context.Context, m track.Message) ([]track.Event, error) {
	ledger, entry := m.Ledger, m.Entry
	if ledger == "" {
		ledger, entry = m.Campaign, m.Recipient
	}
	recs, err := s.store.Records(ctx, ledger, []string{entry})
	if err != nil || len(recs) == 0 || recs[0] == nil {
		return nil, err
	}
	scopes := make([]decide.Scope, len(m.Scopes))
	for i, sc := range m.Scopes {
		scopes[i] = decide.Scope{Activity: sc.Activity, Placement: sc.Placement}
	}
	d, err := s.current().project.Library.Replay(recs[0], scopes...)
	if err != nil {
		return nil, fmt.Errorf("read the decision of %s/%s: %w", ledger, entry, err)
	}
	var events []track.Event
	for _, p := range d.Propositions {
		for _, o := range p.Offers {
			prop := track.Proposition{Campaign: m.Campaign, Recipient: m.Recipient, Activity: p.Activity, Placement: p.Placement, Offer: o.ID}
			events = append(events, track.Event{Type: track.Impression, Token: s.cfg.Tracker.Proposition(prop), Prop: prop})
		}
	}
	return events, nil
}

// handleUnsubscribe: POST /t/u/TOKEN (RFC 8058 one-click, body
// List-Unsubscribe=One-Click, or the confirmation page's button) puts the
// recipient on the store's suppression list; GET shows that page.
func (s *Service) handleUnsubscribe(w http.ResponseWriter, r *http.Request, c *call) error {
	if !s.tracking() {
		return notFound(CodeNotFound, "", "tracking is off: the service has no secret")
	}
	token := strings.TrimPrefix(r.URL.Path, "/t/u/")
	m, err := s.cfg.Tracker.OpenMessage(token)
	if err != nil {
		return badToken("this unsubscribe link was altered or is not one of ours: %v", err)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		writePage(w, http.StatusOK, "Unsubscribe", `<p>Stop receiving these emails?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`)
		return nil
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		return &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethod, Message: fmt.Sprintf("%s takes GET or POST, not %s", "/t/u/", r.Method)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: CodeMalformed, Message: "the unsubscribe form does not parse: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	reason := "unsubscribe"
	if r.PostForm.Get("List-Unsubscribe") == "One-Click" {
		reason = "one-click unsubscribe"
	}
	if _, err := s.store.Suppress(ctx, []decide.Suppression{{Recipient: m.Recipient, Time: s.cfg.Now().UTC(), Reason: reason}}); err != nil {
		return err
	}
	s.log.Info("unsubscribed", "campaign", m.Campaign)
	writePage(w, http.StatusOK, "Unsubscribed", "<p>You are unsubscribed: you will not receive these emails any more.</p>")
	return nil
}

// writePage answers a small HTML page.
func writePage(w http.ResponseWriter, status int, title, body string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>%s</title></head>\n<body>%s</body></html>\n", html.EscapeString(title), body)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'")
	h.Set("Content-Length", fmt.Sprint(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// eventsOut is the answer of POST /v1/events.
type eventsOut struct {
	Counted    int `json:"counted"`
	Duplicates int `json:"duplicates"`
}

// handleEvents: POST /v1/events takes the events of `mailpreview
// feedback` (NDJSON or a JSON array). They are all checked first: one
// invalid is a 422 naming it (a 400 for JSON that does not parse, with
// its byte offset) and counts nothing, so a client fixes and resends the
// whole body; then each counts once.
func (s *Service) handleEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	var events []track.Event
	var first *track.EventError
	err := track.ReadEvents(r.Body, "body", s.cfg.Tracker, func(e track.Event) error {
		events = append(events, e)
		return nil
	}, func(e *track.EventError) {
		if first == nil {
			first = e
		}
	})
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge, Message: fmt.Sprintf("the request body is larger than %d bytes (1 MiB)", MaxBody)}
		}
		return invalid("", "%v", err)
	}
	if first != nil {
		if errors.Is(first.Err, track.ErrMalformed) && first.Path == "" {
			e := &Error{Status: http.StatusBadRequest, Code: CodeMalformed, Message: first.Error.Error()}
			if first.Offset >= 0 {
				e.Offset = &first.Offset
			}
			return e
		}
		field := first.Path
		if field == "" {
			field = fmt.Sprintf("line %d", first.Line)
		}
		return invalid(field, "%s", first.Error.Error())
	}
	if len(events) == 0 {
		return invalid("", "no events in the body")
	}
	st, err := s.recorder().Record(r.Context(), events)
	if err != nil {
		return err
	}
	counted, dups, future := track.Tally(st)
	if future > 0 {
		return invalid("", "%d event(s) dated more than a day ahead of the service's clock; the others were counted (%d, %d already)", future, counted, dups)
	}
	writeJSON(w, http.StatusOK, eventsOut{Counted: counted, Duplicates: dups})
	return nil
}
