package preview

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestPageAndAssets(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	tests := []struct {
		path, ctype, csp, body string
	}{
		{"/", "text/html; charset=utf-8", pagePolicy, `<iframe id="frame" sandbox="allow-same-origin" `},
		{"/app.js", "text/javascript; charset=utf-8", "sandbox", "new EventSource('/events')"},
		{"/panels.js", "text/javascript; charset=utf-8", "sandbox", "function showTrace("},
		{"/app.css", "text/css; charset=utf-8", "sandbox", ".overlay"},
		{"/api/state", "application/json; charset=utf-8", "sandbox", `"offers.hbs"`},
		{"/api/profile?name=maya-gold-runner", "application/json; charset=utf-8", "sandbox", `u-1001`},
	}
	for _, tt := range tests {
		res, err := http.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want %d", tt.path, res.StatusCode, http.StatusOK)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("GET %s Content-Type = %q, want %q", tt.path, got, tt.ctype)
		}
		if got := res.Header.Get("Content-Security-Policy"); !strings.Contains(got, tt.csp) {
			t.Errorf("GET %s Content-Security-Policy = %q, want it to hold %q", tt.path, got, tt.csp)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s X-Content-Type-Options = %q, want nosniff", tt.path, got)
		}
		if !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s body lacks %q", tt.path, tt.body)
		}
	}
}

// TestPagePolicy: the page runs only its own script: no inline script, no
// eval, no other origin; and the email iframe's sandbox allows nothing but
// being measured by the page (no scripts, forms, popups or navigation).
func TestPagePolicy(t *testing.T) {
	directives := map[string]string{}
	for _, d := range strings.Split(pagePolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{
		"default-src": "'none'", "script-src": "'self'", "connect-src": "'self'",
		"frame-ancestors": "'none'", "base-uri": "'none'", "form-action": "'none'",
	} {
		if got := directives[name]; got != want {
			t.Errorf("page policy %s = %q, want %q", name, got, want)
		}
	}
	page, _ := assets.ReadFile("assets/index.html")
	if !strings.Contains(string(page), `<iframe id="frame" sandbox="allow-same-origin" title=`) || strings.Count(string(page), "allow-") != 1 {
		t.Errorf("the email iframe's sandbox allows more than allow-same-origin")
	}
	app, _ := assets.ReadFile("assets/app.js")
	panels, _ := assets.ReadFile("assets/panels.js")
	js := string(app) + string(panels)
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("the page's scripts use %s; data from templates and profiles must go in as text", bad)
		}
	}
}

// rawGet sends a request line as given, with no client-side cleaning of
// the path, and returns the status and body.
func rawGet(t *testing.T, addr, target, host string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestPathTraversal(t *testing.T) {
	p := newProject(t)
	// A file beside the served directories that must never come out.
	p.write(t, "secret.json", `{"id": "s", "email": "s@example.com", "profile": {"token": "TOP-SECRET-42"}}`)
	p.write(t, "templates/secret.txt", "TOP-SECRET-42")
	_, ts := start(t, p.config())
	addr := strings.TrimPrefix(ts.URL, "http://")
	targets := []string{
		"/../secret.json",
		"/..%2fsecret.json",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/app.js/../../secret.json",
		"/assets/index.html",
		"/assets/../secret.json",
		"//etc/passwd",
		"/templates/secret.txt",
		"/offers.hbs",
		"/api/profile/../../secret.json",
		"/api/profile?name=../secret",
		"/api/profile?name=..%2fsecret",
		"/api/profile?name=" + url.QueryEscape(filepath.Join(p.dir, "secret")),
		"/api/profile?name=%2e%2e%2f%2e%2e%2fsecret",
		"/api/profile?name=..\\secret",
		"/api/state/..",
		"/%5c..%5csecret.json",
		"/events/../secret.json",
	}
	for _, target := range targets {
		code, body := rawGet(t, addr, target, "127.0.0.1")
		if code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want %d", target, code, http.StatusNotFound)
		}
		if strings.Contains(body, "TOP-SECRET-42") {
			t.Errorf("GET %s leaked the secret file", target)
		}
	}
	// Render takes names from the loaded lists only.
	for _, req := range []renderRequest{
		{Template: "../secret.txt", Profile: "maya-gold-runner"},
		{Template: "templates/offers.hbs", Profile: "maya-gold-runner"},
		{Template: "offers.hbs", Profile: "../secret"},
		{Template: "offers.hbs", Profile: filepath.Join(p.dir, "secret")},
	} {
		if code, _ := postRender(t, ts, req); code != http.StatusNotFound {
			t.Errorf("POST /api/render %+v = %d, want %d", req, code, http.StatusNotFound)
		}
	}
}

// TestHostCheck: a page on another site that rebinds its name to 127.0.0.1
// must not read the preview.
func TestHostCheck(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	addr := strings.TrimPrefix(ts.URL, "http://")
	tests := []struct {
		host string
		code int
	}{
		{addr, http.StatusOK},
		{"localhost:8025", http.StatusOK},
		{"[::1]:8025", http.StatusOK},
		{"127.0.0.1", http.StatusOK},
		{"evil.example", http.StatusForbidden},
		{"evil.example:8025", http.StatusForbidden},
		{"10.0.0.7:8025", http.StatusForbidden},
	}
	for _, tt := range tests {
		if code, _ := rawGet(t, addr, "/api/state", tt.host); code != tt.code {
			t.Errorf("GET /api/state with Host %q = %d, want %d", tt.host, code, tt.code)
		}
	}
	cfg := p.config()
	cfg.AnyHost = true
	_, any := start(t, cfg)
	if code, _ := rawGet(t, strings.TrimPrefix(any.URL, "http://"), "/api/state", "preview.lan:8025"); code != http.StatusOK {
		t.Errorf("GET /api/state with AnyHost = %d, want %d", code, http.StatusOK)
	}
}

func TestMethods(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	tests := []struct {
		method, path, ctype string
		code                int
	}{
		{http.MethodPost, "/", "", http.StatusMethodNotAllowed},
		{http.MethodGet, "/api/render", "", http.StatusMethodNotAllowed},
		{http.MethodPut, "/api/state", "", http.StatusMethodNotAllowed},
		{http.MethodHead, "/", "", http.StatusOK},
		// A form post from another site cannot reach the renderer.
		{http.MethodPost, "/api/render", "text/plain", http.StatusUnsupportedMediaType},
		{http.MethodPost, "/api/render", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(`{"template": "offers.hbs", "profile": "maya-gold-runner"}`))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.code {
			t.Errorf("%s %s (%s) = %d, want %d", tt.method, tt.path, tt.ctype, res.StatusCode, tt.code)
		}
	}
}

func TestState(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	res, err := http.Get(ts.URL + "/api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st stateJSON
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Templates) != 2 || st.Templates[0].Name != "offers.hbs" || st.Templates[1].Name != "plain.hbs" {
		t.Errorf("state templates = %+v, want offers.hbs and plain.hbs", st.Templates)
	}
	if len(st.Profiles) != 7 || st.Profiles[1] != "maya-gold-runner" {
		t.Errorf("state profiles = %v, want the 7 samples", st.Profiles)
	}
	if st.At != "2026-12-02T09:00:00Z" || len(st.Problems) != 0 || st.Version != 1 {
		t.Errorf("state = at %q, %d problems, version %d; want 2026-12-02T09:00:00Z, 0, 1", st.At, len(st.Problems), st.Version)
	}
}

func TestNewMissingDirectory(t *testing.T) {
	p := newProject(t)
	cfg := p.config()
	cfg.Profiles = filepath.Join(p.dir, "nope")
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "profiles directory") || !strings.Contains(err.Error(), "--profiles") {
		t.Errorf("New(missing profiles dir) = %v, want an error naming --profiles", err)
	}
}
