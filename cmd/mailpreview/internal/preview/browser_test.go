package preview

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/offermail/offermail/internal/browsertest"
)

// browser is the one headless chromium the package's browser tests
// share: each test opens a tab of its own, so CI pays for one start.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
}

// TestMain closes the shared browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// newBrowser opens a tab of the shared headless chromium for the test, or
// skips the test when there is none (fails when OFFERMAIL_REQUIRE_ALL=1).
// The tab starts at width × height CSS pixels (1500 × 1100 unless given).
func newBrowser(t *testing.T, size ...int64) context.Context {
	t.Helper()
	path := browsertest.Path()
	if path == "" {
		if os.Getenv("OFFERMAIL_REQUIRE_ALL") == "1" {
			t.Fatal("chromium not found (apt-get install chromium), and OFFERMAIL_REQUIRE_ALL=1")
		}
		t.Skip("chromium not found (apt-get install chromium)")
	}
	browser.once.Do(func() {
		dir, err := os.MkdirTemp("", "offermail-chromium-")
		if err != nil {
			browser.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("hide-scrollbars", false),
			// Chromium may run a sandboxed iframe in a process of its own,
			// where DevTools queries from the page do not reach; in-process,
			// the test can read the email the designer sees.
			chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateSandboxedIframes"),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1500, 1100),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		browser.ctx = ctx
		browser.cancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
		browser.err = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	})
	if browser.err != nil {
		t.Fatalf("start chromium: %v", browser.err)
	}
	tab, closeTab := chromedp.NewContext(browser.ctx)
	t.Cleanup(closeTab)
	// Bounds the whole test; conditions below have their own deadlines.
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(cancel)
	w, h := int64(1500), int64(1100)
	if len(size) == 2 {
		w, h = size[0], size[1]
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// waitJS waits until a JavaScript expression is true in the page; an
// element not there yet reads as false.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	guarded := fmt.Sprintf("(() => { try { return !!(%s); } catch (e) { return false; } })()", expr)
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](guarded, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v\npage: %s", what, expr, err, pageText(ctx))
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func pageText(ctx context.Context) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ''`))
	return s
}

// frameText reads the text of the email in the sandboxed iframe through
// the DevTools DOM: the page's own script cannot, by design.
func frameText(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#frame")))
	if err != nil {
		return "", err
	}
	return chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("body"), chromedp.FromNode(nodes[0])))
}

// waitFrame waits until the email in the iframe shows want.
func waitFrame(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if s, err := frameText(ctx); err == nil {
			if strings.Contains(s, want) {
				return
			}
			last = s
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the email never showed %q; last seen:\n%s", want, last)
}

// choose picks an option of a select as a user would, firing change.
func choose(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change')); return s.value; })()`, sel, value)
	if got := evalJS[string](t, ctx, js); got != value {
		t.Fatalf("choose %s = %q: the option is not there (got %q)", sel, value, got)
	}
}

// screenshot saves a PNG of the page as a test artifact.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	browsertest.SaveArtifact(t, name, png)
}

// TestBrowserPreview drives the page as a designer does: choose a template
// and a profile, see the offer that profile should get and why, edit the
// template and see the change without reloading, break it and see the
// error with its position, fix it, switch to the mobile width.
func TestBrowserPreview(t *testing.T) {
	ctx := newBrowser(t)
	p := newProject(t)
	srv, ts := start(t, p.config())
	if err := srv.Watch(); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the pickers", `document.querySelector('#profile').options.length === 7 && !!document.body.dataset.rendered`)
	choose(t, ctx, "#template", "offers.hbs")
	choose(t, ctx, "#profile", "maya-gold-runner")
	waitJS(t, ctx, "Maya's preview", `document.body.dataset.rendered.startsWith('offers.hbs|maya-gold-runner|')`)

	// The offer a Gold member gets, and why.
	waitFrame(t, ctx, "Double points all December, Maya")
	waitJS(t, ctx, "the chosen offer in the trace",
		`document.querySelector('[data-scope="winter-sale/hero"] ol.result li[data-offer="gold-double-points"]').textContent === 'gold-double-points score 90, rank 1'`)
	waitJS(t, ctx, "the runner-up in the trace",
		`document.querySelector('[data-scope="winter-sale/hero"] details[data-kind="eligible"] li[data-offer="wine-tasting"]').textContent.includes('the only item was already filled')`)
	waitJS(t, ctx, "the later group, not needed",
		`document.querySelector('[data-scope="winter-sale/hero"] details.skipped summary').textContent === '14 not evaluated: earlier groups filled the slots'`)
	waitJS(t, ctx, "the missing-field warning",
		`!document.querySelector('#warnings').hidden && document.querySelector('#warnings').textContent.includes('profile.nickname')`)
	waitJS(t, ctx, "the plain text tab's content", `document.querySelector('#view-text').textContent.includes('Double points all December, Maya')`)
	screenshot(t, ctx, "preview-desktop.png")

	// Live reload: no navigation, the page updates itself.
	evalJS[int](t, ctx, `window.__sameDocument = 42`)
	p.write(t, "templates/offers.hbs", strings.Replace(offersTemplate, "Hello", "Howdy", 1))
	waitFrame(t, ctx, "Howdy Maya")
	if got := evalJS[int](t, ctx, `window.__sameDocument || 0`); got != 42 {
		t.Errorf("the page was reloaded to show the change; want it updated in place")
	}

	// A broken template: the overlay names the file, line and column and
	// shows the line; the last good email stays under it.
	p.write(t, "templates/offers.hbs", brokenOffers)
	waitJS(t, ctx, "the error overlay",
		`!document.querySelector('#overlay').hidden && document.querySelector('#overlay').textContent.includes('offers.hbs:7:1')`)
	source := evalJS[string](t, ctx, `document.querySelector('#overlay .source').textContent`)
	if source != "{{#if profile.vip}}\n^" {
		t.Errorf("overlay source = %q, want the line and a caret under column 1", source)
	}
	waitJS(t, ctx, "the broken flag in the template list", `document.querySelector('#template').selectedOptions[0].textContent === 'offers.hbs (error)'`)
	screenshot(t, ctx, "preview-error.png")
	if s, _ := frameText(ctx); !strings.Contains(s, "Howdy Maya") {
		t.Errorf("the last good email is gone under the overlay; the iframe shows %q", s)
	}

	p.write(t, "templates/offers.hbs", strings.Replace(offersTemplate, "Hello", "Welcome back", 1))
	waitJS(t, ctx, "the overlay to go", `document.querySelector('#overlay').hidden`)
	waitFrame(t, ctx, "Welcome back Maya")

	// Mobile width.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#width-mobile"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the mobile width", `document.querySelector('#frame').getBoundingClientRect().width === 375`)
	screenshot(t, ctx, "preview-mobile.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#width-desktop"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the desktop width", `document.querySelector('#frame').getBoundingClientRect().width === 600`)
}

// TestBrowserProfileAndTime: the profile editor and the time picker change
// the decision; hostile profile data stays text everywhere.
func TestBrowserProfileAndTime(t *testing.T) {
	ctx := newBrowser(t)
	p := newProject(t)
	_, ts := start(t, p.config())
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/#t=offers.hbs&p=lukas-silver-skier")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "Lukas's preview", `(document.body.dataset.rendered || '').startsWith('offers.hbs|lukas-silver-skier|')`)
	waitFrame(t, ctx, "30% off the Summit parka")
	waitJS(t, ctx, "a candidate dropped with its step",
		`document.querySelector('[data-scope="winter-sale/hero"] details[data-step="eligibility"] li[data-offer="gold-double-points"]').textContent.includes('eligibility rule gold is false')`)

	// Make Lukas a Gold member in the editor: his Gold perk wins.
	evalJS[bool](t, ctx, `(() => {
		const ta = document.querySelector('#profile-json');
		ta.value = ta.value.replace('"tier": "silver"', '"tier": "gold"');
		ta.dispatchEvent(new Event('input'));
		return true;
	})()`)
	waitFrame(t, ctx, "Double points all December, Lukas")
	waitJS(t, ctx, "the edited state", `document.querySelector('#profile-state').textContent === 'edited in the page'`)

	// A typo in the editor is an error with its position in the text.
	evalJS[bool](t, ctx, `(() => {
		const ta = document.querySelector('#profile-json');
		ta.value = ta.value.replace('"age": 41,', '"age": 41,,');
		ta.dispatchEvent(new Event('input'));
		return true;
	})()`)
	waitJS(t, ctx, "the profile error", `!document.querySelector('#overlay').hidden && document.querySelector('#overlay').textContent.includes('lukas-silver-skier.json (edited):7:15')`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#profile-reset"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the overlay to go after the reset", `document.querySelector('#overlay').hidden`)
	waitFrame(t, ctx, "30% off the Summit parka")

	// Before the winter sale, nothing is decided, and the trace says why.
	evalJS[bool](t, ctx, `(() => {
		const at = document.querySelector('#at');
		at.value = '2026-10-01T00:00:00';
		at.dispatchEvent(new Event('change'));
		return true;
	})()`)
	waitJS(t, ctx, "the inactive activity", `document.querySelector('[data-scope="winter-sale/hero"] .result.none').textContent.includes('is not running at 2026-10-01T00:00:00Z')`)

	// Hostile profile data: text in the email, nothing executed anywhere.
	choose(t, ctx, "#profile", "script-injection")
	waitJS(t, ctx, "the hostile profile", `document.body.dataset.rendered.startsWith('offers.hbs|script-injection|')`)
	waitFrame(t, ctx, `Hello <script>alert("owned")</script>`)
	if got := evalJS[string](t, ctx, `[...document.querySelectorAll('script')].map((s) => s.getAttribute('src')).join(' ')`); got != "/panels.js /app.js" {
		t.Errorf("the page holds the scripts %q, want only its own", got)
	}
	if text := evalJS[string](t, ctx, `document.querySelector('#profile-json').value`); !strings.Contains(text, `<script>alert(\"owned\")</script>`) {
		t.Errorf("the editor does not show the profile's text as is: %q", text)
	}
}

// TestBrowserWidths: the page on the screens designers use, with the
// sample templates and library as they ship: no sideways scrolling, the
// header on one line, the email frame as tall as the email with the
// library's local images loaded, the profile editor wrapping inside its
// pane, the decision time shown in UTC, and the trace of the silver
// profile's newsletter showing the values its rules read. A screenshot of
// each width goes to the artifacts.
func TestBrowserWidths(t *testing.T) {
	cfg := Config{
		Templates: filepath.Join(root, "templates"), Library: filepath.Join(root, "templates", "library"),
		Profiles: filepath.Join(root, "testdata", "profiles"), At: testAt,
	}
	_, ts := start(t, cfg)
	for _, width := range []int64{1280, 1440, 1920} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			ctx := newBrowser(t, width, 900)
			if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/#t=newsletter.hbs&p=lukas-silver-skier")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "the newsletter for Lukas", `(document.body.dataset.rendered || '').startsWith('newsletter.hbs|lukas-silver-skier|')`)
			waitFrame(t, ctx, "Stay warm, Lukas")
			// Images load once the frame does; the frame is sized after.
			waitJS(t, ctx, "the local images",
				`(() => { const imgs = [...document.querySelector('#frame').contentDocument.images];
					return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0 && i.src.includes('/library/assets/cdn.northwind.example/')); })()`)
			waitJS(t, ctx, "the frame sized to the email",
				`(() => { const f = document.querySelector('#frame'); const d = f.contentDocument.documentElement;
					return d.scrollHeight > 900 && Math.abs(f.getBoundingClientRect().height - d.scrollHeight) <= 1 && d.clientHeight === d.scrollHeight; })()`)

			if sw, iw := evalJS[int](t, ctx, `document.documentElement.scrollWidth`), evalJS[int](t, ctx, `window.innerWidth`); sw > iw {
				t.Errorf("at %d px the page is %d px wide: it scrolls sideways", width, sw)
			}
			// One line: every item of the header shares one row, and the
			// header is no taller than its tallest item and its padding.
			rows := evalJS[int](t, ctx, `new Set([...document.querySelector('header').children].map((e) => Math.round(e.getBoundingClientRect().top / 12))).size`)
			height := evalJS[float64](t, ctx, `document.querySelector('header').getBoundingClientRect().height`)
			tallest := evalJS[float64](t, ctx, `Math.max(...[...document.querySelector('header').children].map((e) => e.getBoundingClientRect().height))`)
			if rows != 1 || height > tallest+20 {
				t.Errorf("at %d px the header is %.0f px high over %d row(s), its tallest item %.0f px: want one line", width, height, rows, tallest)
			}
			if !evalJS[bool](t, ctx, `(() => { const ta = document.querySelector('#profile-json'), pane = ta.closest('.pane').getBoundingClientRect(), r = ta.getBoundingClientRect();
					return ta.scrollWidth <= ta.clientWidth && r.left >= pane.left && r.right <= pane.right; })()`) {
				t.Errorf("at %d px the profile editor scrolls sideways or sticks out of its pane", width)
			}
			if got := evalJS[string](t, ctx, `document.querySelector('#at').value`); got != "2026-12-02T09:00:00Z" {
				t.Errorf("the decision time field shows %q, want 2026-12-02T09:00:00Z", got)
			}

			// The silver profile's hero: Gold perks dropped, folded by
			// step; opened, the rule shows the tier it read.
			sel := `[data-scope="winter-sale/hero"] details[data-step="eligibility"]`
			waitJS(t, ctx, "the folded eligibility drops", `!document.querySelector('`+sel+`').open`)
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel+" > summary"))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "the rule values, visible",
				`(() => { const li = document.querySelector('`+sel+` li[data-offer="gold-double-points"]');
					return li.offsetParent !== null && li.querySelector('.why').textContent === 'eligibility rule gold is false'
						&& [...li.querySelectorAll('.values code')].map((c) => c.textContent).join('|') === 'profile.loyalty.tier = "silver"'; })()`)
			waitJS(t, ctx, "every value a rule read",
				`[...document.querySelector('`+sel+` li[data-offer="wine-tasting"]').querySelectorAll('.values code')].map((c) => c.textContent).join('|') === 'profile.loyalty.tier = "silver"|profile.age = 41'`)
			if sw, iw := evalJS[int](t, ctx, `document.documentElement.scrollWidth`), evalJS[int](t, ctx, `window.innerWidth`); sw > iw {
				t.Errorf("at %d px, with the trace open, the page is %d px wide", width, sw)
			}
			screenshot(t, ctx, fmt.Sprintf("preview-%d.png", width))
		})
	}
}

// TestBrowserLintPanel: the email checks of the message on screen, with a
// planted image without alt at its line and column, shown within the
// window at 1,280, 1,440 and 1,920 px (a screenshot of each goes to the
// artifacts); another template's checks replace them.
func TestBrowserLintPanel(t *testing.T) {
	p := newProject(t)
	p.write(t, "templates/planted.hbs", `---
subject: "Hi {{profile.firstName}}"
preheader: Our winter news
unsubscribe: https://northwind.example/u
---
<p>Hello {{profile.firstName}}</p><img src="https://cdn.northwind.example/x.png">
`)
	_, ts := start(t, p.config())
	for _, width := range []int64{1280, 1440, 1920} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			ctx := newBrowser(t, width, 900)
			if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/#t=planted.hbs&p=maya-gold-runner")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "the planted template", `(document.body.dataset.rendered || '').startsWith('planted.hbs|maya-gold-runner|')`)
			waitJS(t, ctx, "the lint panel",
				`(() => { const li = document.querySelector('#lint li.lint-error[data-code="img-alt"]');
					return li && li.offsetParent !== null && li.querySelector('.at').textContent.endsWith('templates/planted.hbs:6:45')
						&& li.textContent.includes('<img src="https://cdn.northwind.example/x.png"> has no alt attribute')
						&& li.getBoundingClientRect().left >= 0 && li.getBoundingClientRect().right <= window.innerWidth
						&& document.querySelector('#lint-count').textContent === '1 error'; })()`)
			screenshot(t, ctx, fmt.Sprintf("preview-lint-%d.png", width))
			if width != 1920 {
				return
			}
			choose(t, ctx, "#template", "offers.hbs")
			// The test's offers.hbs has no preheader; its checks replace the others.
			waitJS(t, ctx, "another template's checks", `(document.body.dataset.rendered || '').startsWith('offers.hbs|')
				&& [...document.querySelectorAll('#lint li')].map((li) => li.dataset.code).join(' ') === 'preheader unsubscribe'`)
		})
	}
}
