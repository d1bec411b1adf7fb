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
// where Finish is, parsing the HTML once,
//
//	html, err = styles.InlineCSS(WithPreheader(html, preheader))
//	text, err = PlainText(html)
//
// The text alternative is compiled into ops a TextWriter runs (text.go),
// from the parsed message here, from a template's document once at load
// where a template is compiled.
//
// InlineCSS has a fast path of its own and go-premailer, the declared
// inliner, as the reference it is tested against and falls back to. The
// package keeps no state between calls: no cache, nothing global.
//
// The MIME writer is this package's own (WriteTo, AppendTo): fields in a
// fixed order, folded, RFC 2047 encoded words where a value needs them,
// quoted-printable bodies encoded a run of bytes at a time, straight into
// the caller's buffer. It writes what the go-mail encoder it replaced
// wrote, byte for byte, except where that was wrong or lossy (see
// WriteTo); go-mail stays for SMTP (package send).
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// Pieces, optional, says where HTML holds pieces of a compiled
	// document or of a markup value's shape (DocWriter.AppendPieces),
	// whose quoted-printable was worked out at load: it is copied in
	// instead of encoded again. A note that does not match HTML is passed
	// over; the bytes written are the same.
	Pieces []PieceAt
}

// WriteTo writes the message as multipart/alternative MIME. The output is
// byte-for-byte identical for an identical Message. A header value holding
// CR or LF is refused with ErrHeaderInjection and nothing is written.
//
// The header is, in this order: From, Reply-To (when set), To, Subject,
// Date, Message-ID, MIME-Version, List-Unsubscribe and
// List-Unsubscribe-Post (see below), the extra Headers in their order, and
// Content-Type. Long fields are folded at spaces into lines of at most 76
// octets. The Subject, display names and extra header values are written
// as they are when they are printable ASCII; otherwise — non-ASCII text, a
// word too long to fold into 998 octets, or text a reader could take for an
// RFC 2047 encoded word, such as "=?utf-8?q?A=0D=0ABcc:_x?=" — as encoded
// words that decode to exactly the text given. Two parts follow,
// text/plain then text/html, UTF-8 and quoted-printable, so no line is
// longer than 76 octets whatever the body. The MIME boundary is derived
// from the Message-ID (and chosen so it does not occur in either body); no
// host name, clock or random number goes in. No User-Agent or X-Mailer is
// written; add one with Headers if wanted.
//
// List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058) is written
// only when Unsubscribe is an http or https URL: one-click unsubscribe is
// an HTTP POST, so a mailto: address gets List-Unsubscribe alone. RFC 8058
// asks for https; mailbox providers ignore one-click on plain http.
//
// A missing or invalid From or To, an invalid Reply-To, a display name
// that decodes to a line break, an address or Message-ID or Unsubscribe
// URL holding an encoded word, a zero Date, a Message-ID not of the form
// "<id@domain>", an Unsubscribe that is not an http, https or mailto URL
// or that is longer than a line, an extra header with an invalid name or
// one that WriteTo writes itself (From, Subject, Content-Type, ...) is an
// error, and nothing is written.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	b, err := m.AppendTo((*buf)[:0])
	*buf = b
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// AppendTo appends the message, as WriteTo writes it, to dst and returns
// the extended slice; on an error it returns dst as it was. With a buffer
// reused from message to message, writing a message allocates nothing.
func (m *Message) AppendTo(dst []byte) ([]byte, error) {
	out, err := m.appendTo(dst)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func (m *Message) appendTo(dst []byte) ([]byte, error) {
	if err := m.checkInjection(); err != nil {
		return nil, err
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
	for _, h := range m.Headers {
		if err := checkHeaderName(h[0]); err != nil {
			return nil, err
		}
	}
	b := slices.Grow(dst, len(m.Text)+len(m.HTML)+(len(m.Text)+len(m.HTML))/8+1024)

	if b, err = appendAddress(b, "From", m.From); err != nil {
		return nil, err
	}
	if m.ReplyTo != "" {
		if b, err = appendAddress(b, "Reply-To", m.ReplyTo); err != nil {
			return nil, err
		}
	}
	if b, err = appendAddress(b, "To", m.To); err != nil {
		return nil, err
	}
	b = appendText(b, "Subject", m.Subject, "UTF-8")
	b = append(b, "Date: "...)
	b = appendDate(b, m.Date)
	b = append(b, "\r\n"...)
	if b, err = appendRaw(b, "Message-ID", m.MessageID); err != nil {
		return nil, err
	}
	b = append(b, "MIME-Version: 1.0\r\n"...)
	if m.Unsubscribe != "" {
		if b, err = appendRawAngled(b, "List-Unsubscribe", m.Unsubscribe); err != nil {
			return nil, err
		}
		if oneClick {
			b = append(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"...)
		}
	}
	for _, h := range m.Headers {
		b = appendText(b, h[0], h[1], "UTF-8")
	}

	boundArr := boundary(m.MessageID, m.Text, m.HTML)
	bound := boundArr[:]
	b = append(b, "Content-Type: multipart/alternative;\r\n boundary="...)
	b = append(b, bound...)
	b = append(b, "\r\n\r\n--"...)
	b = appendPart(b, bound, "text/plain", m.Text, nil)
	b = append(b, "\r\n--"...)
	b = appendPart(b, bound, "text/html", m.HTML, m.Pieces)
	b = append(b, "\r\n--"...)
	b = append(b, bound...)
	return append(b, "--\r\n"...), nil
}

// appendPart appends the rest of a body part after the "--" of its
// boundary line: the boundary, the part's header, and body encoded as
// quoted-printable (with the pieces in it encoded ahead).
func appendPart(dst, bound []byte, contentType, body string, pieces []PieceAt) []byte {
	dst = append(dst, bound...)
	dst = append(dst, "\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: "...)
	dst = append(dst, contentType...)
	dst = append(dst, "; charset=UTF-8\r\n\r\n"...)
	return appendQPPieces(dst, body, pieces)
}

// checkInjection refuses CR and LF anywhere in a header name or value: one
// would end the field and let the rest be read as a header of its own.
func (m *Message) checkInjection() error {
	for _, f := range [...][2]string{
		{"From", m.From}, {"Reply-To", m.ReplyTo}, {"To", m.To},
		{"Subject", m.Subject}, {"Message-ID", m.MessageID},
		{"List-Unsubscribe", m.Unsubscribe},
	} {
		if hasLineBreak(f[1]) {
			return fmt.Errorf("message: header %s: %w", f[0], ErrHeaderInjection)
		}
	}
	for _, h := range m.Headers {
		if hasLineBreak(h[0]) || hasLineBreak(h[1]) {
			return fmt.Errorf("message: header %q: %w", h[0], ErrHeaderInjection)
		}
	}
	return nil
}

// hasLineBreak reports whether s holds CR or LF (strings.ContainsAny
// builds its byte set on every call).
func hasLineBreak(s string) bool {
	return strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, '\n') >= 0
}

// boundary derives the MIME boundary from the Message-ID, so the same
// message always gets the same bytes and two messages rarely share one.
// Both bodies are quoted-printable, which passes letters, digits and '-'
// through unchanged, so a boundary that does not occur in either input
// cannot occur in the encoded parts either. Recipient data could contain
// the first candidate on purpose; the next one is then taken.
func boundary(messageID, text, html string) [boundaryLen]byte {
	var seed [128]byte
	for i := 0; ; i++ {
		in := append(seed[:0], "offermail boundary "...)
		in = strconv.AppendInt(in, int64(i), 10)
		in = append(in, ' ')
		in = append(in, messageID...)
		sum := sha256.Sum256(in)
		var b [boundaryLen]byte
		copy(b[:], "offermail-")
		hex.Encode(b[len("offermail-"):], sum[:16])
		if !holds(text, b[:]) && !holds(html, b[:]) {
			return b
		}
	}
}

// boundaryLen is the length of a boundary: "offermail-" and 32 hex digits.
const boundaryLen = len("offermail-") + 32

// hexRarity orders hex digits from the rarest in email bodies to the most
// common, as counted in the text and HTML of the sample newsletter (9, 3
// and 5 occur 5-8 times; 7, 8 and 4 over 120 times, as a preheader's
// padding repeats "&#847;").
const hexRarity = "935621f0c78d4bae"

// holds reports whether body contains b, a boundary. Searching for its
// first byte, an "o", would stop at every few bytes of text; it searches
// from its rarest hex digit instead, and checks what comes before.
func holds(body string, b []byte) bool {
	k := len(b)
	for _, c := range []byte(hexRarity) {
		if i := bytes.IndexByte(b[len("offermail-"):], c); i >= 0 {
			k = len("offermail-") + i
			break
		}
	}
	tail := b[k:]
	for from := k; from+len(tail) <= len(body); {
		i := strings.Index(body[from:], string(tail))
		if i < 0 {
			return false
		}
		if at := from + i - k; body[at:at+k] == string(b[:k]) {
			return true
		}
		from += i + 1
	}
	return false
}

// MessageID returns a deterministic Message-ID "<hash@domain>" for key (for
// example campaign and recipient), on the domain of the sender's address.
//
// The hash is the first 128 bits of SHA-256 of key, in hex. An
// internationalized domain is written in its ASCII (punycode) form. When
// from has no usable domain the ID is on "offermail.invalid"; WriteTo
// refuses such a From anyway.
func MessageID(key, from string) string {
	var buf [128]byte // on the stack for the usual domain: one allocation, the string
	return string(AppendMessageID(buf[:0], key, from))
}

// AppendMessageID appends MessageID(key, from) to dst: with a buffer
// reused from message to message, it allocates nothing.
func AppendMessageID(dst []byte, key, from string) []byte {
	sum := sha256.Sum256([]byte(key))
	domain := domains.get(from)
	dst = append(dst, '<')
	dst = hex.AppendEncode(dst, sum[:16])
	dst = append(dst, '@')
	dst = append(dst, domain...)
	return append(dst, '>')
}

// appendDate appends t as the Date field writes it (RFC 1123 with a
// numeric zone). A batch dates every message alike, and formatting a date
// costs more than any other field: the text of the last date written is
// kept (lastDate), for the same instant in the same zone offset, which is
// all the text depends on.
func appendDate(dst []byte, t time.Time) []byte {
	_, offset := t.Zone()
	unix := t.Unix()
	if d := lastDate.Load(); d != nil && d.unix == unix && d.offset == offset {
		return append(dst, d.text...)
	}
	start := len(dst)
	dst = t.AppendFormat(dst, time.RFC1123Z)
	lastDate.Store(&dateText{unix: unix, offset: offset, text: bytes.Clone(dst[start:])})
	return dst
}

var lastDate atomic.Pointer[dateText]

type dateText struct {
	unix   int64
	offset int
	text   []byte
}

// domains caches senderDomain: a run has one sender, and parsing it is
// what a Message-ID costs most. It stops growing at maxSenders entries.
var domains = domainCache{m: map[string]string{}}

type domainCache struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *domainCache) get(from string) string {
	c.mu.RLock()
	d, ok := c.m[from]
	c.mu.RUnlock()
	if ok {
		return d
	}
	d = senderDomain(from)
	c.mu.Lock()
	if len(c.m) < maxSenders {
		c.m[from] = d
	}
	c.mu.Unlock()
	return d
}
