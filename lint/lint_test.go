package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/campaign/snapshot"
	"github.com/offermail/offermail/render"
)

var testAt = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// plantedLibrary has one offer whose content is an image without alt.
const plantedLibrary = `placements:
  - {id: hero, content: html}
fallbacks:
  - id: fb
    content: {hero: {html: '<p>fallback</p>'}}
offers:
  - id: pic
    content:
      hero: {html: '<img src="https://cdn.example/offer.png">'}
collections: [{id: all, offers: [pic]}]
activities:
  - id: act
    fallback: fb
    placements: {hero: {criteria: [{collection: all}]}}
`

// planted has a problem of each kind, each on a line of its own.
const planted = `---
subject: "{{profile.nothing}}"
preheader: ""
from: news@example.com
---
<html><head><style>
.box { display: flex; }
</style></head><body>
<div class="box">Boxed</div>
<img src="https://cdn.example/a.png">
<a href="javascript:alert(1)">Click</a>
<div style="position: absolute; top: 0">Pinned</div>
{{> part}}
{{offer "act" placement="hero"}}
<svg><text>{{profile.words}}</text></svg>
</body></html>
`

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lintPlanted checks the planted template for one recipient.
func lintPlanted(t *testing.T, profile map[string]any) (dir string, got []string) {
	t.Helper()
	dir = t.TempDir()
	write(t, filepath.Join(dir, "library", "lib.yaml"), plantedLibrary)
	write(t, filepath.Join(dir, "templates", "planted.hbs"), planted)
	write(t, filepath.Join(dir, "templates", "partials", "part.hbs"), "<p>From a partial:\n  <img src=\"https://cdn.example/partial.png\" width=\"10\"></p>\n")
	p, err := campaign.Load(filepath.Join(dir, "library"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := p.LoadTemplates(filepath.Join(dir, "templates"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Check(context.Background(), p, set.Lookup("planted.hbs"), "pat", render.Recipient{ID: "u1", Email: "u1@example.com", Profile: profile},
		campaign.Options{Campaign: render.Campaign{ID: "lint"}, Now: testAt})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range ps {
		got = append(got, strings.ReplaceAll(pr.String(), dir+string(filepath.Separator), ""))
	}
	return dir, got
}

// TestPlanted: a planted problem of each kind is found, at the place it
// was written: the front matter line, the declaration in the <style>
// block, the attribute in the template, the partial, the library file of
// the offer content it came from.
func TestPlanted(t *testing.T) {
	words := strings.Repeat("word ", 60)
	_, got := lintPlanted(t, map[string]any{"words": words})
	want := []string{
		`templates/planted.hbs:2:1: error: the subject is empty for profile pat`,
		`templates/planted.hbs:3:1: error: the preheader is empty for profile pat: set preheader: in the front matter (inbox preview text)`,
		`templates/planted.hbs:1:1: warning: no unsubscribe: set unsubscribe: in the front matter (a URL or mailto), so that the message has List-Unsubscribe`,
		`templates/planted.hbs:10:11: error: <img src="https://cdn.example/a.png"> has no alt attribute: add alt text (alt="" for a decorative image)`,
		`templates/partials/part.hbs:2:13: error: <img src="https://cdn.example/partial.png"> has no alt attribute: add alt text (alt="" for a decorative image)`,
		`library/lib.yaml:9:31: error: <img src="https://cdn.example/offer.png"> has no alt attribute: add alt text (alt="" for a decorative image)`,
		`templates/planted.hbs:11:10: error: link "javascript:alert(1)" is not http(s) or mailto`,
		`templates/planted.hbs:7:8: warning: display: flex: Outlook and several webmail clients ignore flexbox and grid; lay out with tables`,
		`templates/planted.hbs:12:13: warning: position: absolute: Gmail and Outlook drop position; lay out with tables`,
		`templates/planted.hbs: warning: the plain-text part has 6 words, the HTML 66, for profile pat: write the text so that it says what the HTML says`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Check =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSize: HTML over 102 KB is an error for the profile whose data makes
// it so, and not for another.
func TestSize(t *testing.T) {
	_, small := lintPlanted(t, map[string]any{"words": "few"})
	_, big := lintPlanted(t, map[string]any{"words": strings.Repeat("x", MaxHTML)})
	has := func(lines []string, s string) bool {
		for _, l := range lines {
			if strings.Contains(l, s) {
				return true
			}
		}
		return false
	}
	if has(small, "Gmail clips") || !has(big, "templates/planted.hbs: error: the HTML is 102.") || !has(big, "KB for profile pat; Gmail clips messages over 102 KB") {
		t.Errorf("size check: small %q, big %q", small, big)
	}
}

// TestSampleTemplates: the sample templates pass for every sample profile;
// only the order confirmation, a transactional email, has no unsubscribe.
func TestSampleTemplates(t *testing.T) {
	p, err := campaign.Load("../templates/library")
	if err != nil {
		t.Fatal(err)
	}
	set, err := p.LoadTemplates("../templates")
	if err != nil {
		t.Fatal(err)
	}
	profs, err := snapshot.ReadProfiles("../testdata/profiles")
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range set.Templates() {
		for _, pr := range profs {
			ps, err := Check(context.Background(), p, tpl, pr.Name, pr.Recipient, campaign.Options{Campaign: render.Campaign{ID: "lint"}, Now: testAt})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ps {
				if tpl.Name() == "order-confirmation.hbs" && x.Code == CodeUnsubscribe {
					continue
				}
				t.Errorf("%s × %s: %s", tpl.Name(), pr.Name, x)
			}
		}
	}
}
