package api

import (
	"bytes"
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// TestMessagesJSON: the answer is the message as render --format json
// prints it (subject, preheader, html, text, propositions) with its
// decision id, and the decision was counted.
func TestMessagesJSON(t *testing.T) {
	f := start(t, "", nil)
	a := f.post(t, "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u1", "email": "a@example.com", "profile": {"name": "Ana"}}, "campaign": "welcome"}`)
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	got := a.json(t)
	for _, k := range []string{"decisionId", "subject", "preheader", "html", "text", "propositions"} {
		if _, ok := got[k]; !ok {
			t.Errorf("answer has no %q: %s", k, a.body)
		}
	}
	if got["subject"] != "Hi Ana" || !strings.Contains(got["html"].(string), "<b>Ana</b> Scarce &amp; rare") {
		t.Errorf("subject %q, html %q", got["subject"], got["html"])
	}
	props := got["propositions"].([]any)
	if len(props) != 1 || props[0].(map[string]any)["offers"].([]any)[0].(map[string]any)["id"] != "scarce" {
		t.Errorf("propositions = %v, want the hero's scarce", props)
	}
	if n := f.counter(t, scarceKey); n != 1 {
		t.Errorf("scarce counted %d times, want 1", n)
	}
}

// TestMessagesMIME: Accept: message/rfc822 answers the MIME bytes, each
// message with a Message-ID of its own (one recipient gets many).
func TestMessagesMIME(t *testing.T) {
	f := start(t, "", nil)
	body := `{"template": "mail.hbs", "recipient": {"id": "u1", "email": "a@example.com", "profile": {"name": "Ana"}}, "at": "2026-12-02T09:00:00Z"}`
	ids := map[string]bool{}
	for _, accept := range []string{"message/rfc822", "application/json;q=0.5, message/rfc822"} {
		a := f.post(t, "/v1/messages", body, "Accept", accept)
		if a.status != 200 || a.header.Get("Content-Type") != "message/rfc822" {
			t.Fatalf("Accept %q: %d %s", accept, a.status, a.header.Get("Content-Type"))
		}
		m, err := mail.ReadMessage(bytes.NewReader(a.body))
		if err != nil {
			t.Fatalf("the answer is not a message: %v\n%s", err, a.body)
		}
		h := m.Header
		if h.Get("To") != "<a@example.com>" || h.Get("Subject") != "Hi Ana" || h.Get("Date") != "Wed, 02 Dec 2026 09:00:00 +0000" {
			t.Errorf("To %q, Subject %q, Date %q", h.Get("To"), h.Get("Subject"), h.Get("Date"))
		}
		if !strings.HasSuffix(h.Get("Message-Id"), "@shop.example>") {
			t.Errorf("Message-ID %q is not on the sender's domain", h.Get("Message-Id"))
		}
		ids[h.Get("Message-Id")] = true
	}
	if len(ids) != 2 {
		t.Errorf("two messages share a Message-ID: %v", ids)
	}
	// q=0 refuses MIME: the answer is JSON.
	if a := f.post(t, "/v1/messages", body, "Accept", "message/rfc822;q=0"); a.header.Get("Content-Type") != "application/json" {
		t.Errorf("Accept message/rfc822;q=0 answered %s", a.header.Get("Content-Type"))
	}
}

// TestMessagesSuppressed: a recipient on the suppression list gets 409
// and nothing is counted; /v1/decisions still decides for them.
func TestMessagesSuppressed(t *testing.T) {
	f := start(t, "", nil)
	if _, err := f.store.Suppress(context.Background(), []decide.Suppression{{Recipient: "u1", Time: time.Now(), Reason: "unsubscribe"}}); err != nil {
		t.Fatal(err)
	}
	for _, dry := range []string{"false", "true"} {
		a := f.post(t, "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u1", "email": "a@example.com"}, "dryRun": `+dry+`}`)
		if e := a.json(t)["error"]; a.status != 409 || e == nil || e.(map[string]any)["code"] != "suppressed" || e.(map[string]any)["field"] != "recipient.id" {
			t.Errorf("dryRun %s: /v1/messages for a suppressed recipient = %d %s, want 409 suppressed", dry, a.status, a.body)
		}
	}
	if n := f.counter(t, scarceKey); n != 0 {
		t.Errorf("scarce counted %d times for a suppressed recipient", n)
	}
	if a := f.post(t, "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u2", "email": "b@example.com"}}`); a.status != 200 {
		t.Errorf("another recipient: %d %s", a.status, a.body)
	}
}
