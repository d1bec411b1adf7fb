package message

import (
	"mime"
	"strings"
	"testing"
)

// TestWriteToIDN: an internationalized domain in From, Reply-To and To is
// written as its IDNA ASCII form (it went out as raw UTF-8, which servers
// without SMTPUTF8 refuse; issue 13, item 13); a UTF-8 local part stays
// as it is (RFC 6532), and a domain IDNA refuses is an error.
func TestWriteToIDN(t *testing.T) {
	m := sample()
	m.From = "Bücher <news@bücher.example>"
	m.ReplyTo = "help@bücher.example"
	m.To = "jörg@straße.example"
	msg, _ := parse(t, write(t, m))
	for field, want := range map[string]string{
		"From":     "=?utf-8?q?B=C3=BCcher?= <news@xn--bcher-kva.example>",
		"Reply-To": "<help@xn--bcher-kva.example>",
		"To":       "<jörg@xn--strae-oqa.example>",
	} {
		if got := msg.Header.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	m.To = "a@xn--a.ü"
	if _, err := m.WriteTo(new(discard)); err == nil {
		t.Errorf("WriteTo(To %q) succeeded, want an error", m.To)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestWriteToUnbreakableSubject: a subject of 1,200 octets with no space
// was refused (issue 13, item 13); it is written as encoded words whose
// lines fold, and decodes back to itself.
func TestWriteToUnbreakableSubject(t *testing.T) {
	m := sample()
	m.Subject = strings.Repeat("S", 1200)
	raw := write(t, m)
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d has %d octets, want <= 998", i+1, len(line))
		}
	}
	msg, _ := parse(t, raw)
	got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || got != m.Subject {
		t.Errorf("Subject decodes to %d octets (%v), want the 1200 written", len(got), err)
	}
}
