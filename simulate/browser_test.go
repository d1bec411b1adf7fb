package simulate

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/offermail/offermail/internal/browsertest"
)

// TestReportHTMLInChromium opens the report.html of a simulation (total
// cap of 2 over 300 recipients) from its file in headless Chromium, with
// the network cut: one bar chart (inline SVG) per placement, the capped
// offer's bar and its refusals, no sideways scroll at 1,280 px, nothing
// loaded from anywhere. The screenshot goes to the artifacts.
func TestReportHTMLInChromium(t *testing.T) {
	f := newFixture(t, 300)
	out := filepath.Join(f.dir, "sim")
	if _, err := Run(context.Background(), f.config(t, out)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	ctx := chromium(t)
	page := "file://" + filepath.Join(out, "report.html")
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatalf("open %s: %v", page, err)
	}
	type pageFacts struct {
		Placements []string `json:"placements"`
		Charts     int      `json:"charts"`
		Bars       []string `json:"bars"`
		Scarce     string   `json:"scarce"`
		Refusals   string   `json:"refusals"`
		Overflow   bool     `json:"overflow"`
		External   int      `json:"external"`
		Resources  int      `json:"resources"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](`(() => {
		const sections = [...document.querySelectorAll('section.placement')];
		const hero = sections[0];
		const scarce = hero && [...hero.querySelectorAll('svg.chart g.bar')].find(g => g.textContent.includes('scarce'));
		return {
			placements: sections.map(s => s.dataset.placement),
			charts: document.querySelectorAll('section.placement svg.chart').length,
			bars: sections.map(s => [...s.querySelectorAll('svg.chart g.bar')].map(g => g.dataset.kind + ':' + g.querySelector('text').textContent).join(',')),
			scarce: scarce ? scarce.textContent.replace(/\s+/g, ' ').trim() : '',
			refusals: document.querySelector('section.refusals').innerText,
			overflow: document.documentElement.scrollWidth > window.innerWidth,
			external: document.querySelectorAll('script, link, img, iframe, object, [src]').length,
			resources: performance.getEntriesByType('resource').length,
		};
	})()`))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	if want := []string{"act/hero", "act/side"}; len(got.Placements) != 2 || got.Placements[0] != want[0] || got.Placements[1] != want[1] || got.Charts != 2 {
		t.Errorf("placements %v with %d charts, want %v with one chart each", got.Placements, got.Charts, want)
	}
	if want := []string{
		"offer:plenty,offer:scarce,empty:nothing shown",
		"fallback:fallback fb,empty:nothing shown",
	}; len(got.Bars) != 2 || got.Bars[0] != want[0] || got.Bars[1] != want[1] {
		t.Errorf("bars = %q, want %q", got.Bars, want)
	}
	if got.Scarce != "scarce 2 (0.7%)" {
		t.Errorf("the scarce bar reads %q, want %q", got.Scarce, "scarce 2 (0.7%)")
	}
	if want := "scarce\t298"; !strings.Contains(got.Refusals, want) {
		t.Errorf("the cap refusals section reads %q, want a row %q", got.Refusals, want)
	}
	if got.Overflow {
		t.Errorf("the report scrolls sideways at 1,280 px")
	}
	if got.External != 0 || got.Resources != 0 {
		t.Errorf("the page has %d elements that load something and fetched %d resources; want none", got.External, got.Resources)
	}
	screenshot(t, ctx, "simulate-report-1280.png")
}

// chromium starts a headless Chromium for the test at 1,280 × 900, or
// skips when there is none (fails when OFFERMAIL_REQUIRE_ALL=1).
func chromium(t *testing.T) context.Context {
	t.Helper()
	ctx := browsertest.Start(t, chromedp.WindowSize(1280, 900))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot saves a PNG of the whole page as a test artifact.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	browsertest.SaveArtifact(t, name, png)
}
