package track

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Tracker makes and opens tracking tokens and the tracking URLs of SPEC
// §10. A nil *Tracker, or one made without a secret, makes readable
// proposition tokens and tracks nothing; with a secret, tokens are
// sealed; with a public URL too, offer links go through the click route,
// {{trackingPixel}} writes the open pixel, and messages without an
// unsubscribe of their own get the one-click unsubscribe URL. A Tracker
// is immutable and safe for concurrent use.
type Tracker struct {
	keys   *sealKeys // nil: no secret
	public string    // without a trailing slash; "" without
}

// New returns a tracker for secret (nil or empty: none) and publicURL (""
// for none), the URL at which `mailpreview api` is reached from the
// outside, as --public-url gives it. A public URL needs a secret: the
// tracking routes are off without one.
func New(secret []byte, publicURL string) (*Tracker, error) {
	t := &Tracker{}
	if len(secret) > 0 {
		k, err := deriveKeys(secret)
		if err != nil {
			return nil, err
		}
		t.keys = k
	}
	if publicURL != "" {
		if t.keys == nil {
			return nil, errors.New("a public URL needs a secret: tracking links carry sealed tokens")
		}
		u, err := ParsePublicURL(publicURL)
		if err != nil {
			return nil, err
		}
		t.public = u
	}
	return t, nil
}

// ParsePublicURL checks a public URL: absolute http or https, with a host,
// and without credentials, query or fragment. It returns it without a
// trailing slash.
func ParsePublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("public URL %q: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return "", fmt.Errorf("public URL %q: want an absolute http:// or https:// URL, such as https://t.example.com", raw)
	case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return "", fmt.Errorf("public URL %q: want no credentials, query or fragment", raw)
	case strings.ContainsAny(raw, " \t\r\n\"<>\\"):
		return "", fmt.Errorf("public URL %q: holds a character a URL cannot", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// Sealed reports whether tokens are sealed (a secret was given).
func (t *Tracker) Sealed() bool { return t != nil && t.keys != nil }

// Tracking reports whether messages are tracked: a secret and a public
// URL were given.
func (t *Tracker) Tracking() bool { return t != nil && t.public != "" }

// Proposition returns the token of a proposition: sealed with a secret,
// readable without.
func (t *Tracker) Proposition(p Proposition) string {
	if !t.Sealed() {
		var buf [512]byte
		return string(appendPlainToken(buf[:0], p))
	}
	return t.keys.sealToken(pack(kindProposition, p.Campaign, p.Recipient, p.Activity, p.Placement, p.Offer))
}

// AppendProposition appends the token of a proposition to dst, as
// Proposition returns it: a caller making the tokens of a message's
// offers can keep them in one string.
func (t *Tracker) AppendProposition(dst []byte, p Proposition) []byte {
	if !t.Sealed() {
		return appendPlainToken(dst, p)
	}
	return append(dst, t.keys.sealToken(pack(kindProposition, p.Campaign, p.Recipient, p.Activity, p.Placement, p.Offer))...)
}

// OpenProposition reads a proposition token. With a secret only sealed
// tokens open (a readable one could be forged by anyone); without, only
// readable ones. Errors wrap ErrBadToken.
func (t *Tracker) OpenProposition(token string) (Proposition, error) {
	if !t.Sealed() {
		return openPlain(token)
	}
	plaintext, err := t.keys.openToken(token)
	if err != nil {
		return Proposition{}, err
	}
	f, ok := unpack(plaintext, kindProposition, 5)
	if !ok {
		return Proposition{}, fmt.Errorf("%w: not a proposition token", ErrBadToken)
	}
	return Proposition{f[0], f[1], f[2], f[3], f[4]}, nil
}

// Message returns the token of a message; it needs a secret ("" without).
func (t *Tracker) Message(m Message) string {
	if !t.Sealed() {
		return ""
	}
	fields := []string{m.Campaign, m.Recipient, m.Ledger, m.Entry}
	for _, sc := range m.Scopes {
		fields = append(fields, sc.Activity, sc.Placement)
	}
	return t.keys.sealToken(pack(kindMessage, fields...))
}

// OpenMessage reads a message token. Errors wrap ErrBadToken.
func (t *Tracker) OpenMessage(token string) (Message, error) {
	if !t.Sealed() {
		return Message{}, fmt.Errorf("%w: message tokens need a secret", ErrBadToken)
	}
	plaintext, err := t.keys.openToken(token)
	if err != nil {
		return Message{}, err
	}
	f, ok := unpack(plaintext, kindMessage, -(4 + 2*maxScopes))
	if !ok || len(f) < 4 || len(f)%2 != 0 {
		return Message{}, fmt.Errorf("%w: not a message token", ErrBadToken)
	}
	m := Message{Campaign: f[0], Recipient: f[1], Ledger: f[2], Entry: f[3]}
	for i := 4; i < len(f); i += 2 {
		m.Scopes = append(m.Scopes, Scope{f[i], f[i+1]})
	}
	return m, nil
}

// ClickURL returns the link a placeholder writes for target: with
// tracking, PUBLIC/t/c/TOKEN?u=TARGET&s=SIG, SIG signing token and target
// so that the click route redirects nowhere else; otherwise, or for a
// target that is not an absolute http(s) URL (mailto:, a relative link),
// target itself.
func (t *Tracker) ClickURL(token, target string) string {
	if !t.Tracking() || !redirectable(target) {
		return target
	}
	return t.public + "/t/c/" + token + "?u=" + url.QueryEscape(target) + "&s=" + b64.EncodeToString(t.keys.sign(token, target))
}

// redirectable reports whether target is an absolute http(s) URL, the
// only kind the click route redirects to.
func redirectable(target string) bool {
	u, err := url.Parse(target)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		!strings.ContainsAny(target, "\r\n")
}

// ErrBadLink is wrapped by CheckClick for a target its signature does not
// match, or one that is not an absolute http(s) URL.
var ErrBadLink = errors.New("the link's target is not the one it was signed for")

// CheckClick checks a click route's query: the token opens, and sig signs
// token and target. It returns the proposition clicked.
func (t *Tracker) CheckClick(token, target, sig string) (Proposition, error) {
	p, err := t.OpenProposition(token)
	if err != nil {
		return p, err
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.keys.sign(token, target)) || !redirectable(target) {
		return Proposition{}, ErrBadLink
	}
	return p, nil
}

// PixelURL is the open pixel of a message token; "" without tracking.
func (t *Tracker) PixelURL(messageToken string) string {
	if !t.Tracking() || messageToken == "" {
		return ""
	}
	return t.public + "/t/o/" + messageToken + ".gif"
}

// UnsubscribeURL is the one-click unsubscribe URL of a message token; ""
// without tracking.
func (t *Tracker) UnsubscribeURL(messageToken string) string {
	if !t.Tracking() || messageToken == "" {
		return ""
	}
	return t.public + "/t/u/" + messageToken
}
