package message

import (
	"fmt"
	"net/mail"
	"strings"
	"sync"

	"github.com/offermail/offermail/internal/mailaddr"
)

// Address fields: From, Reply-To and To, one address each.
//
// An address is written as net/mail's Address.String writes it — a
// display name as a quoted string, or as encoded words when it is not
// printable ASCII — except that a display name shaped like an encoded word
// is encoded too, so that a reader decodes it to the literal text instead
// of to whatever the encoded word says. A display name that decodes to a
// line break, and an address shaped like an encoded word, are refused.

// specials are the characters after which net/mail encodes a display name
// as "b" rather than "q" words (RFC 2047 §5 allows few in a phrase).
const specials = "\"#$%&'(),.:;<>@[]^`{|}~"

// appendAddress appends the field "name: address" for one address.
func appendAddress(dst []byte, name, addr string) ([]byte, error) {
	if to, ok := plainAddress(addr); ok {
		// The recipient's address, nearly always: a dot-atom on each side
		// of the @, which net/mail would write back between brackets.
		if out, ok := appendFolded(dst, name, "<"+to+">"); ok {
			return out, nil
		}
	}
	f, err := senders.field(name, addr)
	if err != nil {
		return dst, err
	}
	return append(dst, f...), nil
}

// plainAddress reports whether addr is a bare local@domain, both sides
// dot-atoms of ASCII, which parses to itself.
func plainAddress(addr string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || !isDotAtom(addr[:at]) || !isDotAtom(addr[at+1:]) || mayDecode(addr) {
		return "", false
	}
	return addr, true
}

// formatAddress parses addr and returns the complete field.
func formatAddress(name, addr string) ([]byte, error) {
	a, err := parseAddress(name, addr)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return nil, fmt.Errorf("message: header %s: the display name of %q decodes to a line break: %w", name, addr, ErrHeaderInjection)
	}
	if mayDecode(a.Address) {
		return nil, fmt.Errorf("message: %s address %q holds an encoded word (=?…?=), which readers may decode", name, a.Address)
	}
	spec := (&mail.Address{Address: a.Address}).String()
	value := a.String()
	if a.Name != "" && (mayDecode(a.Name) || value[0] == '=') {
		// Encoded words of our own, sized to the field's first line; and
		// literal text where net/mail would let a reader decode it.
		value = string(appendName(nil, name, a.Name)) + " " + spec
	}
	if f, ok := appendFolded(nil, name, value); ok {
		return f, nil
	}
	// A display name without a space to fold at: as encoded words, it
	// folds.
	if f, ok := appendFolded(nil, name, string(appendName(nil, name, a.Name))+" "+spec); ok && a.Name != "" {
		return f, nil
	}
	return nil, fmt.Errorf("message: header %s: line longer than %d octets, with no space to fold at", name, maxLine)
}

// appendName appends the display name of field as encoded words, "b" when
// it holds characters a "q" word may not carry in a phrase, as net/mail
// chooses.
func appendName(dst []byte, field, name string) []byte {
	if strings.ContainsAny(name, specials) {
		return appendBWords(dst, name, "utf-8", firstWord(field))
	}
	return appendQWords(dst, name, "utf-8", firstWord(field))
}

func parseAddress(header, addr string) (*mail.Address, error) {
	if strings.TrimSpace(addr) == "" {
		return nil, fmt.Errorf("message: %s address is not set", header)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("message: %s address %q: %w", header, addr, err)
	}
	// An internationalized domain is written as its IDNA ASCII form, which
	// every reader and server resolves; a non-ASCII local part stays
	// UTF-8 (RFC 6532), for servers with SMTPUTF8.
	if a.Address, err = mailaddr.ASCIIDomain(a.Address); err != nil {
		return nil, fmt.Errorf("message: %s %w", header, err)
	}
	return a, nil
}

// senders caches formatted sender fields: From and Reply-To are the
// template's, the same for every recipient, and parsing them is most of
// what writing them costs. The cache stops growing at maxSenders entries;
// later addresses are formatted each time.
var senders = addressCache{m: map[[2]string]cachedField{}}

const maxSenders = 1024

type addressCache struct {
	mu sync.RWMutex
	m  map[[2]string]cachedField // {field name, address} → field
}

type cachedField struct {
	field []byte
	err   error
}

func (c *addressCache) field(name, addr string) ([]byte, error) {
	key := [2]string{name, addr}
	c.mu.RLock()
	f, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return f.field, f.err
	}
	f.field, f.err = formatAddress(name, addr)
	c.mu.Lock()
	if len(c.m) < maxSenders {
		c.m[key] = f
	}
	c.mu.Unlock()
	return f.field, f.err
}
