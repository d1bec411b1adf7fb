package decide

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

const basePlacements = `placements:
  - {id: hero, content: html}
  - {id: side, content: text}
`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files []string // name, content pairs
		want  []string // each error: "file:line:col: " and a part of the message
	}{
		{"unknown placement in content", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    content:
      hreo: {html: x}
`}, []string{`lib/offers.yaml:4:7: offer "a" has content for unknown placement "hreo" (did you mean "hero"?)`}},
		{"bad model windows", []string{"lib/p.yaml", basePlacements, "lib/models.yaml", `models:
  - {id: ctr, window: 30}
  - {id: ctr2, window: 30x}
  - {id: ctr3, window: 0d}
  - {id: ctr4, window: 400d}
  - {id: ctr5, widow: 30d}
  - {id: ctr, window: 7d}
`}, []string{
			`lib/models.yaml:2:23: window "30" is not a window: write a number of days such as 30d`,
			`lib/models.yaml:3:24: window "30x" is not a window: write a number of days such as 30d`,
			`lib/models.yaml:4:24: window "0d" must be between 1d and 366d`,
			`lib/models.yaml:5:24: window "400d" must be between 1d and 366d`,
			`lib/models.yaml:6:16: model: unknown field "widow"`,
			`lib/models.yaml:7:5: model "ctr" is already defined at lib/models.yaml:2:5`,
		}},
		{"unknown rule", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    eligibility: gld
    content: {hero: {html: x}}
`}, []string{`lib/offers.yaml:3:18: offer "a": unknown rule "gld"`}},
		{"bad status", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    status: aproved
    content: {hero: {html: x}}
`}, []string{`lib/offers.yaml:3:13: status "aproved" is not valid: use draft, approved or archived`}},
		{"bad date", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    start: 2026-13-01T00:00:00Z
    content: {hero: {html: x}}
`}, []string{`lib/offers.yaml:3:12: start "2026-13-01T00:00:00Z" is not an RFC 3339 time`}},
		{"end before start", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    start: 2026-06-01T00:00:00Z
    end: 2026-05-01T00:00:00Z
    content: {hero: {html: x}}
`}, []string{`lib/offers.yaml:4:10: end 2026-05-01T00:00:00Z must be after start`}},
		{"expression syntax error", []string{"lib/p.yaml", basePlacements, "lib/rules.yaml", `rules:
  - id: adult
    when: 'profile.age >=> 18'
`}, []string{`lib/rules.yaml:3:26: unexpected token Operator(">")`}},
		{"expression in a literal block", []string{"lib/p.yaml", basePlacements, "lib/rules.yaml", `rules:
  - id: adult
    when: |
      profile.age >= 18 &&
      profile.tier == == "gold"
`}, []string{`lib/rules.yaml:5:23: unexpected token Operator("==")`}},
		{"formula type error", []string{"lib/p.yaml", basePlacements, "lib/formulas.yaml", `formulas:
  - id: f
    score: 'offer.name * 2'
`}, []string{`lib/formulas.yaml:3:24: invalid operation: * (mismatched types string and int)`}},
		{"formula that is not a number", []string{"lib/p.yaml", basePlacements, "lib/formulas.yaml", `formulas:
  - id: f
    score: 'offer.name'
`}, []string{`lib/formulas.yaml:3:13: a formula must give a number`}},
		{"rule reading the offer", []string{"lib/p.yaml", basePlacements, "lib/rules.yaml", `rules:
  - {id: r, when: 'offer.priority > 3'}
`}, []string{`lib/rules.yaml:2:20: offer is not available in rules`}},
		{"content type mismatch", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    content:
      hero: {text: x}
`}, []string{`lib/offers.yaml:4:14: placement "hero" takes html content (html or link), so "text" does not belong here`}},
		{"unknown field with suggestion", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    prority: 5
    content: {hero: {html: x}}
`}, []string{`lib/offers.yaml:3:5: offer: unknown field "prority" (did you mean "priority"?)`}},
		{"duplicate id across files", []string{"lib/a.yaml", basePlacements, "lib/b.yaml", `placements:
  - {id: hero, content: text}
`}, []string{`lib/b.yaml:2:5: placement "hero" is already defined at lib/a.yaml:2:5`}},
		{"invalid id", []string{"lib/p.yaml", `placements:
  - {id: "my hero", content: html}
`}, []string{`lib/p.yaml:2:10: placement id "my hero" is not a valid id`}},
		{"items out of range", []string{"lib/p.yaml", `placements:
  - {id: hero, content: html, items: 31}
`}, []string{`lib/p.yaml:2:38: items must be between 1 and 30, not 31`}},
		{"eligibility and when", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    eligibility: x
    when: 'true'
    content: {hero: {html: x}}
`}, []string{`lib/offers.yaml:4:5: offer "a" has both eligibility and when`}},
		{"yaml syntax error", []string{"lib/p.yaml", "placements:\n  - {id: hero, content: html\n  - x\n"}, []string{`lib/p.yaml:2:1: invalid YAML`}},
		{"fallback without content for a used placement", []string{"lib/p.yaml", basePlacements, "lib/x.yaml", `offers:
  - {id: a, content: {hero: {html: x}}}
fallbacks:
  - {id: fb, content: {hero: {html: f}}}
collections:
  - {id: c, offers: [a]}
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: c}]}
      side: {criteria: [{collection: c}]}
`}, []string{`lib/x.yaml:9:15: fallback "fb" has no content for placement "side", which activity "act" uses`}},
		{"activity references", []string{"lib/p.yaml", basePlacements, "lib/x.yaml", `offers:
  - {id: a, content: {hero: {html: x}}}
collections:
  - {id: c, offers: [a, b]}
activities:
  - id: act
    fallback: a
    placements:
      hero:
        criteria:
          - {collection: cc, rank: 'formula:nope'}
          - {collection: c, rank: 'best'}
      footer: {criteria: [{collection: c}]}
`}, []string{
			`lib/x.yaml:4:25: collection "c": unknown offer "b"`,
			`lib/x.yaml:7:15: activity "act": unknown fallback "a" (it is an offer; list fallbacks under fallbacks:)`,
			`lib/x.yaml:11:26: activity "act": unknown collection "cc" (did you mean "c"?)`,
			`lib/x.yaml:11:36: activity "act": unknown formula "nope"`,
			`lib/x.yaml:12:35: rank "best" is not valid: use priority, formula:<id> or model:<id>`,
			`lib/x.yaml:13:7: activity "act" uses unknown placement "footer"`,
		}},
		{"collection needs exactly one source", []string{"lib/p.yaml", basePlacements, "lib/x.yaml", `collections:
  - {id: c, offers: [], anyTags: [x]}
`}, []string{`lib/x.yaml:2:5: collection "c" needs exactly one of offers, anyTags or allTags`}},
		{"cap checks", []string{"lib/p.yaml", basePlacements, "lib/offers.yaml", `offers:
  - id: a
    caps:
      - {scope: everyone, limit: 0, every: year}
    content: {hero: {html: x}}
`}, []string{
			`lib/offers.yaml:4:17: cap scope "everyone" is not valid: use profile or total`,
			`lib/offers.yaml:4:34: cap limit must be at least 1, not 0`,
			`lib/offers.yaml:4:44: cap window (every) "year" is not valid: use day, week or month`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []File
			for i := 0; i+1 < len(tt.files); i += 2 {
				files = append(files, File{Name: tt.files[i], Data: []byte(tt.files[i+1])})
			}
			_, err := LoadFiles(files)
			var list diag.List
			if !errors.As(err, &list) {
				t.Fatalf("LoadFiles error = %v, want a diag.List", err)
			}
			if len(list) != len(tt.want) {
				t.Fatalf("LoadFiles gave %d errors, want %d:\n%v", len(list), len(tt.want), err)
			}
			for i, want := range tt.want {
				if got := list[i].Error(); !strings.HasPrefix(got, want) {
					t.Errorf("error %d = %q, want it to start with %q", i, got, want)
				}
			}
		})
	}
}

// TestLoadErrorCaret: an expression error shows the line with a caret
// under the column.
func TestLoadErrorCaret(t *testing.T) {
	_, err := LoadFiles([]File{{Name: "lib/rules.yaml", Data: []byte("rules:\n  - id: adult\n    when: 'profile.age >=> 18'\n")}})
	var e *diag.Error
	if !errors.As(err, &e) {
		t.Fatalf("LoadFiles error = %v, want a *diag.Error", err)
	}
	want := "    when: 'profile.age >=> 18'\n                         ^"
	if got := e.Snippet(); got != want || e.Code != diag.Expression {
		t.Errorf("Snippet() =\n%s\nwant\n%s\n(code %v, want expression)", got, want, e.Code)
	}
}

// TestLoadAllErrorsAtOnce: errors in several files all come back, sorted.
func TestLoadAllErrorsAtOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "offers:\n  - {id: a, status: nope, content: {hero: {html: x}}}\n")
	write("a.yml", "placements:\n  - {id: hero, content: htm}\n")
	write("c.json", `{"rules": [{"id": "r", "when": "profile.x >"}]}`)
	write("notes.txt", "not a library file")
	// assets/ holds images for previews; a JSON file there is not read.
	if err := os.MkdirAll(filepath.Join(dir, AssetsDir, "cdn.example"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(AssetsDir, "cdn.example", "manifest.json"), `{"not": "a library"}`)
	_, err := Load(dir)
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("Load error = %v, want a diag.List", err)
	}
	var files []string
	for _, e := range list {
		files = append(files, filepath.Base(e.File))
	}
	if got, want := strings.Join(files, " "), "a.yml b.yaml c.json"; got != want {
		t.Errorf("errors in files %q, want %q:\n%v", got, want, err)
	}
}

func TestLoadSampleLibrary(t *testing.T) {
	lib, err := Load("../templates/library")
	if err != nil {
		t.Fatalf("Load(sample library): %v", err)
	}
	if n := len(lib.OfferIDs()); n < 12 {
		t.Errorf("sample library has %d offers, want at least 12", n)
	}
	for _, id := range []string{"hero", "sidebar", "banner"} {
		if lib.Placement(id) == nil {
			t.Errorf("sample library lacks placement %q", id)
		}
	}
	if n := len(lib.ActivityIDs()); n < 2 {
		t.Errorf("sample library has %d activities, want at least 2", n)
	}
}

// TestLoadCommentOnlyFile: a file emptied down to comments (as while
// editing) is an empty file, not an error.
func TestLoadCommentOnlyFile(t *testing.T) {
	_, err := LoadFiles([]File{{Name: "lib/p.yaml", Data: []byte(basePlacements)}, {Name: "lib/notes.yaml", Data: []byte("# nothing here yet\n")}})
	if err != nil {
		t.Fatalf("LoadFiles with a comment-only file: %v", err)
	}
}

func TestLoadMissingDirectory(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("Load(missing dir) = nil error")
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no") {
		t.Fatalf("Load(empty dir) error = %v, want one saying it holds no library files", err)
	}
}
