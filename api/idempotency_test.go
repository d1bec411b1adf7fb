package api

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// TestIdempotentRetry: a retry with the same key and an equal body (any
// spacing or member order) answers the same bytes and counts nothing; so
// does a retry on another replica of the same store; the same key with
// another body is 422 and counts nothing either.
func TestIdempotentRetry(t *testing.T) {
	f := start(t, "", nil)
	// Another replica: a service of its own on the same store.
	g := serve(t, f.cfg, f.clock)

	body := `{"recipient": {"id": "u1", "profile": {"name": "Ana", "tier": "gold"}}, "propositionRequests": [{"activity": "act", "placement": "side"}]}`
	same := `{"propositionRequests":[{"placement":"side","activity":"act"}],"recipient":{"profile":{"tier":"gold","name":"Ana"},"id":"u1"}}`
	first := f.post(t, "/v1/decisions", body, "Idempotency-Key", "order-42")
	if first.status != http.StatusOK {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	counts := func() []int64 { return []int64{f.counter(t, scarceKey), f.counter(t, onceKey("u1"))} }
	before := counts()
	if before[0] != 1 || before[1] != 1 {
		t.Fatalf("first request counted scarce %d and once %d, want 1 and 1", before[0], before[1])
	}
	// A later retry: the clock has moved, the answer has not.
	f.clock.Set(testAt.Add(3 * time.Hour))
	for i, retry := range []struct {
		fx   *fixture
		body string
	}{{f, body}, {f, same}, {g, body}, {g, same}} {
		a := retry.fx.post(t, "/v1/decisions", retry.body, "Idempotency-Key", "order-42")
		if a.status != http.StatusOK || !bytes.Equal(a.body, first.body) {
			t.Errorf("retry %d: %d\n%s\nwant the first answer\n%s", i, a.status, a.body, first.body)
		}
	}
	other := `{"recipient": {"id": "u2"}, "propositionRequests": [{"activity": "act", "placement": "side"}]}`
	for _, fx := range []*fixture{f, g} {
		a := fx.post(t, "/v1/decisions", other, "Idempotency-Key", "order-42")
		if code, field := a.errorOf(t); a.status != 422 || code != CodeIdempotency || field != "Idempotency-Key" {
			t.Errorf("same key, other body: %d %s %s, want 422 %s Idempotency-Key", a.status, code, field, CodeIdempotency)
		}
		// The same key on the other route is another request too.
		m := fx.post(t, "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u1", "email": "a@example.com"}}`, "Idempotency-Key", "order-42")
		if code, _ := m.errorOf(t); m.status != 422 || code != CodeIdempotency {
			t.Errorf("same key on /v1/messages: %d %s, want 422 %s", m.status, code, CodeIdempotency)
		}
	}
	if after := counts(); after[0] != before[0] || after[1] != before[1] {
		t.Errorf("counters %v after retries and conflicts, %v before", after, before)
	}
	// A new key is a new request.
	if a := f.post(t, "/v1/decisions", body, "Idempotency-Key", "order-43"); bytes.Equal(a.body, first.body) {
		t.Errorf("a new key answered the recorded decision")
	}
	if n := f.counter(t, scarceKey); n != 2 {
		t.Errorf("scarce counted %d times after a new key, want 2", n)
	}
}

// TestIdempotencyAcrossMidnight: a key recorded yesterday (UTC, by the
// service's clock) is still honoured; one recorded two days ago is not.
func TestIdempotencyAcrossMidnight(t *testing.T) {
	f := start(t, "", nil)
	f.clock.Set(time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC))
	body := `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`
	first := f.post(t, "/v1/decisions", body, "Idempotency-Key", "k")
	f.clock.Set(time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC))
	if a := f.post(t, "/v1/decisions", body, "Idempotency-Key", "k"); !bytes.Equal(a.body, first.body) {
		t.Errorf("a retry the next day answered\n%s\nwant\n%s", a.body, first.body)
	}
	if n := f.counter(t, scarceKey); n != 1 {
		t.Errorf("scarce counted %d times after a retry the next day, want 1", n)
	}
	f.clock.Set(time.Date(2026, 12, 3, 0, 1, 0, 0, time.UTC))
	if a := f.post(t, "/v1/decisions", body, "Idempotency-Key", "k"); bytes.Equal(a.body, first.body) {
		t.Errorf("a key from two days ago was replayed")
	}
	if n := f.counter(t, scarceKey); n != 2 {
		t.Errorf("scarce counted %d times, want 2: a key two days old is a new request", n)
	}
}

// TestIdempotentMessage: a message retried with its key has the same
// bytes, MIME included (same Message-ID and Date, the first attempt's
// decision time), and counts nothing.
func TestIdempotentMessage(t *testing.T) {
	f := start(t, "", nil)
	body := `{"template": "mail", "recipient": {"id": "u1", "email": "a@example.com", "profile": {"name": "Ana"}}}`
	first := f.post(t, "/v1/messages", body, "Idempotency-Key", "m1", "Accept", "message/rfc822")
	if first.status != 200 || first.header.Get("Content-Type") != "message/rfc822" {
		t.Fatalf("first: %d %s\n%s", first.status, first.header.Get("Content-Type"), first.body)
	}
	f.clock.Set(testAt.Add(time.Minute))
	again := f.post(t, "/v1/messages", body, "Idempotency-Key", "m1", "Accept", "message/rfc822")
	if !bytes.Equal(again.body, first.body) {
		t.Errorf("the retried message differs:\n%s\nfirst:\n%s", again.body, first.body)
	}
	if n := f.counter(t, scarceKey); n != 1 {
		t.Errorf("scarce counted %d times, want 1", n)
	}
	// The JSON form of the same recorded message carries its decision id.
	j := f.post(t, "/v1/messages", body, "Idempotency-Key", "m1").json(t)
	if j["decisionId"] != first.header.Get("X-Decision-Id") {
		t.Errorf("JSON decisionId %v, MIME X-Decision-Id %q", j["decisionId"], first.header.Get("X-Decision-Id"))
	}
}
