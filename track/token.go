package track

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
)

// A token names what a tracking event is about. A proposition token
// ({{token}} in templates, SPEC §5) names one offer shown to one
// recipient: campaign, recipient, activity, placement and offer. A message
// token names one message, by the ledger entry of its decision: the open
// pixel reads the offers of the message there, and the unsubscribe link
// the recipient.
//
// With a secret, tokens are sealed (seal.go): "t2." and the base64url of
// the sealed fields; the recipient id cannot be read from them, and one
// altered, truncated, forged or sealed under another secret does not
// open. Without a secret, proposition tokens are as they always were,
// "t1." and the base64url of the five fields joined by a unit separator:
// readable, and unsigned; message tokens need a secret.

const (
	plainPrefix  = "t1."
	sealedPrefix = "t2."
	// kinds of sealed plaintext, its first byte
	kindProposition = 'p'
	kindMessage     = 'm'
	// binaryLen is the room a length prefix takes at most.
	binaryLen = binary.MaxVarintLen64
	// maxTokenLen bounds a token read from a request or a file.
	maxTokenLen = 8192
)

// b64 is strict: a token whose last character was changed in bits that
// base64 does not use would otherwise decode to the same bytes.
var b64 = base64.RawURLEncoding.Strict()

// Proposition is what a proposition token names.
type Proposition struct {
	Campaign, Recipient, Activity, Placement, Offer string
}

// Message is what a message token names: the recipient, and where the
// decision of the message is recorded. Ledger and Entry are "" for a
// batch run's message, whose decision is the entry Recipient of the
// ledger Campaign; the decisioning service records each message under its
// own entry of a daily ledger.
type Message struct {
	Campaign, Recipient, Ledger, Entry string
	// Scopes are the message's (activity, placement) pairs in the order
	// of the request its decision was recorded for, which a compact
	// ledger record needs to be read back (decide.Library.Replay).
	Scopes []Scope
}

// Scope is an activity and a placement.
type Scope struct{ Activity, Placement string }

// maxScopes bounds the scopes a message token may name.
const maxScopes = 64

// ErrBadToken is wrapped by every error of a token that does not open:
// malformed, altered, truncated, forged, sealed under another secret, or
// of the wrong kind.
var ErrBadToken = errors.New("not a valid tracking token")

func appendLen(b []byte, n int) []byte { return binary.AppendUvarint(b, uint64(n)) }

// pack writes kind and the fields, each length-prefixed.
func pack(kind byte, fields ...string) []byte {
	n := 1
	for _, f := range fields {
		n += binaryLen + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, kind)
	for _, f := range fields {
		b = appendLen(b, len(f))
		b = append(b, f...)
	}
	return b
}

// unpack reads n fields of kind back, and nothing more; n < 0 reads
// every field there is, up to -n.
func unpack(b []byte, kind byte, n int) ([]string, bool) {
	if len(b) == 0 || b[0] != kind {
		return nil, false
	}
	b = b[1:]
	var out []string
	for i := 0; len(b) > 0 && (n < 0 && i < -n || i < n); i++ {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, false
		}
		out = append(out, string(b[k:k+int(l)]))
		b = b[k+int(l):]
	}
	return out, len(b) == 0 && (n < 0 || len(out) == n)
}

// appendPlainToken appends the readable token of a proposition, as
// offermail wrote it before tokens were sealed. A message makes one per
// offer it shows: its caller keeps them in one allocation (the raw fields
// are on the stack while they fit).
func appendPlainToken(dst []byte, p Proposition) []byte {
	var rawBuf [256]byte
	raw := append(rawBuf[:0], p.Campaign...)
	for _, f := range [...]string{p.Recipient, p.Activity, p.Placement, p.Offer} {
		raw = append(append(raw, '\x1f'), f...)
	}
	dst = append(dst, plainPrefix...)
	return base64.RawURLEncoding.AppendEncode(dst, raw)
}

func openPlain(token string) (Proposition, error) {
	body, ok := strings.CutPrefix(token, plainPrefix)
	if !ok {
		return Proposition{}, ErrBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Proposition{}, ErrBadToken
	}
	parts := strings.Split(string(raw), "\x1f")
	if len(parts) != 5 {
		return Proposition{}, ErrBadToken
	}
	return Proposition{parts[0], parts[1], parts[2], parts[3], parts[4]}, nil
}

// sealToken seals a plaintext into a token.
func (k *sealKeys) sealToken(plaintext []byte) string {
	return sealedPrefix + b64.EncodeToString(k.seal(plaintext))
}

// openToken opens a sealed token.
func (k *sealKeys) openToken(token string) ([]byte, error) {
	body, ok := strings.CutPrefix(token, sealedPrefix)
	if !ok || len(token) > maxTokenLen {
		return nil, ErrBadToken
	}
	sealed, err := b64.DecodeString(body)
	if err != nil {
		return nil, ErrBadToken
	}
	plaintext, err := k.open(sealed)
	if err != nil {
		return nil, ErrBadToken
	}
	return plaintext, nil
}
