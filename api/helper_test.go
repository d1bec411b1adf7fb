package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
)

// testLibrary is a small library with every content type, a total cap of
// 100, a per-recipient cap of 1 and a fallback.
const testLibrary = `placements:
  - {id: hero, content: html}
  - {id: side, content: text}
  - {id: banner, content: image}
  - {id: app, content: json}
offers:
  - id: scarce
    name: Scarce & rare
    priority: 10
    caps: [{scope: total, limit: 100}]
    content:
      hero: {html: '<b>{{profile.name}}</b> {{name}}', link: 'https://x.example/s?u={{recipient.id}}'}
      side: {text: 'Scarce for {{profile.name}}'}
      banner: {image: 'https://cdn.example/s.png', alt: 'Scarce for {{profile.name}}', link: 'https://x.example/s'}
      app: {json: {sku: S1, pct: 0.2}}
  - id: once
    priority: 5
    caps: [{scope: profile, limit: 1}]
    content: {hero: {html: O}, side: {text: O}}
  - id: plenty
    priority: 1
    content: {hero: {html: P}, side: {text: P}, app: {json: [1, 2]}}
collections:
  - {id: all, offers: [scarce, once, plenty]}
fallbacks:
  - id: fb
    content:
      hero: {html: F}
      side: {text: F}
      banner: {image: 'https://cdn.example/f.png', alt: F}
      app: {json: {none: true}}
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
      side: {items: 2, criteria: [{collection: all}]}
      banner: {criteria: [{collection: all}]}
      app: {criteria: [{collection: all}]}
`

const testTemplate = `---
subject: 'Hi {{profile.name}}'
from: 'Shop <news@shop.example>'
---
<p>Hello {{profile.name}}</p>
<div>{{offer "act" placement="hero"}}</div>
`

// testAt is the decision time the tests give.
var testAt = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// project writes the test library and a templates directory and returns
// their paths.
func project(t testing.TB) (library, templates string) {
	t.Helper()
	dir := t.TempDir()
	library, templates = filepath.Join(dir, "library"), filepath.Join(dir, "templates")
	os.MkdirAll(library, 0o755)
	os.MkdirAll(templates, 0o755)
	write(t, filepath.Join(library, "lib.yaml"), testLibrary)
	write(t, filepath.Join(templates, "mail.hbs"), testTemplate)
	return library, templates
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clock is a service clock the test sets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fixture is a service under test, served over real HTTP.
type fixture struct {
	svc   *Service
	srv   *httptest.Server
	store decide.Store
	clock *clock
	cfg   Config
}

// start serves the test project with the store at url ("" is a bolt file
// of the test's own).
func start(t testing.TB, url string, edit func(*Config)) *fixture {
	t.Helper()
	library, templates := project(t)
	if url == "" {
		url = "bolt:" + filepath.Join(t.TempDir(), "state.db")
	}
	store, err := capstore.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c := &clock{t: testAt}
	cfg := Config{Library: library, Templates: templates, Store: store, Now: c.Now}
	if edit != nil {
		edit(&cfg)
	}
	return serve(t, cfg, c)
}

func serve(t testing.TB, cfg Config, c *clock) *fixture {
	t.Helper()
	svc, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	return &fixture{svc: svc, srv: srv, store: cfg.Store, clock: c, cfg: cfg}
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body.
func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", a.status, err, a.body)
	}
	return v
}

// errorOf returns the error member's code and field.
func (a answer) errorOf(t testing.TB) (code, field string) {
	t.Helper()
	e, _ := a.json(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("answer %d has no error member: %s", a.status, a.body)
	}
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return code, field
}

func (f *fixture) do(t testing.TB, method, path, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

func (f *fixture) post(t testing.TB, path, body string, header ...string) answer {
	t.Helper()
	return f.do(t, http.MethodPost, path, body, header...)
}

// counter reads one counter of the store.
func (f *fixture) counter(t testing.TB, key string) int64 {
	t.Helper()
	v, err := f.store.Counts(context.Background(), []string{key})
	if err != nil {
		t.Fatal(err)
	}
	return v[0]
}

// Counter keys of the test library at testAt.
const (
	scarceKey = "cap|scarce|total|all|*|*"
)

func onceKey(recipient string) string { return "cap|once|profile|all|*|" + recipient }

// decisionsBody is a request for every placement of act.
func decisionsBody(recipient string, extra string) string {
	var b bytes.Buffer
	b.WriteString(`{"recipient": {"id": "` + recipient + `", "profile": {"name": "Ana <3"}}, "propositionRequests": [` +
		`{"activity": "act", "placement": "hero"}, {"activity": "act", "placement": "side"},` +
		`{"activity": "act", "placement": "banner"}, {"activity": "act", "placement": "app"}], "at": "2026-12-02T09:00:00Z"`)
	b.WriteString(extra)
	b.WriteString("}")
	return b.String()
}

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the tests that stop Redis on
	// purpose would bury their output under them.
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
