package batch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// TestReportHTML: a real run writes report.html beside report.json: one
// inline SVG bar chart per placement whose bars are the report's counts,
// the rejects with their line and reason, and nothing that loads anything
// (no script, stylesheet, image or URL attribute).
func TestReportHTML(t *testing.T) {
	cfg := config(t, newsletter, sampleNDJSON)
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cfg.Out, htmlReportFile))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sections []*html.Node
	loads := 0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object":
			loads++
		}
		for _, a := range n.Attr {
			if a.Key == "src" || a.Key == "href" {
				loads++
			}
		}
		if n.Data == "section" && attr(n, "class") == "placement" {
			sections = append(sections, n)
		}
	}
	if loads != 0 {
		t.Errorf("report.html has %d elements or attributes that load something, want none", loads)
	}
	if len(sections) != len(rep.Placements) {
		t.Fatalf("report.html has %d placement sections, want %d", len(sections), len(rep.Placements))
	}
	for i, s := range sections {
		pc := rep.Placements[i]
		if got, want := attr(s, "data-placement"), pc.Activity+"/"+pc.Placement; got != want {
			t.Errorf("section %d is %q, want %q", i, got, want)
		}
		// Each bar reads "label" and "n (p%)"; sum the bars per kind.
		sums := map[string]int{}
		bars := 0
		for g := range s.Descendants() {
			if g.Type != html.ElementNode || g.Data != "g" || attr(g, "class") != "bar" {
				continue
			}
			bars++
			var texts []string
			for c := range g.Descendants() {
				if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" && c.Parent.Data == "text" {
					texts = append(texts, c.Data)
				}
			}
			var n int
			if len(texts) != 2 || !scanInt(texts[1], &n) {
				t.Fatalf("%s: a bar reads %q, want a label and a count", pc.Placement, texts)
			}
			sums[attr(g, "data-kind")] += n
		}
		offers, fallbacks := 0, 0
		for _, n := range pc.Offers {
			offers += n
		}
		for _, n := range pc.Fallbacks {
			fallbacks += n
		}
		if bars != len(pc.Offers)+len(pc.Fallbacks)+1 || sums["offer"] != offers || sums["fallback"] != fallbacks || sums["empty"] != pc.Empty {
			t.Errorf("%s: %d bars summing to %v; want %d bars, offers %d, fallbacks %d, empty %d",
				pc.Placement, bars, sums, len(pc.Offers)+len(pc.Fallbacks)+1, offers, fallbacks, pc.Empty)
		}
	}
	page := string(data)
	for _, want := range []string{"Campaign run: winter-test", "<td class=\"n\">16</td><td><code>u-1015</code></td><td>read</td>", "invalid email"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestReportHTMLEscapes: what the run names (campaign, offers, reasons)
// is text in the page, never markup.
func TestReportHTMLEscapes(t *testing.T) {
	dir := t.TempDir()
	evil := `<script>alert(1)</script>`
	rep := &Report{
		Campaign: evil, Finished: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), Rejects: map[string]int{"read": 1},
		Placements: []ScopeCounts{{Activity: "a", Placement: evil, Offers: map[string]int{evil: 1}, Fallbacks: map[string]int{}}},
		Totals:     Totals{Total: 2, Decided: 1, Rejected: 1},
	}
	if err := os.WriteFile(filepath.Join(dir, rejectsFile), []byte(`{"line":2,"stage":"read","reason":"<img src=x onerror=alert(1)>"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sim := &Simulation{CapRefusals: map[string]int{evil: 3}, Variants: []ScopeVariants{{Activity: "a", Placement: evil, Count: 1,
		Variants: []Variant{{Offers: []string{evil}, Recipients: 1, Example: evil, Excerpt: evil}}}}}
	if err := WriteHTML(dir, rep, sim); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, htmlReportFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html holds %q unescaped", bad)
		}
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 6 {
		t.Errorf("the campaign, placement, offer, refusal and variant show escaped %d times, want at least 6", n)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// scanInt reads the count before the percentage: "298 (99.3%)".
func scanInt(s string, n *int) bool {
	head, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	v, err := strconv.Atoi(head)
	*n = v
	return err == nil
}
