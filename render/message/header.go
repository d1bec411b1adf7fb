package message

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

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
	if isReserved(name) {
		return fmt.Errorf("%w: %s", ErrReservedHeader, name)
	}
	return nil
}

// isReserved reports whether name, printable ASCII, is one of the reserved
// names or starts with "Content-", in any case. It lowers the name in a
// buffer of its own: a message checks its extra headers every time.
func isReserved(name string) bool {
	const prefix = "content-"
	if len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
		return true
	}
	var lower [len("list-unsubscribe-post")]byte // the longest reserved name
	if len(name) > len(lower) {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return reserved[string(lower[:len(name)])]
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

// checkMessageID accepts "<left@right>" where both sides are dot-atom text
// and right may also be a domain literal "[...]" (RFC 5322 §3.6.4).
func checkMessageID(id string) error {
	inner, ok := strings.CutPrefix(id, "<")
	if ok {
		inner, ok = strings.CutSuffix(inner, ">")
	}
	left, right, found := strings.Cut(inner, "@")
	if !ok || !found || !isDotAtom(left) || !(isDotAtom(right) || isDomainLiteral(right)) || mayDecode(id) {
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
	if !urlSafe(u) {
		return false, fmt.Errorf("message: Unsubscribe %q: spaces, <, > and non-ASCII characters must be percent-encoded", u)
	}
	if mayDecode(u) {
		return false, fmt.Errorf("message: Unsubscribe %q: holds an encoded word (=?…?=), which readers may decode; percent-encode its = or ?", u)
	}
	if plainHTTP(u) {
		return true, nil
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

// urlSafe reports whether u holds only printable ASCII but '<', '>' and
// space: what List-Unsubscribe can hold between its brackets. One pass,
// as every message's URL is checked.
func urlSafe(u string) bool {
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// plainHTTP reports whether u has the shape of a usual unsubscribe link,
// http[s]://host[/path][?query] with a host of letters, digits, dots and
// hyphens, no "%" before the query and no "#", which url.Parse accepts as
// an http or https URL with that host: its query is not checked, its path
// only for "%" escapes. It spares the parse per message; any other shape
// (ports, userinfo, escapes, IP literals, mailto) goes through url.Parse.
// The caller has refused control bytes and non-ASCII already.
func plainHTTP(u string) bool {
	rest, ok := cutPrefixFold(u, "https://")
	if !ok {
		if rest, ok = cutPrefixFold(u, "http://"); !ok {
			return false
		}
	}
	n := 0
	for n < len(rest) && isHostByte(rest[n]) {
		n++
	}
	if n == 0 || n < len(rest) && rest[n] != '/' && rest[n] != '?' {
		return false
	}
	path, _, _ := strings.Cut(rest[n:], "?")
	return !strings.Contains(path, "%") && !strings.Contains(rest, "#")
}

// cutPrefixFold is strings.CutPrefix with ASCII case folding.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// isHostByte reports whether c is a letter, digit, dot or hyphen.
func isHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-'
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

// isDotAtom reports whether s is a dot-atom (RFC 5322 §3.2.3): atext
// in words joined by single dots.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !dotAtext[s[i]] {
			return false
		}
	}
	return true
}

// dotAtext marks atext (RFC 5322 §3.2.3) and '.': the bytes of a
// dot-atom, checked for every recipient's address and Message-ID.
var dotAtext = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '.' || isAtext(byte(c))
	}
	return t
}()

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
