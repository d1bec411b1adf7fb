package adobe

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

func writeExport(t *testing.T, files map[string]string) (dir string, names []string) {
	t.Helper()
	dir = t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, path)
	}
	return dir, names
}

// A small export in the current API's shape: plain keys, results[], ids
// without the xcore: prefix, kinds told by "schemas".
const currentAPI = `{"results": [
 {"schemas": ["https://ns.adobe.com/experience/offer-management/offer-placement;version=0.4"],
  "id": "offerPlacement1", "name": "Web banner", "componentType": "html",
  "channel": "https://ns.adobe.com/xdm/channel-types/web", "itemCount": 2, "allowDuplicatePlacements": true},
 {"schemas": ["https://ns.adobe.com/experience/offer-management/eligibility-rule;version=0.3"],
  "id": "offerRule1", "name": "Adults", "condition": {"type": "PQL", "format": "pql/text", "value": "person.age >= 18"}},
 {"schemas": ["https://ns.adobe.com/experience/offer-management/personalized-offer;version=0.15"],
  "id": "personalizedOffer1", "name": "Same name", "status": "approved",
  "representations": [{"channel": "https://ns.adobe.com/xdm/channel-types/web", "placement": "offerPlacement1",
    "components": [{"type": "html", "format": "text/html", "language": ["en-us"], "content": "<b>One</b>"}]}],
  "selectionConstraint": {"startDate": "2026-01-01T00:00:00.000+00:00", "endDate": "2027-01-01T00:00:00.000+00:00",
    "profileConstraintType": "eligibilityRule", "eligibilityRule": "offerRule1"},
  "rank": {"priority": 3}, "cappingConstraint": {},
  "frequencyCappingConstraints": [{"enabled": true, "limit": 2, "scope": "global", "entity": "offer",
    "repeat": {"enabled": true, "unit": "month", "unitCount": 1}}]},
 {"schemas": ["https://ns.adobe.com/experience/offer-management/personalized-offer;version=0.15"],
  "id": "personalizedOffer2", "name": "Same  name!", "status": "approved",
  "representations": [{"placement": "offerPlacement1", "components": [{"type": "html", "content": "<b>Two</b>"}]}]},
 {"schemas": ["https://ns.adobe.com/experience/offer-management/fallback-offer;version=0.8"],
  "id": "fallbackOffer1", "name": "Default", "status": "draft",
  "representations": [{"placement": "offerPlacement1", "components": [{"type": "html", "content": "<i>default</i>"}]}]},
 {"schemas": ["https://ns.adobe.com/experience/offer-management/offer-filter;version=0.4"],
  "id": "offerCollection1", "name": "All", "filterType": "offers", "ids": ["personalizedOffer1", "personalizedOffer2"]},
 {"schemas": ["https://ns.adobe.com/experience/offer-management/offer-activity;version=0.5"],
  "id": "decision1", "name": "Web decision", "status": "live", "fallback": "fallbackOffer1",
  "criteria": [{"placements": ["offerPlacement1"], "optionSelection": {"filter": "offerCollection1"},
    "rank": {"order": {"orderEvaluationType": "rankingStrategy", "rankingStrategy": "rankingStrategy1"}}}]}
]}`

func TestImportCurrentAPI(t *testing.T) {
	dir, files := writeExport(t, map[string]string{"all.json": currentAPI})
	out := filepath.Join(dir, "lib")
	r, err := Import(files, out)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	offers, _ := os.ReadFile(filepath.Join(out, "offers.yaml"))
	for _, want := range []string{
		"id: same-name\n", "id: same-name-2\n", "adobeId: personalizedOffer2", "eligibility: adults",
		`start: "2026-01-01T00:00:00Z"`, "{scope: total, limit: 2, every: month}", "priority: 3",
	} {
		if !strings.Contains(string(offers), want) {
			t.Errorf("offers.yaml lacks %q:\n%s", want, offers)
		}
	}
	acts, _ := os.ReadFile(filepath.Join(out, "activities.yaml"))
	for _, want := range []string{"allowDuplicates: true", "rank: 'model:adobe-rankingstrategy1'"} {
		if !strings.Contains(string(acts), want) {
			t.Errorf("activities.yaml lacks %q:\n%s", want, acts)
		}
	}
	if len(r.Renamed) != 1 || r.Renamed[0].ID != "same-name-2" || r.Renamed[0].Wanted != "same-name" {
		t.Errorf("Renamed = %+v, want same-name-2 for same-name", r.Renamed)
	}
	// The report on disk is the one returned, with paths by kind.
	data, err := os.ReadFile(filepath.Join(out, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	var disk Report
	if err := json.Unmarshal(data, &disk); err != nil {
		t.Fatal(err)
	}
	if !disk.Check.OK || disk.Read[kOffer] != 2 || disk.Written["offers"] != 2 {
		t.Errorf("report: check %+v, read %v, written %v", disk.Check, disk.Read, disk.Written)
	}
	var paths []string
	for _, it := range disk.Approximated {
		paths = append(paths, it.Path)
	}
	joined := strings.Join(paths, " ")
	for _, want := range []string{"fallbackOffers[0].status", "decisions[0].criteria[0].rank.order.rankingStrategy"} {
		if !strings.Contains(joined, want) {
			t.Errorf("approximated paths %v lack %s", paths, want)
		}
	}
	if len(disk.Translated) != 1 || disk.Translated[0].Path != "decisionRules[0].condition.value" || disk.Translated[0].Expression != "profile.person.age >= 18" {
		t.Errorf("translated = %+v", disk.Translated)
	}
}

// TestImportErrors: bad input is an error at file:line:col with the JSON
// path, and nothing is written.
func TestImportErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"syntax", "[\n  {\"@id\": \"xcore:tag:1\",\n   \"xdm:name\": \"A\",}\n]", "x.json:3:19: [0]: invalid JSON"},
		{"truncated", `{"results": [{"id": "a"`, "the file ends in the middle of a JSON value"},
		{"duplicate name", `[{"@id": "xcore:tag:1", "@id": "xcore:tag:2"}]`, `x.json:1:25: [0].@id: invalid JSON: duplicate object member name`},
		{"unknown kind", `[{"@id": "thing-1", "name": "?"}]`, "x.json:1:2: [0]: cannot tell what kind of Adobe object this is"},
		{"no id", `[{"schemas": ["https://ns.adobe.com/experience/offer-management/tag;version=0.1"], "name": "x"}]`, `x.json:1:2: [0]: the object has no "@id"`},
		{"twice", `[{"@id": "xcore:tag:1", "xdm:name": "a"}, {"@id": "xcore:tag:1", "xdm:name": "b"}]`, `x.json:1:43: [1]: tags "xcore:tag:1" appears twice (first at`},
		{"missing reference", `[{"@id": "xcore:personalized-offer:1", "xdm:name": "o", "xdm:status": "approved",
  "xdm:representations": [{"xdm:placement": "xcore:offer-placement:9", "xdm:components": []}]}]`,
			`x.json:2:45: [0].xdm:representations[0].xdm:placement: placement "xcore:offer-placement:9" is not in the export`},
		{"bad date", `[{"@id": "xcore:offer-activity:1", "xdm:name": "d", "xdm:startDate": "yesterday", "xdm:criteria": []}]`,
			`x.json:1:70: [0].xdm:startDate: startDate "yesterday" is not an RFC 3339 date and time`},
		{"bad cap", `[{"@id": "xcore:personalized-offer:1", "xdm:name": "o", "xdm:cappingConstraint": {"xdm:globalCap": 0}, "xdm:representations": []}]`,
			`[0].xdm:cappingConstraint.xdm:globalCap: globalCap must be a whole number from 1 to`},
		{"deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), "JSON nests deeper than 64 levels"},
		{"not a listing", `"offers"`, "an export file holds a listing, an array or an object, not a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := writeExport(t, map[string]string{"x.json": tc.file})
			out := filepath.Join(dir, "lib")
			_, err := Import([]string{filepath.Join(dir, "x.json")}, out)
			var list diag.List
			if !errors.As(err, &list) {
				t.Fatalf("Import = %v, want a diag.List", err)
			}
			if got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""); !strings.Contains(got, tc.want) {
				t.Errorf("Import error\n got %s\nwant %s", got, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s exists after an error", out)
			}
		})
	}
}

// TestImportReplacesEarlierImport: a second import replaces the first
// whole (a file the new export no longer has disappears); a directory
// holding other files is refused and left alone.
func TestImportReplacesEarlierImport(t *testing.T) {
	dir, files := writeExport(t, map[string]string{"all.json": currentAPI})
	out := filepath.Join(dir, "lib")
	if _, err := Import(files, out); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, "stale.yaml")
	if err := os.WriteFile(stale, []byte("placements: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(files, out); err != nil {
		t.Fatalf("second Import: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale.yaml survived the second import")
	}
	if _, err := os.Stat(filepath.Join(out, "offers.yaml")); err != nil {
		t.Errorf("offers.yaml after the second import: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".lib.import-") {
			t.Errorf("temporary directory %s left behind", e.Name())
		}
	}
	foreign := filepath.Join(dir, "mine")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("x"), 0o644)
	if _, err := Import(files, foreign); !errors.Is(err, ErrOutExists) {
		t.Errorf("Import into a foreign directory = %v, want ErrOutExists", err)
	}
}

// TestImportCheckFails: an export whose decision uses a placement its
// fallback has no content for is written, and check's error is reported.
func TestImportCheckFails(t *testing.T) {
	bad := strings.Replace(currentAPI, `"representations": [{"placement": "offerPlacement1", "components": [{"type": "html", "content": "<i>default</i>"}]}]`, `"representations": []`, 1)
	dir, files := writeExport(t, map[string]string{"all.json": bad})
	out := filepath.Join(dir, "lib")
	r, err := Import(files, out)
	if !errors.Is(err, ErrCheck) || r == nil || r.Check.OK {
		t.Fatalf("Import = %v, %+v; want ErrCheck", err, r)
	}
	if len(r.Check.Errors) != 1 || !strings.Contains(r.Check.Errors[0], filepath.Join(out, "activities.yaml")) ||
		!strings.Contains(r.Check.Errors[0], `fallback "default" has no content for placement "web-banner"`) {
		t.Errorf("check errors = %q", r.Check.Errors)
	}
}
