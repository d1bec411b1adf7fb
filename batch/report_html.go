package batch

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// htmlReportFile is the page a run writes beside report.json.
const htmlReportFile = "report.html"

// maxRejectsShown bounds the rejects report.html lists one by one.
const maxRejectsShown = 50

// Simulation is what only a simulation (mailpreview simulate) knows of a
// run: where caps refused offers, and the variants QA must look at. Its
// members go into report.json beside the Report's.
type Simulation struct {
	// Store names where the counters were read from; they were copied
	// into memory, never written. Empty: no store, every counter at 0.
	Store string `json:"store,omitempty"`
	// Rendered counts the messages rendered (and not sent: the report's
	// written and sent are 0).
	Rendered int `json:"rendered"`
	// CapRefusals counts, per offer, the recipients whose decision found
	// the offer capped: it passed every other step for them.
	CapRefusals map[string]int `json:"cap_refusals"`
	// Variants are the distinct results of each scope, in the order of
	// Report.Placements.
	Variants []ScopeVariants `json:"variants"`
}

// ScopeVariants are the distinct results of one scope: each different list
// of offers, the fallback, or nothing.
type ScopeVariants struct {
	Activity  string `json:"activity"`
	Placement string `json:"placement"`
	// Count is the number of Variants; when OtherRecipients is not 0 it
	// is a floor: a simulation keeps the first 1,000 variants of a scope
	// and counts the recipients of any further ones together.
	Count           int       `json:"count"`
	Variants        []Variant `json:"variants"`
	OtherRecipients int       `json:"other_recipients,omitempty"`
}

// Variant is one result of a scope and an example of it.
type Variant struct {
	Offers     []string `json:"offers"`
	Fallback   string   `json:"fallback,omitempty"`
	Recipients int      `json:"recipients"`
	// Example is the first recipient decided this way, and Excerpt the
	// start of the content they were shown there, as text.
	Example string `json:"example"`
	Excerpt string `json:"excerpt,omitempty"`
}

// Label names a variant for people: its offers in order, "fallback X", or
// "nothing".
func (v Variant) Label() string {
	switch {
	case len(v.Offers) > 0:
		s := v.Offers[0]
		for _, o := range v.Offers[1:] {
			s += " + " + o
		}
		return s
	case v.Fallback != "":
		return "fallback " + v.Fallback
	}
	return "nothing"
}

// WriteHTML writes dir/report.html: the report as a page that needs
// nothing but itself — inline CSS, a bar chart per placement as inline SVG,
// no script and no external asset — so that it opens from a file or an
// attachment. sim adds what a simulation knows; nil for a real run.
func WriteHTML(dir string, rep *Report, sim *Simulation) error {
	page := htmlPage{Report: rep, Sim: sim, Kind: "Campaign run", Generated: rep.Finished.Format(time.RFC3339)}
	if sim != nil {
		page.Kind = "Simulation"
	}
	for i, sc := range rep.Placements {
		pc := placementChart{ScopeCounts: sc, Chart: barChart(sc, rep.Totals.Decided)}
		if sim != nil && i < len(sim.Variants) {
			v := sim.Variants[i]
			pc.Variants = &v
		}
		page.Placements = append(page.Placements, pc)
	}
	var stages []string
	for stage, n := range rep.Rejects {
		stages = append(stages, fmt.Sprintf("%s %d", stage, n))
	}
	slices.Sort(stages)
	page.RejectStages = strings.Join(stages, ", ")
	if sim != nil {
		for offer, n := range sim.CapRefusals {
			page.Refusals = append(page.Refusals, refusalRow{offer, n})
		}
		slices.SortFunc(page.Refusals, func(a, b refusalRow) int {
			return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Offer, b.Offer))
		})
	}
	err := scanJournal(filepath.Join(dir, rejectsFile), func(_ int, line []byte) error {
		page.RejectCount++
		if len(page.RejectLines) < maxRejectsShown {
			var rl rejectLine
			if err := json.Unmarshal(line, &rl); err != nil {
				return err
			}
			page.RejectLines = append(page.RejectLines, rl)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := reportPage.Execute(&b, page); err != nil {
		return fmt.Errorf("write %s: %w", htmlReportFile, err)
	}
	return writeFileAtomic(filepath.Join(dir, htmlReportFile), b.Bytes())
}

type htmlPage struct {
	*Report
	Sim         *Simulation
	Kind        string
	Generated   string
	Placements  []placementChart
	Refusals    []refusalRow
	RejectLines []rejectLine
	RejectCount int
	// RejectStages is the rejects by stage, "read 2, render 0, …".
	RejectStages string
}

type placementChart struct {
	ScopeCounts
	Chart    chart
	Variants *ScopeVariants
}

type refusalRow struct {
	Offer string
	N     int
}

// chart is a horizontal bar chart, laid out here so that the template only
// places what it is given.
type chart struct {
	Width, Height int
	Bars          []bar
	Label         string // what the chart shows, for screen readers
}

type bar struct {
	Label, Kind, Value string
	Y, Width, TextX    int
}

// Geometry of a chart, in CSS pixels.
const (
	chartWidth = 720
	labelWidth = 230
	barArea    = 380
	rowHeight  = 24
	barHeight  = 16
)

// barChart charts one scope: a bar per offer (most shown first), per
// fallback, and for the recipients shown nothing, each as a share of the
// recipients decided.
func barChart(sc ScopeCounts, decided int) chart {
	type row struct {
		label, kind string
		n           int
	}
	var rows []row
	for id, n := range sc.Offers {
		rows = append(rows, row{id, "offer", n})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.label, b.label)) })
	var fallbacks []row
	for id, n := range sc.Fallbacks {
		fallbacks = append(fallbacks, row{"fallback " + id, "fallback", n})
	}
	slices.SortFunc(fallbacks, func(a, b row) int { return cmp.Compare(a.label, b.label) })
	rows = append(rows, fallbacks...)
	rows = append(rows, row{"nothing shown", "empty", sc.Empty})
	c := chart{Width: chartWidth, Height: len(rows)*rowHeight + 8,
		Label: fmt.Sprintf("%s · %s: offers, fallbacks and empty slots of %d recipients", sc.Activity, sc.Placement, decided)}
	for i, r := range rows {
		w, pct := 0, 0.0
		if decided > 0 {
			pct = 100 * float64(r.n) / float64(decided)
			w = int(float64(barArea) * min(1, float64(r.n)/float64(decided)))
		}
		if r.n > 0 && w < 2 {
			w = 2
		}
		c.Bars = append(c.Bars, bar{Label: r.label, Kind: r.kind, Value: fmt.Sprintf("%d (%.1f%%)", r.n, pct),
			Y: 4 + i*rowHeight, Width: w, TextX: labelWidth + w + 6})
	}
	return c
}

// WriteJSON writes v to path as report.json is written: indented, through
// a temporary file renamed over path. A simulation writes its own
// report.json with it.
func WriteJSON(path string, v any) error { return writeJSONFile(path, v) }

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
}).Parse(reportTemplate))
