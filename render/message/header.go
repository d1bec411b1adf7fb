package message

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// maxLine is the limit of RFC 5322 §2.1.1 on a line, without CRLF.
const maxLine = 998

// foldAt is where long fields are folded, as go-mail folds the fields it
// writes (RFC 5322 asks for 78 at most).
const foldAt = 76

// headerOrder is the order of the fields go-mail writes, which it would
// otherwise put in an order of its own: generic fields sorted by name, then
// the List-Unsubscribe pair in map order (different from run to run), then
// the addresses. Extra headers go before Content-Type.
var headerOrder = []string{
	"From", "Reply-To", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"List-Unsubscribe", "List-Unsubscribe-Post",
}

// reserved header names are written by WriteTo itself; a second copy from
// Message.Headers would contradict them. Any Content-* field is reserved
// too: at the top of a multipart message it belongs to the MIME structure.
var reserved = map[string]bool{
	"from": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"list-unsubscribe": true, "list-unsubscribe-post": true, "sender": true, "return-path": true,
}

// Errors of CheckHeaderName.
var (
	ErrHeaderName     = errors.New("invalid header name")
	ErrReservedHeader = errors.New("header written by the message itself")
)

// CheckHeaderName reports whether name can be an extra header of a
// Message: a valid field name (printable ASCII without ':') that WriteTo
// does not write itself (From, Subject, Content-* and the like). Template
// loading calls it, so a header refused here is refused at load, not for
// every recipient.
func CheckHeaderName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty name", ErrHeaderName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return fmt.Errorf("%w %q: invalid character %q", ErrHeaderName, name, c)
		}
	}
	lower := strings.ToLower(name)
	if reserved[lower] || strings.HasPrefix(lower, "content-") {
		return fmt.Errorf("%w: %s", ErrReservedHeader, name)
	}
	return nil
}

// reorderHeader rewrites the header block go-mail produced into the fixed
// order of headerOrder, followed by the extra fields and Content-Type, and
// checks the length of every line. The body is kept as it is.
func reorderHeader(raw []byte, extra []string) ([]byte, error) {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errors.New("message: go-mail wrote no header block")
	}
	head, body := raw[:end+2], raw[end+2:]

	fields := map[string][]byte{}
	var names []string
	for len(head) > 0 {
		n := fieldEnd(head)
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
	for _, name := range headerOrder {
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
	if err := checkLines(out); err != nil {
		return nil, err
	}
	return append(out, body...), nil
}

// fieldEnd returns the length of the first field of head, with its
// continuation lines and final CRLF.
func fieldEnd(head []byte) int {
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

// checkLines refuses a header line longer than 998 octets, naming its
// field: go-mail folds only at spaces and a long URL or word has none.
func checkLines(head []byte) error {
	field := ""
	for line := range bytes.SplitSeq(bytes.TrimSuffix(head, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			field = string(name)
		}
		if len(line) > maxLine {
			return fmt.Errorf("message: header %s: line of %d octets, longer than %d, with no space to fold at",
				field, len(line), maxLine)
		}
	}
	return nil
}

// formatExtraHeaders validates and formats Message.Headers as complete
// fields: values that are not printable ASCII are RFC 2047 encoded, long
// values folded at spaces.
func formatExtraHeaders(headers [][2]string) ([]string, error) {
	out := make([]string, 0, len(headers))
	for _, h := range headers {
		name, value := h[0], h[1]
		if err := checkHeaderName(name); err != nil {
			return nil, err
		}
		if needsEncoding(value) {
			value = mime.QEncoding.Encode("UTF-8", value)
		}
		f := fold(name, value)
		if err := checkLines([]byte(f)); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// checkHeaderName accepts a field name as RFC 5322 §3.6.8 defines it
// (printable ASCII but ':') that WriteTo does not write itself.
func checkHeaderName(name string) error {
	if err := CheckHeaderName(name); err != nil {
		if errors.Is(err, ErrReservedHeader) {
			return fmt.Errorf("message: extra header %q: written by WriteTo itself; set the Message field instead", name)
		}
		return fmt.Errorf("message: extra header: %w", err)
	}
	return nil
}

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c > '~' {
			return true
		}
	}
	return false
}

// fold writes "name: value" CRLF, breaking lines longer than foldAt before
// a space. Unfolding (removing the CRLFs) gives the value back exactly.
func fold(name, value string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(':')
	line := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		// Folding before the first word too keeps a long encoded word
		// within foldAt, as go-mail does for Subject.
		if line+1+len(word) > foldAt && (i > 0 || word != "") {
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

// checkMessageID accepts "<left@right>" where both sides are dot-atom text
// and right may also be a domain literal "[...]" (RFC 5322 §3.6.4).
func checkMessageID(id string) error {
	inner, ok := strings.CutPrefix(id, "<")
	if ok {
		inner, ok = strings.CutSuffix(inner, ">")
	}
	left, right, found := strings.Cut(inner, "@")
	if !ok || !found || !isDotAtom(left) || !(isDotAtom(right) || isDomainLiteral(right)) {
		return fmt.Errorf("message: Message-ID %q: want <id@domain>, see MessageID", id)
	}
	return nil
}

// checkUnsubscribe accepts an http, https or mailto URL and reports whether
// it allows one-click unsubscribe (an HTTP URL). Brackets and spaces are
// refused: List-Unsubscribe wraps the URL in <>.
func checkUnsubscribe(u string) (oneClick bool, err error) {
	if u == "" {
		return false, nil
	}
	if strings.ContainsAny(u, "<> \t") || needsEncoding(u) {
		return false, fmt.Errorf("message: Unsubscribe %q: spaces, <, > and non-ASCII characters must be percent-encoded", u)
	}
	p, err := url.Parse(u)
	if err != nil {
		return false, fmt.Errorf("message: Unsubscribe: %w", err)
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return false, fmt.Errorf("message: Unsubscribe %q: no host", u)
		}
		return true, nil
	case "mailto":
		if !strings.Contains(p.Opaque, "@") {
			//lint:ignore ST1005 the message ends with the scheme mailto:, as the user wrote it
			return false, fmt.Errorf("message: Unsubscribe %q: no address after mailto:", u)
		}
		return false, nil
	}
	return false, fmt.Errorf("message: Unsubscribe %q: want an http, https or mailto URL", u)
}

// senderDomain returns the lower-case ASCII domain of from's address, or
// "offermail.invalid" when it has none.
func senderDomain(from string) string {
	addr := from
	if a, err := mail.ParseAddress(from); err == nil {
		addr = a.Address
	}
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return "offermail.invalid"
	}
	domain := strings.TrimSpace(strings.TrimRight(addr[i+1:], "> \t"))
	switch {
	case isDomainLiteral(domain):
		return domain
	case isDotAtom(domain):
		return strings.ToLower(domain)
	}
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil && ascii != "" && isDotAtom(ascii) {
		return strings.ToLower(ascii)
	}
	return "offermail.invalid"
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && !isAtext(c) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is atext (RFC 5322 §3.2.3).
func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isDomainLiteral(s string) bool {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; c < 33 || c > 126 || c == '[' || c == ']' || c == '\\' {
			return false
		}
	}
	return true
}
