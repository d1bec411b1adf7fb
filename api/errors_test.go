package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrors: every error status of SPEC §9, each with its code and the
// member at fault.
func TestErrors(t *testing.T) {
	f := start(t, "", nil)
	rec := func(extra string) string {
		return `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "hero"` + extra + `}]}`
	}
	tests := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		code, field              string
		message                  string
	}{
		{"malformed", "POST", "/v1/decisions", `{"recipient": {"id": "u1",}}`, nil, 400, CodeMalformed, "", "at byte 25"},
		{"truncated", "POST", "/v1/decisions", `{"recipient": `, nil, 400, CodeMalformed, "", "at byte 14"},
		{"empty body", "POST", "/v1/decisions", ``, nil, 400, CodeMalformed, "", "at byte 0"},
		{"trailing data", "POST", "/v1/decisions", rec("") + `{}`, nil, 400, CodeMalformed, "", "at byte"},
		{"invalid UTF-8", "POST", "/v1/decisions", `{"recipient": {"id": "` + "\xff" + `"}}`, nil, 400, CodeMalformed, "", "UTF-8"},
		{"unknown activity", "POST", "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "ack", "placement": "hero"}]}`, nil, 404, CodeActivity, "propositionRequests[0].activity", `did you mean`},
		{"unknown placement", "POST", "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "footer"}]}`, nil, 404, CodePlacement, "propositionRequests[0].placement", `expected one of: app, banner, hero, side`},
		{"unknown template", "POST", "/v1/messages", `{"template": "nope.hbs", "recipient": {"id": "u1", "email": "a@example.com"}}`, nil, 404, CodeTemplate, "template", "mail.hbs"},
		{"unknown route", "POST", "/v1/nothing", `{}`, nil, 404, CodeNotFound, "", ""},
		{"wrong method", "GET", "/v1/decisions", ``, nil, 405, CodeMethod, "", "POST"},
		{"too large", "POST", "/v1/decisions", `{"recipient": {"id": "u1", "profile": {"x": "` + strings.Repeat("a", MaxBody) + `"}}}`, nil, 413, CodeTooLarge, "", "1 MiB"},
		{"unknown member", "POST", "/v1/decisions", `{"recipient": {"id": "u1", "name": "x"}}`, nil, 422, CodeInvalid, "recipient.name", "unknown"},
		{"wrong type", "POST", "/v1/decisions", rec(`, "items": "2"`), nil, 422, CodeInvalid, "propositionRequests[0].items", "integer"},
		{"items too many", "POST", "/v1/decisions", rec(`, "items": 31`), nil, 422, CodeInvalid, "propositionRequests[0].items", "1 to 30"},
		{"no scopes", "POST", "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": []}`, nil, 422, CodeInvalid, "propositionRequests", "missing"},
		{"no recipient", "POST", "/v1/decisions", `{"propositionRequests": [{"activity": "act", "placement": "hero"}]}`, nil, 422, CodeInvalid, "recipient", "missing"},
		{"no id", "POST", "/v1/decisions", `{"recipient": {"email": "a@example.com"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`, nil, 422, CodeInvalid, "recipient.id", "missing"},
		{"bad email", "POST", "/v1/decisions", `{"recipient": {"id": "u1", "email": "Ann <a@example.com>"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`, nil, 422, CodeInvalid, "recipient.email", "a@example.com"},
		{"no email for a message", "POST", "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u1"}}`, nil, 422, CodeInvalid, "recipient.email", "missing"},
		{"control in id", "POST", "/v1/decisions", `{"recipient": {"id": "a\nb"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`, nil, 422, CodeInvalid, "recipient.id", "control"},
		{"bad time", "POST", "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "hero"}], "at": "yesterday"}`, nil, 422, CodeInvalid, "at", "RFC 3339"},
		{"repeated member", "POST", "/v1/decisions", `{"recipient": {"id": "u1"}, "recipient": {"id": "u2"}}`, nil, 422, CodeInvalid, "recipient", "twice"},
		{"too deep", "POST", "/v1/decisions", `{"recipient": {"id": "u1", "profile": {"a": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}}`, nil, 422, CodeInvalid, "", "deeper"},
		{"bad key", "POST", "/v1/decisions", rec(""), []string{"Idempotency-Key", "a b"}, 422, CodeInvalid, "Idempotency-Key", "printable"},
	}
	for _, tt := range tests {
		a := f.do(t, tt.method, tt.path, tt.body, tt.header...)
		if a.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, a.status, tt.status, a.body)
			continue
		}
		if ct := a.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", tt.name, ct)
		}
		code, field := a.errorOf(t)
		if code != tt.code || field != tt.field {
			t.Errorf("%s: code %q field %q, want %q %q: %s", tt.name, code, field, tt.code, tt.field, a.body)
		}
		if !strings.Contains(string(a.body), tt.message) {
			t.Errorf("%s: message does not say %q: %s", tt.name, tt.message, a.body)
		}
	}
	// Nothing above was counted.
	if n := f.counter(t, scarceKey); n != 0 {
		t.Errorf("refused requests counted %d decisions", n)
	}
}

// TestMalformedOffset: a malformed body's error gives the byte offset,
// also as a number.
func TestMalformedOffset(t *testing.T) {
	f := start(t, "", nil)
	a := f.post(t, "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [}`)
	e := a.json(t)["error"].(map[string]any)
	if a.status != http.StatusBadRequest || e["offset"] != float64(52) {
		t.Errorf("status %d, offset %v; want 400 and 52: %s", a.status, e["offset"], a.body)
	}
}

// TestAuth: with keys, /v1/ needs one; health, readiness and metrics do
// not. Without keys, /v1/ answers only loopback Host names.
func TestAuth(t *testing.T) {
	f := start(t, "", func(c *Config) { c.Keys = []string{"k-one", " k-two "} })
	body := decisionsBody("u1", "")
	for _, tt := range []struct {
		header []string
		status int
	}{
		{nil, 401},
		{[]string{"Authorization", "Bearer"}, 401},
		{[]string{"Authorization", "Basic k-one"}, 401},
		{[]string{"Authorization", "Bearer k-on"}, 401},
		{[]string{"Authorization", "Bearer k-one"}, 200},
		{[]string{"Authorization", "bearer k-two"}, 200},
	} {
		a := f.post(t, "/v1/decisions", body, tt.header...)
		if a.status != tt.status {
			t.Errorf("Authorization %q: status %d, want %d: %s", tt.header, a.status, tt.status, a.body)
		}
		if a.status == 401 {
			if code, _ := a.errorOf(t); code != CodeUnauthorized || a.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 with code %q and WWW-Authenticate %q", code, a.header.Get("WWW-Authenticate"))
			}
		}
	}
	if n := f.counter(t, scarceKey); n != 2 {
		t.Errorf("scarce counted %d times; want 2, by the two authorized requests", n)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if a := f.do(t, "GET", path, ""); a.status != 200 {
			t.Errorf("GET %s without a key: %d, want 200", path, a.status)
		}
	}
	// A keyless service refuses a Host that is not this machine's.
	g := start(t, "", nil)
	a := g.post(t, "/v1/decisions", body, "Host", "offers.example.com")
	if code, _ := a.errorOf(t); a.status != 403 || code != CodeForbiddenHost {
		t.Errorf("keyless service, Host offers.example.com: %d %s, want 403 %s", a.status, code, CodeForbiddenHost)
	}
	if a := g.post(t, "/v1/decisions", body); a.status != 200 {
		t.Errorf("keyless service, loopback Host: %d, want 200", a.status)
	}
}
