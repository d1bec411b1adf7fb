package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
)

const (
	library  = "../../templates/library"
	profiles = "../../testdata/profiles"
)

// offersTemplate fills the winter sale's hero and sidebar; the first line
// of its body is what tests change by one character.
const offersTemplate = `---
subject: "Hi {{profile.firstName}}"
from: Northwind <news@northwind.example>
unsubscribe: https://northwind.example/u?id={{urlencode recipient.id}}
---
<h1>Hello {{profile.firstName}}</h1>
{{offer "winter-sale" placement="hero"}}
{{#offer "winter-sale" placement="sidebar"}}<p>{{content}}</p>{{/offer}}
`

// datedTemplate renders for a profile without a city and fails for one
// whose city is not a date.
const datedTemplate = "---\nfrom: news@northwind.example\n---\n<p>{{formatDate profile.city}}</p>\n"

// unsentTemplate has no from:, so its MIME comes from render.DefaultFrom.
const unsentTemplate = "<p>Hi {{profile.firstName}}</p>\n"

type fixture struct {
	dir      string // templates
	project  *campaign.Project
	profiles []Profile
	opts     campaign.Options
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "offers.hbs"), offersTemplate)
	write(t, filepath.Join(dir, "dated.hbs"), datedTemplate)
	write(t, filepath.Join(dir, "unsent.hbs"), unsentTemplate)
	p, err := campaign.Load(library)
	if err != nil {
		t.Fatal(err)
	}
	all, err := ReadProfiles(profiles)
	if err != nil {
		t.Fatal(err)
	}
	var some []Profile
	for _, pr := range all {
		switch pr.Name {
		case "maya-gold-runner", "sam-new-customer", "script-injection":
			some = append(some, pr)
		}
	}
	return &fixture{dir: dir, project: p, profiles: some, opts: campaign.Options{
		Campaign: render.Campaign{ID: "preview", Name: "preview"},
		Now:      time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
	}}
}

func (f *fixture) build(t *testing.T) []File {
	t.Helper()
	set, err := f.project.LoadTemplates(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := Build(context.Background(), f.project, set, f.profiles, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contents(files []File) map[string]string {
	m := map[string]string{}
	for _, f := range files {
		m[f.Path] = string(f.Data)
	}
	return m
}

func TestBuildFiles(t *testing.T) {
	f := newFixture(t)
	files := f.build(t)
	var paths []string
	for _, file := range files {
		paths = append(paths, file.Path)
	}
	want := []string{
		"dated.hbs/maya-gold-runner.decisions.json",
		"dated.hbs/maya-gold-runner.error",
		"dated.hbs/sam-new-customer.decisions.json",
		"dated.hbs/sam-new-customer.eml",
		"dated.hbs/sam-new-customer.html",
		"dated.hbs/sam-new-customer.txt",
		"dated.hbs/script-injection.decisions.json",
		"dated.hbs/script-injection.error",
	}
	for _, p := range []string{"maya-gold-runner", "sam-new-customer", "script-injection"} {
		for _, ext := range []string{ExtDecisions, ExtEML, ExtHTML, ExtText} {
			want = append(want, "offers.hbs/"+p+ext)
		}
		for _, ext := range []string{ExtDecisions, ExtEML, ExtHTML, ExtText} {
			want = append(want, "unsent.hbs/"+p+ext)
		}
	}
	slices.Sort(want)
	if !slices.Equal(paths, want) {
		t.Fatalf("Build paths =\n%s\nwant\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

func TestBuildContent(t *testing.T) {
	f := newFixture(t)
	got := contents(f.build(t))
	tests := []struct {
		path string
		want []string
		not  []string
	}{
		// Gold members get their perk in the hero (group 1); wine tasting
		// was eligible too but the only slot was taken.
		{"offers.hbs/maya-gold-runner.html", []string{"<h1>Hello Maya</h1>", "Double points all December, Maya"}, nil},
		{"offers.hbs/maya-gold-runner.decisions.json", []string{`"id": "gold-double-points"`, `"offer": "wine-tasting"`, `"outcome": "eligible"`}, nil},
		{"offers.hbs/sam-new-customer.txt", []string{"Welcome to Northwind, Sam!"}, nil},
		{"offers.hbs/sam-new-customer.eml", []string{"Date: <normalized>\n", "Message-ID: <normalized@northwind.example>\n", "boundary=BOUNDARY-1\n", "--BOUNDARY-1--\n", "Subject: Hi Sam\n"}, []string{"\r"}},
		{"offers.hbs/script-injection.html", []string{`<h1>Hello &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;</h1>`}, []string{"<script>"}},
		// The error names the template relative to its directory, so the
		// golden file is the same in every checkout.
		{"dated.hbs/maya-gold-runner.error", []string{"dated.hbs:4:6: formatDate: \"Portland\" is not"}, []string{f.dir}},
		{"dated.hbs/sam-new-customer.decisions.json", []string{`"propositions": []`}, nil},
		{"unsent.hbs/sam-new-customer.eml", []string{"noreply@offermail.invalid>", "Message-ID: <normalized@offermail.invalid>\n"}, nil},
		{"unsent.hbs/sam-new-customer.html", []string{"<p>Hi Sam</p>"}, nil},
	}
	for _, tt := range tests {
		data, ok := got[tt.path]
		if !ok {
			t.Errorf("Build made no %s", tt.path)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(data, w) {
				t.Errorf("%s lacks %q:\n%s", tt.path, w, data)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(data, n) {
				t.Errorf("%s holds %q:\n%s", tt.path, n, data)
			}
		}
		if !strings.HasSuffix(data, "\n") {
			t.Errorf("%s does not end with a line break", tt.path)
		}
	}
}

func TestBuildIsStable(t *testing.T) {
	f := newFixture(t)
	a, b := f.build(t), f.build(t)
	if diffs := diffFiles(a, b); len(diffs) > 0 {
		t.Errorf("two builds differ in %v", diffs)
	}
}

func diffFiles(a, b []File) []string {
	ma, mb := contents(a), contents(b)
	var out []string
	for p, d := range ma {
		if mb[p] != d {
			out = append(out, p)
		}
	}
	for p := range mb {
		if _, ok := ma[p]; !ok {
			out = append(out, p)
		}
	}
	return out
}

func TestBuildCancelled(t *testing.T) {
	f := newFixture(t)
	set, err := f.project.LoadTemplates(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, f.project, set, f.profiles, f.opts); err != context.Canceled {
		t.Errorf("Build(cancelled) error = %v, want %v", err, context.Canceled)
	}
}
