// Package message turns a rendered HTML body into what an email client
// receives: CSS inlined into style attributes, hidden preheader text, a
// plain-text alternative, and a multipart/alternative MIME message.
//
// A template's CSS is compiled once, when it is loaded (CompileStyles):
// its style sheet parsed, its selectors compiled, the stylings of its own
// elements worked out. The per-recipient steps, in order:
//
//	html, text, err := styles.Finish(html, preheader)
//	msg := Message{..., HTML: html, Text: text}
//	msg.WriteTo(w)
//
// where Finish is, parsing the HTML once instead of twice,
//
//	text, err = PlainText(html)
//	html, err = styles.InlineCSS(WithPreheader(html, preheader))
//
// InlineCSS has a fast path of its own and go-premailer, the declared
// inliner, as the reference it is tested against and falls back to. The
// package keeps no state between calls: no cache, nothing global.
//
// Every function is deterministic (the same input gives the same bytes;
// time comes in as Message.Date) and safe for concurrent use.
package message

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// ErrHeaderInjection is returned when a header value holds CR or LF.
var ErrHeaderInjection = errors.New("header value contains CR or LF")

// Message is one email ready to be written as MIME.
type Message struct {
	From        string // RFC 5322 address, may carry a display name
	ReplyTo     string // optional
	To          string
	Subject     string
	Date        time.Time
	MessageID   string      // "<id@domain>"; see MessageID
	Unsubscribe string      // URL or mailto:, optional
	Headers     [][2]string // extra headers, written in this order
	HTML        string
	Text        string
}

// WriteTo writes the message as multipart/alternative MIME. The output is
// byte-for-byte identical for an identical Message. A header value holding
// CR or LF is refused with ErrHeaderInjection and nothing is written.
//
// The header is, in this order: From, Reply-To (when set), To, Subject
// (RFC 2047 when not ASCII), Date, Message-ID, MIME-Version,
// List-Unsubscribe and List-Unsubscribe-Post (see below), the extra
// Headers in their order, and Content-Type. Long header fields are folded
// at spaces. Two parts follow, text/plain then text/html, UTF-8 and
// quoted-printable, so no line is longer than 76 octets whatever the body.
// The MIME boundary is derived from the Message-ID (and chosen so it does
// not occur in either body); no host name, clock or random number goes in.
// No User-Agent or X-Mailer is written; add one with Headers if wanted.
//
// List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058) is written
// only when Unsubscribe is an http or https URL: one-click unsubscribe is
// an HTTP POST, so a mailto: address gets List-Unsubscribe alone. RFC 8058
// asks for https; mailbox providers ignore one-click on plain http.
//
// A missing or invalid From or To, an invalid Reply-To, a zero Date, a
// Message-ID not of the form "<id@domain>", an Unsubscribe that is not an
// http, https or mailto URL, an extra header with an invalid name or one
// that WriteTo writes itself (From, Subject, Content-Type, ...), or a field
// that cannot be folded into lines of 998 octets is an error, and nothing
// is written.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	b, err := m.encode()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// encode renders the whole message in memory, so that no error can leave a
// partial message behind in w.
func (m *Message) encode() ([]byte, error) {
	if err := m.checkInjection(); err != nil {
		return nil, err
	}
	from, err := parseAddress("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := parseAddress("To", m.To)
	if err != nil {
		return nil, err
	}
	var replyTo *mail.Address
	if m.ReplyTo != "" {
		if replyTo, err = parseAddress("Reply-To", m.ReplyTo); err != nil {
			return nil, err
		}
	}
	if m.Date.IsZero() {
		return nil, errors.New("message: Date is not set")
	}
	if err := checkMessageID(m.MessageID); err != nil {
		return nil, err
	}
	oneClick, err := checkUnsubscribe(m.Unsubscribe)
	if err != nil {
		return nil, err
	}
	extra, err := formatExtraHeaders(m.Headers)
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithBoundary(boundary(m.MessageID, m.Text, m.HTML)),
		gomail.WithNoDefaultUserAgent(),
	)
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from)
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to)
	if replyTo != nil {
		msg.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, replyTo)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(m.Date)
	msg.SetMessageIDWithValue(m.MessageID[1 : len(m.MessageID)-1])
	if m.Unsubscribe != "" {
		msg.SetListUnsubscribe(m.Unsubscribe)
		if oneClick {
			msg.SetListUnsubscribePost()
		}
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	var raw bytes.Buffer
	raw.Grow(len(m.Text) + len(m.HTML) + len(m.HTML)/8 + 2048)
	if _, err := msg.WriteTo(&raw); err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	return reorderHeader(raw.Bytes(), extra)
}

// checkInjection refuses CR and LF anywhere in a header name or value: one
// would end the field and let the rest be read as a header of its own.
func (m *Message) checkInjection() error {
	for _, f := range [...][2]string{
		{"From", m.From}, {"Reply-To", m.ReplyTo}, {"To", m.To},
		{"Subject", m.Subject}, {"Message-ID", m.MessageID},
		{"List-Unsubscribe", m.Unsubscribe},
	} {
		if strings.ContainsAny(f[1], "\r\n") {
			return fmt.Errorf("message: header %s: %w", f[0], ErrHeaderInjection)
		}
	}
	for _, h := range m.Headers {
		if strings.ContainsAny(h[0], "\r\n") || strings.ContainsAny(h[1], "\r\n") {
			return fmt.Errorf("message: header %q: %w", h[0], ErrHeaderInjection)
		}
	}
	return nil
}

func parseAddress(header, addr string) (*mail.Address, error) {
	if strings.TrimSpace(addr) == "" {
		return nil, fmt.Errorf("message: %s address is not set", header)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("message: %s address %q: %w", header, addr, err)
	}
	return a, nil
}

// boundary derives the MIME boundary from the Message-ID, so the same
// message always gets the same bytes and two messages rarely share one.
// Both bodies are quoted-printable, which passes letters, digits and '-'
// through unchanged, so a boundary that does not occur in either input
// cannot occur in the encoded parts either. Recipient data could contain
// the first candidate on purpose; the next one is then taken.
func boundary(messageID, text, html string) string {
	for i := 0; ; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "offermail boundary %d %s", i, messageID))
		b := "offermail-" + hex.EncodeToString(sum[:16])
		if !strings.Contains(text, b) && !strings.Contains(html, b) {
			return b
		}
	}
}

// MessageID returns a deterministic Message-ID "<hash@domain>" for key (for
// example campaign and recipient), on the domain of the sender's address.
//
// The hash is the first 128 bits of SHA-256 of key, in hex. An
// internationalized domain is written in its ASCII (punycode) form. When
// from has no usable domain the ID is on "offermail.invalid"; WriteTo
// refuses such a From anyway.
func MessageID(key, from string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + senderDomain(from) + ">"
}
