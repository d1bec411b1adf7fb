package api

import (
	"bytes"
	"context"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/track"
)

// trackedTemplate links the hero's offer and holds the open pixel.
const trackedTemplate = `---
subject: 'Hi {{profile.name}}'
from: 'Shop <news@shop.example>'
---
<p>Hello {{profile.name}}</p>
{{#offer "act" placement="hero"}}<a href="{{link}}">{{name}}</a>{{/offer}}
{{trackingPixel}}
`

// startTracked serves the test project with a secret and, as public URL,
// the service's own address: the links its messages hold reach it.
func startTracked(t *testing.T) *fixture {
	t.Helper()
	library, templates := project(t)
	write(t, filepath.Join(templates, "tracked.hbs"), trackedTemplate)
	store, err := capstore.Open("bolt:" + filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := track.New([]byte("a test secret of 32 bytes, fixed"), "http://"+ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: testAt}
	cfg := Config{Library: library, Templates: templates, Store: store, Now: c.Now, Tracker: tr}
	svc, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	srv := httptest.NewUnstartedServer(svc)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &fixture{svc: svc, srv: srv, store: store, clock: c, cfg: cfg}
}

// get fetches a URL the way a mail client does: redirects are not
// followed.
func get(t *testing.T, raw string) *http.Response {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(raw)
	if err != nil {
		t.Fatalf("GET %s: %v", raw, err)
	}
	resp.Body.Close()
	return resp
}

// TestMessagesTracked: with a secret and a public URL, /v1/messages
// writes the offer's link as a signed click redirect, the open pixel, and
// the one-click unsubscribe (SPEC §10); each of them, fetched over HTTP
// from the service, does what it says: the click counts and redirects to
// the offer's URL (an altered target is a 400), the pixel counts an
// impression of the message's offer, the unsubscribe suppresses the
// recipient, whose next message is a 409.
func TestMessagesTracked(t *testing.T) {
	f := startTracked(t)
	// A recipient id long enough that a random token cannot hold it by
	// chance (a two-letter id once showed up in one by chance).
	public := f.srv.URL
	body := `{"template": "tracked.hbs", "recipient": {"id": "ana-7f3c9e41", "email": "a@example.com", "profile": {"name": "Ana"}}, "campaign": "welcome", "at": "2026-12-02T09:00:00Z"}`
	a := f.post(t, "/v1/messages", body)
	if a.status != 200 {
		t.Fatalf("/v1/messages = %d %s", a.status, a.body)
	}
	page, _ := a.json(t)["html"].(string)
	click := regexp.MustCompile(`<a href="(` + regexp.QuoteMeta(public) + `/t/c/([^"?]+)\?[^"]+)"`).FindStringSubmatch(page)
	open := regexp.MustCompile(`<img [^>]*src="(` + regexp.QuoteMeta(public) + `/t/o/([^"]+)\.gif)"`).FindStringSubmatch(page)
	if click == nil || open == nil {
		t.Fatalf("html has no click link or pixel under %s:\n%s", public, page)
	}
	clickURL, token := html.UnescapeString(click[1]), click[2]
	u, err := url.Parse(clickURL)
	if err != nil {
		t.Fatal(err)
	}
	if target := u.Query().Get("u"); target != "https://x.example/s?u=ana-7f3c9e41" || u.Query().Get("s") == "" {
		t.Errorf("click link %s: target %q, want the offer's https://x.example/s?u=ana-7f3c9e41, signed", clickURL, target)
	}
	for _, tok := range []string{token, open[2]} {
		if !strings.HasPrefix(tok, "t2.") || strings.Contains(tok, "ana-7f3c9e41") {
			t.Errorf("token %q is not sealed", tok)
		}
	}

	// The same message as MIME: the headers of one-click unsubscribe.
	m := f.post(t, "/v1/messages", body, "Accept", "message/rfc822", "Idempotency-Key", "mime-1")
	msg, err := mail.ReadMessage(bytes.NewReader(m.body))
	if m.status != 200 || err != nil {
		t.Fatalf("/v1/messages as MIME = %d, %v", m.status, err)
	}
	unsub := msg.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<"+public+"/t/u/") || !strings.HasSuffix(unsub, ">") || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe %q, List-Unsubscribe-Post %q; want <%s/t/u/TOKEN> and One-Click", unsub, msg.Header.Get("List-Unsubscribe-Post"), public)
	}

	impressions, clicks := decide.FeedbackKey("impression", "scarce", "hero"), decide.FeedbackKey("click", "scarce", "hero")
	altered := strings.Replace(clickURL, "x.example", "evil.example", 1)
	if resp := get(t, altered); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("altered click link: %d, want 400", resp.StatusCode)
	}
	if n := f.counter(t, clicks); n != 0 {
		t.Errorf("an altered click link counted %d clicks", n)
	}
	for range 2 {
		resp := get(t, clickURL)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://x.example/s?u=ana-7f3c9e41" {
			t.Errorf("click: %d to %q, want 302 to the offer's URL", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp = get(t, html.UnescapeString(open[1]))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("pixel: %d %s, Cache-Control %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
		}
	}
	if i, c := f.counter(t, impressions), f.counter(t, clicks); i != 1 || c != 1 {
		t.Errorf("scarce in the hero: %d impressions, %d clicks; want 1 and 1 (twice fetched, once counted)", i, c)
	}

	req, _ := http.NewRequest(http.MethodPost, strings.Trim(unsub, "<>"), strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d, want 200", resp.StatusCode)
	}
	if a := f.post(t, "/v1/messages", body); a.status != http.StatusConflict {
		t.Errorf("/v1/messages after the unsubscribe = %d %s, want 409", a.status, a.body)
	}
}
