package message

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"

	"github.com/offermail/offermail/internal/cputime"
)

// The MIME encoder before the writer of this package: go-mail's output,
// with its header reordered and checked. It is the reference the writer
// is compared with (TestWriterMatchesLegacy): the same bytes, but for
// the differences listed there.

func (m *Message) legacyEncode() ([]byte, error) {
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
	extra, err := legacyFormatExtraHeaders(m.Headers)
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithBoundary(legacyBoundary(m.MessageID, m.Text, m.HTML)),
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
	return legacyReorderHeader(raw.Bytes(), extra)
}

var legacyHeaderOrder = []string{
	"From", "Reply-To", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"List-Unsubscribe", "List-Unsubscribe-Post",
}

func legacyReorderHeader(raw []byte, extra []string) ([]byte, error) {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errors.New("message: go-mail wrote no header block")
	}
	head, body := raw[:end+2], raw[end+2:]

	fields := map[string][]byte{}
	var names []string
	for len(head) > 0 {
		n := legacyFieldEnd(head)
		name, _, _ := bytes.Cut(head[:n], []byte(":"))
		fields[string(name)] = head[:n]
		names = append(names, string(name))
		head = head[n:]
	}

	out := make([]byte, 0, len(raw)+len(strings.Join(extra, "")))
	add := func(name string) {
		if f, ok := fields[name]; ok {
			out = append(out, f...)
			delete(fields, name)
		}
	}
	for _, name := range legacyHeaderOrder {
		add(name)
	}
	// Fields this version of go-mail does not write today keep go-mail's
	// (sorted) order, before the extras.
	for _, name := range names {
		if name != "Content-Type" {
			add(name)
		}
	}
	for _, f := range extra {
		out = append(out, f...)
	}
	add("Content-Type")
	if err := legacyCheckLines(out); err != nil {
		return nil, err
	}
	return append(out, body...), nil
}
func legacyFieldEnd(head []byte) int {
	n := 0
	for {
		i := bytes.Index(head[n:], []byte("\r\n"))
		if i < 0 {
			return len(head)
		}
		n += i + 2
		if n == len(head) || (head[n] != ' ' && head[n] != '\t') {
			return n
		}
	}
}
func legacyCheckLines(head []byte) error {
	field := ""
	for line := range bytes.SplitSeq(bytes.TrimSuffix(head, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			field = string(name)
		}
		if len(line) > 998 {
			return fmt.Errorf("message: header %s: line of %d octets, longer than %d, with no space to fold at",
				field, len(line), 998)
		}
	}
	return nil
}
func legacyFormatExtraHeaders(headers [][2]string) ([]string, error) {
	out := make([]string, 0, len(headers))
	for _, h := range headers {
		name, value := h[0], h[1]
		if err := checkHeaderName(name); err != nil {
			return nil, err
		}
		if needsEncoding(value) {
			value = mime.QEncoding.Encode("UTF-8", value)
		}
		f := legacyFold(name, value)
		if err := legacyCheckLines([]byte(f)); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
func legacyFold(name, value string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(':')
	line := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		// Folding before the first word too keeps a long encoded word
		// within foldAt, as go-mail does for Subject.
		if line+1+len(word) > 76 && (i > 0 || word != "") {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		line += 1 + len(word)
	}
	b.WriteString("\r\n")
	return b.String()
}

// BenchmarkLegacyEncode is what BenchmarkWriteTo measured before the
// writer: go-mail's output, reordered.
func BenchmarkLegacyEncode(b *testing.B) {
	m := newsletterMessage(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(m.HTML) + len(m.Text)))
	defer cputime.Report(b)()
	for b.Loop() {
		if _, err := m.legacyEncode(); err != nil {
			b.Fatal(err)
		}
	}
}

func legacyBoundary(messageID, text, html string) string {
	b := boundary(messageID, text, html)
	return string(b[:])
}

// needsEncoding reports whether s holds a control character (but tab) or
// a byte above '~', as the encoder the writer replaced tested it.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c > '~' {
			return true
		}
	}
	return false
}
