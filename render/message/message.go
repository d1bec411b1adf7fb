// Package message turns a rendered HTML body into what an email client
// receives: CSS inlined into style attributes, hidden preheader text, a
// plain-text alternative, and a multipart/alternative MIME message.
//
// STUB: the signatures are the contract; the implementation is in progress.
package message

import (
	"errors"
	"io"
	"time"
)

// ErrHeaderInjection is returned when a header value holds CR or LF.
var ErrHeaderInjection = errors.New("header value contains CR or LF")

// InlineCSS moves the rules of <style> blocks into style attributes so
// email clients that strip <style> still show the design. Rules that cannot
// be inlined (media queries, pseudo-classes) stay in a <style> block.
func InlineCSS(html string) (string, error) { return html, nil }

// WithPreheader inserts the preheader as hidden text at the top of the body.
// An empty preheader returns html unchanged.
func WithPreheader(html, preheader string) string { return html }

// PlainText derives the plain-text alternative from the HTML; links are kept
// as "text (url)".
func PlainText(html string) (string, error) { return "", nil }

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

// MessageID returns a deterministic Message-ID "<hash@domain>" for key (for
// example campaign and recipient), on the domain of the sender's address.
func MessageID(key, from string) string { return "" }

// WriteTo writes the message as multipart/alternative MIME. The output is
// byte-for-byte identical for an identical Message. A header value holding
// CR or LF is refused with ErrHeaderInjection and nothing is written.
func (m *Message) WriteTo(w io.Writer) (int64, error) { return 0, errors.New("not implemented") }
