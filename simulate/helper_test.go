package simulate

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// capLibrary has one offer with a total cap of 2 (scarce, first by
// priority) and one without caps (plenty). The hero shows one offer of
// both; the side shows scarce only, or the fallback: scarce never shows
// twice in one message (§4.3), and after its 2 it is capped.
const capLibrary = `placements:
  - {id: hero, content: html}
  - {id: side, content: text}
offers:
  - id: scarce
    priority: 10
    caps: [{scope: total, limit: 2}]
    content:
      hero: {html: '<b>Scarce</b> for {{profile.name}}'}
      side: {text: 'Scarce'}
  - id: plenty
    priority: 1
    content: {hero: {html: '<i>Plenty</i>'}, side: {text: 'Plenty'}}
collections:
  - {id: both, offers: [scarce, plenty]}
  - {id: rare, offers: [scarce]}
fallbacks:
  - id: fb
    content: {hero: {html: F}, side: {text: 'Fallback'}}
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: both}]}
      side: {criteria: [{collection: rare}]}
`

const capTemplate = `---
subject: 'Hi {{profile.name}}'
from: 'Shop <news@shop.example>'
---
<p>Hello {{profile.name}}</p>
<div>{{offer "act" placement="hero"}}</div>
<p>{{offer "act" placement="side"}}</p>
`

var decisionAt = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// fixture is the cap library, its template and n recipients on disk.
type fixture struct {
	dir, library, template, recipients string
	project                            *campaign.Project
	tpl                                *render.Template
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.library = filepath.Join(f.dir, "library")
	f.template = filepath.Join(f.dir, "offer.hbs")
	f.recipients = filepath.Join(f.dir, "recipients.ndjson")
	write(t, filepath.Join(f.library, "lib.yaml"), capLibrary)
	write(t, f.template, capTemplate)
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"r%03d","email":"r%03d@shop.example","profile":{"name":"R%d"}}`+"\n", i, i, i)
	}
	write(t, f.recipients, b.String())
	var err error
	if f.project, err = campaign.Load(f.library); err != nil {
		t.Fatalf("load the library: %v", err)
	}
	if f.tpl, err = f.project.LoadTemplate(f.template); err != nil {
		t.Fatalf("load %s: %v", f.template, err)
	}
	return f
}

// config is a simulation of the fixture into out.
func (f *fixture) config(t *testing.T, out string) Config {
	t.Helper()
	src, closer, err := recipients.Open(f.recipients)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	return Config{
		Project: f.project, Template: f.tpl, Campaign: render.Campaign{ID: "sim-test"}, At: decisionAt,
		Source: src, Dir: out, Workers: 4,
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

// reportJSON reads OUT/report.json as a reader of the file would.
type reportJSON struct {
	Simulated  bool `json:"simulated"`
	Rendered   int  `json:"rendered"`
	Recipients struct {
		Total, Decided, Written, Sent, Rejected int
	} `json:"recipients"`
	Placements []struct {
		Activity  string         `json:"activity"`
		Placement string         `json:"placement"`
		Offers    map[string]int `json:"offers"`
		Fallbacks map[string]int `json:"fallbacks"`
		Empty     int            `json:"empty"`
	} `json:"placements"`
	CapRefusals map[string]int `json:"cap_refusals"`
	Variants    []struct {
		Placement string `json:"placement"`
		Count     int    `json:"count"`
		Variants  []struct {
			Offers     []string `json:"offers"`
			Fallback   string   `json:"fallback"`
			Recipients int      `json:"recipients"`
			Example    string   `json:"example"`
			Excerpt    string   `json:"excerpt"`
		} `json:"variants"`
	} `json:"variants"`
}

func readReport(t *testing.T, out string) reportJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return r
}
