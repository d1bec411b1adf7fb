package message

import "testing"

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
