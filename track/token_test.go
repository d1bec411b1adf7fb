package track

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

var (
	secret = []byte("a test secret of 32 bytes, fixed")
	prop   = Proposition{Campaign: "winter-2026", Recipient: "maya.chen@example.com", Activity: "winter-sale", Placement: "hero", Offer: "gold-double-points"}
	msg    = Message{Campaign: "winter-2026", Recipient: "maya.chen@example.com",
		Scopes: []Scope{{"winter-sale", "hero"}, {"winter-sale", "sidebar"}, {"winter-sale", "banner"}}}
)

func tracker(t testing.TB, secret []byte, public string) *Tracker {
	t.Helper()
	tr, err := New(secret, public)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

// TestTokenRoundTrip: sealed tokens open to what they name, are the same
// bytes every time (reruns and snapshots keep their bytes), differ for
// any other proposition, and stay short enough for a URL.
func TestTokenRoundTrip(t *testing.T) {
	tr := tracker(t, secret, "")
	tok := tr.Proposition(prop)
	if got, err := tr.OpenProposition(tok); err != nil || got != prop {
		t.Fatalf("OpenProposition(Proposition(%+v)) = %+v, %v", prop, got, err)
	}
	if again := tracker(t, secret, "").Proposition(prop); again != tok {
		t.Errorf("the same proposition sealed twice: %q and %q", tok, again)
	}
	other := prop
	other.Offer = "gold-double-point"
	if tr.Proposition(other) == tok {
		t.Errorf("two propositions have one token")
	}
	if len(tok) > 160 {
		t.Errorf("token of %d characters, want at most 160: %s", len(tok), tok)
	}
	mt := tr.Message(msg)
	if got, err := tr.OpenMessage(mt); err != nil || !reflect.DeepEqual(got, msg) {
		t.Errorf("OpenMessage(Message(%+v)) = %+v, %v", msg, got, err)
	}
	api := Message{Campaign: "api", Recipient: "u1", Ledger: "api/2026-12-02", Entry: "d:0123"}
	if got, err := tr.OpenMessage(tr.Message(api)); err != nil || !reflect.DeepEqual(got, api) {
		t.Errorf("OpenMessage of an API message = %+v, %v", got, err)
	}
	// Fields are length-prefixed: separators inside ids do not move them.
	odd := Proposition{Campaign: "a\x1fb", Recipient: "", Activity: "x", Placement: "y", Offer: "z"}
	if got, err := tr.OpenProposition(tr.Proposition(odd)); err != nil || got != odd {
		t.Errorf("round trip of %+v = %+v, %v", odd, got, err)
	}
}

// TestTokenRefused: every single-byte alteration of a sealed token, every
// truncation, a token sealed under another secret, a readable token, a
// message token where a proposition token is wanted, and the reverse, are
// all refused with ErrBadToken.
func TestTokenRefused(t *testing.T) {
	tr := tracker(t, secret, "")
	openMessage := func(s string) (Proposition, error) { _, err := tr.OpenMessage(s); return Proposition{}, err }
	for _, c := range []struct {
		tok  string
		open func(string) (Proposition, error)
	}{{tr.Proposition(prop), tr.OpenProposition}, {tr.Message(msg), openMessage}} {
		tok, open := c.tok, c.open
		altered := 0
		for i := range len(tok) {
			for v := range 256 {
				if byte(v) == tok[i] {
					continue
				}
				bad := tok[:i] + string([]byte{byte(v)}) + tok[i+1:]
				if _, err := open(bad); !errors.Is(err, ErrBadToken) {
					t.Fatalf("byte %d of %q changed to %#x: opened (%v)", i, tok, v, err)
				}
				altered++
			}
		}
		for n := range len(tok) {
			if _, err := open(tok[:n]); !errors.Is(err, ErrBadToken) {
				t.Errorf("truncated to %d bytes: opened (%v)", n, err)
			}
		}
		if _, err := open(tok + "A"); !errors.Is(err, ErrBadToken) {
			t.Errorf("a byte appended: opened (%v)", err)
		}
		t.Logf("%d alterations of a %d-byte token refused", altered, len(tok))
	}

	other := tracker(t, []byte("another secret, also 32 bytes.."), "")
	if _, err := other.OpenProposition(tr.Proposition(prop)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a token sealed under another secret opened (%v)", err)
	}
	if _, err := other.OpenMessage(tr.Message(msg)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a message token sealed under another secret opened (%v)", err)
	}
	plain := tracker(t, nil, "").Proposition(prop)
	if _, err := tr.OpenProposition(plain); !errors.Is(err, ErrBadToken) {
		t.Errorf("a sealed tracker opened a readable (forgeable) token (%v)", err)
	}
	if _, err := tr.OpenProposition(tr.Message(msg)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a message token opened as a proposition token (%v)", err)
	}
	if _, err := tr.OpenMessage(tr.Proposition(prop)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a proposition token opened as a message token (%v)", err)
	}
	if _, err := tracker(t, nil, "").OpenMessage(tr.Message(msg)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a tracker without a secret opened a message token (%v)", err)
	}
}

// TestTokenHidesRecipient: the recipient id is in neither the token's
// text nor its decoded bytes (nor any other field, as text).
func TestTokenHidesRecipient(t *testing.T) {
	tr := tracker(t, secret, "")
	for _, tok := range []string{tr.Proposition(prop), tr.Message(msg)} {
		raw, err := b64.DecodeString(strings.TrimPrefix(tok, sealedPrefix))
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{prop.Recipient, "maya", prop.Campaign, prop.Offer} {
			if strings.Contains(tok, field) || bytes.Contains(raw, []byte(field)) {
				t.Errorf("token %s shows %q", tok, field)
			}
		}
	}
	// The readable token of old shows it, as documented.
	plain, _ := b64.DecodeString(strings.TrimPrefix(tracker(t, nil, "").Proposition(prop), plainPrefix))
	if !bytes.Contains(plain, []byte(prop.Recipient)) {
		t.Errorf("the readable token does not read back")
	}
}

// TestClickURL: the click link carries the target and a signature of
// token and target; another target, another token or an altered
// signature is refused; links that are not absolute http(s) stay as
// they are.
func TestClickURL(t *testing.T) {
	tr := tracker(t, secret, "https://t.example.com/mail/")
	tok := tr.Proposition(prop)
	target := "https://shop.example/gold?u=maya&x=1#top"
	link := tr.ClickURL(tok, target)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, "https://t.example.com/mail/t/c/"+tok+"?u=") || u.Query().Get("u") != target {
		t.Fatalf("ClickURL = %s", link)
	}
	sig := u.Query().Get("s")
	if p, err := tr.CheckClick(tok, target, sig); err != nil || p != prop {
		t.Fatalf("CheckClick of the link's own query = %+v, %v", p, err)
	}
	other := tr.Proposition(Proposition{"c", "r", "a", "p", "o"})
	for name, q := range map[string][3]string{
		"another target":    {tok, "https://evil.example/", sig},
		"a target extended": {tok, target + "&y=2", sig},
		"another token":     {other, target, sig},
		"no signature":      {tok, target, ""},
		"altered signature": {tok, target, "A" + sig[1:]},
	} {
		if _, err := tr.CheckClick(q[0], q[1], q[2]); err == nil {
			t.Errorf("%s: CheckClick = nil error, want a refusal", name)
		}
	}
	for _, keep := range []string{"mailto:help@example.com", "/relative", "javascript:alert(1)", ""} {
		if got := tr.ClickURL(tok, keep); got != keep {
			t.Errorf("ClickURL(%q) = %q, want it unchanged", keep, got)
		}
	}
	if got := tracker(t, secret, "").ClickURL(tok, target); got != target {
		t.Errorf("ClickURL without a public URL = %q", got)
	}
	if got := tr.PixelURL(tr.Message(msg)); !strings.HasPrefix(got, "https://t.example.com/mail/t/o/t2.") || !strings.HasSuffix(got, ".gif") {
		t.Errorf("PixelURL = %q", got)
	}
	if got := tr.UnsubscribeURL(tr.Message(msg)); !strings.HasPrefix(got, "https://t.example.com/mail/t/u/t2.") {
		t.Errorf("UnsubscribeURL = %q", got)
	}
}

// TestReadableToken: without a secret, tokens read back as they always
// did, and text that is not one is refused.
func TestReadableToken(t *testing.T) {
	tr := tracker(t, nil, "")
	tok := tr.Proposition(prop)
	if got, err := tr.OpenProposition(tok); err != nil || got != prop {
		t.Fatalf("OpenProposition(Proposition(%+v)) = %+v, %v", prop, got, err)
	}
	raw := prop.Campaign + "\x1f" + prop.Recipient + "\x1f" + prop.Activity + "\x1f" + prop.Placement + "\x1f" + prop.Offer
	if want := "t1." + base64.RawURLEncoding.EncodeToString([]byte(raw)); tok != want {
		t.Errorf("Proposition(%+v) = %q, want %q", prop, tok, want)
	}
	long := prop
	long.Offer = strings.Repeat("o", 300) // past the stack buffers
	if got, err := tr.OpenProposition(tr.Proposition(long)); err != nil || got != long {
		t.Errorf("OpenProposition(Proposition(an offer id of 300 bytes)) = %+v, %v", got, err)
	}
	var none *Tracker
	if none.Proposition(prop) != tok {
		t.Errorf("a nil Tracker makes another token than one without a secret")
	}
	for _, bad := range []string{"", "t1.", "t1.!!!", "x" + tok, "t1." + "YWJj", tracker(t, secret, "").Proposition(prop)} {
		if _, err := tr.OpenProposition(bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("OpenProposition(%q) = %v, want ErrBadToken", bad, err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		secret, public, want string
	}{
		{"short", "", "at least 16"},
		{"", "https://t.example.com", "needs a secret"},
		{string(secret), "ftp://t.example.com", "absolute http"},
		{string(secret), "https://t.example.com/?x=1", "no credentials, query"},
		{string(secret), "https://user:pw@t.example.com", "no credentials"},
		{string(secret), "t.example.com", "absolute http"},
	} {
		if _, err := New([]byte(c.secret), c.public); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %q) = %v, want an error with %q", c.secret, c.public, err, c.want)
		}
	}
}

// TestAppendProposition: AppendProposition appends exactly the token
// Proposition returns, sealed or readable, after what dst held, also for
// fields longer than the room a token is built in on the stack.
func TestAppendProposition(t *testing.T) {
	long := prop
	long.Recipient = strings.Repeat("r", 600)
	for _, tr := range []*Tracker{nil, tracker(t, nil, ""), tracker(t, secret, "")} {
		for _, p := range []Proposition{prop, long} {
			got := string(tr.AppendProposition([]byte("before|"), p))
			if want := "before|" + tr.Proposition(p); got != want {
				t.Errorf("AppendProposition(sealed %v, %.40v) = %q, want %q", tr.Sealed(), p, got, want)
			}
		}
	}
}
