package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/offermail/offermail/internal/apitest"
	"github.com/offermail/offermail/internal/redistest"
)

// TestStoreDown: with the Redis store gone, counted requests and /readyz
// answer 503 with Retry-After, and nothing hangs; /healthz stays 200.
// Once Redis is back, requests succeed again.
func TestStoreDown(t *testing.T) {
	srv := redistest.Start(t)
	f := start(t, srv.URL(t), nil)
	body := decisionsBody("u1", "")
	if a := f.post(t, "/v1/decisions", body); a.status != 200 {
		t.Fatalf("with Redis up: %d %s", a.status, a.body)
	}
	srv.Kill()
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/v1/decisions", body},
		{"POST", "/v1/decisions", decisionsBody("u1", `, "dryRun": true`)},
		{"POST", "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u1", "email": "a@example.com"}}`},
		{"GET", "/readyz", ""},
	} {
		a := f.do(t, req.method, req.path, req.body)
		if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
			t.Errorf("%s %s with Redis down: %d, Retry-After %q; want 503 with Retry-After: %s",
				req.method, req.path, a.status, a.header.Get("Retry-After"), a.body)
		}
		if req.path != "/readyz" {
			if code, _ := a.errorOf(t); code != CodeUnavailable {
				t.Errorf("%s: code %q, want %q", req.path, code, CodeUnavailable)
			}
		}
	}
	if a := f.do(t, "GET", "/healthz", ""); a.status != 200 {
		t.Errorf("/healthz with Redis down: %d, want 200 (the process is alive)", a.status)
	}
	srv.Restart(t)
	apitest.WaitFor(t, "requests to succeed again", func() bool {
		return f.post(t, "/v1/decisions", body).status == 200
	})
	if a := f.do(t, "GET", "/readyz", ""); a.status != 200 {
		t.Errorf("/readyz with Redis back: %d %s", a.status, a.body)
	}
}

// TestMetrics: /metrics counts requests by route and status, latencies,
// decisions by mode, fallbacks and cap refusals.
func TestMetrics(t *testing.T) {
	f := start(t, "", nil)
	f.post(t, "/v1/decisions", decisionsBody("u1", ""))
	f.post(t, "/v1/decisions", decisionsBody("u1", `, "dryRun": true`))
	f.post(t, "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "nowhere"}]}`)
	// once is capped for u1 now: a request that does not know it yet is
	// refused by the store and decided again.
	f.post(t, "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "side"}]}`)
	a := f.do(t, "GET", "/metrics", "")
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", a.status, a.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`offermail_api_requests_total{route="/v1/decisions",status="200"} 3`,
		`offermail_api_requests_total{route="/v1/decisions",status="404"} 1`,
		`offermail_api_request_duration_seconds_count{route="/v1/decisions"} 4`,
		`offermail_api_decisions_total{mode="counted"} 2`,
		`offermail_api_decisions_total{mode="dry_run"} 1`,
		`offermail_api_fallbacks_total{activity="act",placement="banner"} 2`,
		`offermail_api_cap_refusals_total{offer="once"} 1`,
	} {
		if !strings.Contains(string(a.body), want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`(?m)^process_cpu_seconds_total `).Match(a.body) {
		t.Errorf("/metrics lacks the process collector")
	}
}
