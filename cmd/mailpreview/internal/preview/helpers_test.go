package preview

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// root is the repository, for the sample library and profiles.
const root = "../../../.."

// testAt is the decision time of the project's own snapshots.
var testAt = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// The templates the tests own, so that they do not depend on the wording
// of the sample templates. offers.hbs line 7 holds the hero placeholder.
const (
	offersTemplate = `---
subject: "Hi {{profile.firstName}}"
from: Northwind <news@northwind.example>
layout: base
---
<h1 id="greeting">Hello {{profile.firstName}}</h1>
{{offer "winter-sale" placement="hero"}}
{{> footer}}
`
	footerPartial = `<p class="footer">Sent to {{profile.nickname}} in {{profile.city}}</p>
`
	baseLayout = `<html><head><style>h1 { color: #123456; }</style></head><body>{{{body}}}</body></html>
`
	plainTemplate = `---
from: news@northwind.example
---
<p>No offers here, {{profile.firstName}}.</p>
`
)

// project is a copy of the sample library and profiles with the tests'
// templates, in a temporary directory the tests may edit.
type project struct {
	dir, templates, library, profiles string
}

func newProject(t *testing.T) *project {
	t.Helper()
	dir := t.TempDir()
	p := &project{
		dir:       dir,
		templates: filepath.Join(dir, "templates"),
		library:   filepath.Join(dir, "templates", "library"),
		profiles:  filepath.Join(dir, "profiles"),
	}
	copyTree(t, filepath.Join(root, "templates", "library"), p.library)
	copyTree(t, filepath.Join(root, "testdata", "profiles"), p.profiles)
	p.write(t, "templates/offers.hbs", offersTemplate)
	p.write(t, "templates/plain.hbs", plainTemplate)
	p.write(t, "templates/partials/footer.hbs", footerPartial)
	p.write(t, "templates/layouts/base.hbs", baseLayout)
	return p
}

func (p *project) config() Config {
	return Config{Templates: p.templates, Library: p.library, Profiles: p.profiles, At: testAt, Debounce: 50 * time.Millisecond}
}

// write writes a file below the project directory (slash path).
func (p *project) write(t *testing.T, rel, content string) {
	t.Helper()
	path := filepath.Join(p.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// start serves a project with httptest; the server and its event streams
// close with the test.
func start(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() }) // runs first: ends the event streams
	return srv, ts
}

// renderReply is the part of a render answer the tests read.
type renderReply struct {
	Version   int
	Stale     bool
	Rendered  bool
	Subject   string
	HTML      string
	Frame     string
	Text      string
	EML       string
	At        string
	Decisions *struct {
		Propositions []struct {
			Activity, Placement string
			Offers              []struct {
				ID    string
				Score float64
				Rank  int
			}
			Fallback *struct{ ID string }
			Trace    []struct {
				Offer, Outcome, Step, Reason string
				Counter, Limit               *int64
			}
		}
	}
	Missing []struct {
		Field, File string
		Line, Col   int
	}
	Problems []Problem
}

func postRender(t *testing.T, ts *httptest.Server, req renderRequest) (int, renderReply) {
	t.Helper()
	body, _ := json.Marshal(req)
	res, err := http.Post(ts.URL+"/api/render", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r renderReply
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("POST /api/render: %v\n%s", err, data)
		}
	}
	return res.StatusCode, r
}

// mustRender renders a template for a profile and fails unless it
// rendered.
func mustRender(t *testing.T, ts *httptest.Server, tpl, profile string) renderReply {
	t.Helper()
	code, r := postRender(t, ts, renderRequest{Template: tpl, Profile: profile})
	if code != http.StatusOK || !r.Rendered {
		t.Fatalf("render %s for %s = %d, rendered %v, problems %+v", tpl, profile, code, r.Rendered, r.Problems)
	}
	return r
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func problemText(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.At() + ": " + p.Message + "\n" + p.Source + "\n" + p.Caret + "\n")
	}
	return b.String()
}
