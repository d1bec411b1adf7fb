package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/browsertest"
	"github.com/offermail/offermail/internal/redistest"
)

// TestTrackingInChromium: a batch message's HTML, from a run with
// --public-url pointing at a running `mailpreview api` (on Redis, which
// both processes share), opened in headless Chromium: loading the page
// fetches its open pixel, whose impression the store then holds; a click
// on the offer's link is recorded and redirected (302) to the offer's own
// URL. Every host but 127.0.0.1 resolves to nothing: the browser reaches
// no other machine, and the redirect is seen as the browser's next
// request.
func TestTrackingInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	ctx := trackChromium(t)
	store := redistest.Start(t).URL(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"library/lib.yaml":   trackLibrary,
		"templates/mail.hbs": trackTemplate,
		"recipients.ndjson":  `{"id":"u-1","email":"u1@example.com"}` + "\n",
		"secret":             "a tracking secret for the test, 40 bytes\n",
		"keys":               "key-1\n",
	})
	lib, tpl, secret := filepath.Join(dir, "library"), filepath.Join(dir, "templates"), filepath.Join(dir, "secret")
	r := startReplica(t, sharedBinary(t), "--library", lib, "--templates", tpl, "--store", store, "--keys", filepath.Join(dir, "keys"),
		"--secret-file", secret)
	out := filepath.Join(dir, "out")
	if code, stdout, errOut := run(t, "batch", "--library", lib, "--template", filepath.Join(tpl, "mail.hbs"), "--recipients", filepath.Join(dir, "recipients.ndjson"),
		"--campaign", "spring", "--out", out, "--at", at, "--store", store, "--secret-file", secret, "--public-url", r.url); code != exitOK {
		t.Fatalf("batch = %d\n%s%s", code, stdout, errOut)
	}
	_, html := readEML(t, filepath.Join(out, "messages", "u-1.eml"))
	m := regexp.MustCompile(`<a href="[^"]+">(Alpha|Beta)</a>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no offer link in\n%s", html)
	}
	offer := strings.ToLower(m[1])
	page := filepath.Join(dir, "u-1.html")
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	stats := func() (impressions, clicks int64) {
		t.Helper()
		s, err := capstore.Open(store)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		v, err := s.Counts(context.Background(), []string{decide.FeedbackKey("impression", offer, "hero"), decide.FeedbackKey("click", offer, "hero")})
		if err != nil {
			t.Fatal(err)
		}
		return v[0], v[1]
	}
	if i, c := stats(); i != 0 || c != 0 {
		t.Fatalf("before the browser: %d impressions, %d clicks of %s; want none", i, c, offer)
	}

	// The browser's requests, as it sends them (redirects included).
	sent := make(chan *network.EventRequestWillBeSent, 64)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			select {
			case sent <- e:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	// The load event waits for the page's images: the pixel is fetched.
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatalf("open %s: %v", page, err)
	}
	pixel, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const img = document.querySelector('img');
		return img && img.complete && img.naturalWidth === 1 ? img.src : '';
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pixel, r.url+"/t/o/t2.") {
		t.Fatalf("the page's pixel %q did not load a 1×1 image from %s/t/o/", pixel, r.url)
	}
	if i, c := stats(); i != 1 || c != 0 {
		t.Errorf("after the page loaded: %d impressions, %d clicks of %s; want 1, 0", i, c, offer)
	}

	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a').href`))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, r.url+"/t/c/t2.") {
		t.Fatalf("the offer's link %q is not a click URL of %s", link, r.url)
	}
	target := u.Query().Get("u")
	want := map[string]string{"alpha": "https://shop.example/alpha?x=1&t=", "beta": "https://shop.example/beta"}[offer]
	if target != want && !(offer == "alpha" && strings.HasPrefix(target, want) && len(target) > len(want)) {
		t.Fatalf("the click URL's target is %q, want the %s offer's link %s…", target, offer, want)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a"))); err != nil {
		t.Fatalf("click the offer: %v", err)
	}
	// Bounds the wait, in case the browser never follows; not a timing
	// assertion.
	deadline := time.After(time.Minute)
	var redirected *network.EventRequestWillBeSent
	for redirected == nil {
		select {
		case e := <-sent:
			if e.RedirectResponse != nil && e.RedirectResponse.URL == link {
				redirected = e
			}
		case <-deadline:
			t.Fatalf("the browser never followed a redirect from %s", link)
		}
	}
	if redirected.RedirectResponse.Status != 302 || redirected.Request.URL != target {
		t.Errorf("the click answered %d and the browser went to %q; want 302 to %q", redirected.RedirectResponse.Status, redirected.Request.URL, target)
	}
	if i, c := stats(); i != 1 || c != 1 {
		t.Errorf("after the click: %d impressions, %d clicks of %s; want 1, 1", i, c, offer)
	}
}

// trackChromium starts a headless Chromium that resolves no host but
// 127.0.0.1, or skips when there is none (fails when
// OFFERMAIL_REQUIRE_ALL=1).
func trackChromium(t *testing.T) context.Context {
	t.Helper()
	ctx := browsertest.Start(t, chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"))
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}
