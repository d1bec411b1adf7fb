package send

import (
	"context"
	"errors"
	"testing"
)

// TestSendInternationalAddresses: an internationalized domain goes out as
// its IDNA ASCII form; a non-ASCII local part needs SMTPUTF8 and is
// refused, clearly and without a word to the server's MAIL, when the
// server lacks it (issue 13, item 13).
func TestSendInternationalAddresses(t *testing.T) {
	plain := startServer(t, serverOpts{})
	s := newSender(t, Config{Host: plain.host, Port: plain.port})
	if err := s.Send(context.Background(), "news@shop.example", "anna@bücher.example", mimeFor(t, "anna@bücher.example")); err != nil {
		t.Fatalf("Send to an IDN domain = %v, want nil", err)
	}
	if got := plain.received(); len(got) != 1 || got[0].to != "anna@xn--bcher-kva.example" {
		t.Errorf("the server received %+v, want one message to anna@xn--bcher-kva.example", got)
	}

	err := s.Send(context.Background(), "news@shop.example", "jörg@example.com", mimeFor(t, "jörg@example.com"))
	var u *UTF8Error
	if !errors.As(err, &u) || u.Error() != "smtp: not sent: the recipient address <jörg@example.com> has a local part that is not ASCII, which needs SMTPUTF8, and the server does not offer it" {
		t.Errorf("Send to a UTF-8 local part without SMTPUTF8 = %v, want a UTF8Error", err)
	}
	if mails, _, _, _ := plain.counts(); mails != 1 {
		t.Errorf("the server saw %d MAIL commands, want 1 (none for the refused message)", mails)
	}

	utf8 := startServer(t, serverOpts{utf8: true})
	s = newSender(t, Config{Host: utf8.host, Port: utf8.port})
	if err := s.Send(context.Background(), "news@shop.example", "jörg@example.com", mimeFor(t, "jörg@example.com")); err != nil {
		t.Fatalf("Send to a UTF-8 local part with SMTPUTF8 = %v, want nil", err)
	}
	if got := utf8.received(); len(got) != 1 || got[0].to != "jörg@example.com" {
		t.Errorf("the server received %+v, want one message to jörg@example.com", got)
	}
}
