//go:build unix

package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/offermail/offermail/internal/apitest"
	"github.com/offermail/offermail/internal/redistest"
)

// TestStoreStalled: a Redis that takes connections and never answers
// (SIGSTOP) gets requests a 503 with Retry-After, never a stalled
// connection; /healthz stays 200. What bounds the wait is RequestTimeout:
// the Redis client's own read timeout is set to an hour, so a request
// that waited for it would trip the test's hang guard. The request may
// still reach Redis once it answers again: retried with its
// Idempotency-Key it answers 200, and the decision is counted once.
func TestStoreStalled(t *testing.T) {
	srv := redistest.Start(t)
	f := start(t, srv.URL(t)+"&read_timeout=1h&write_timeout=1h", func(c *Config) { c.RequestTimeout = time.Second })
	if a := f.post(t, "/v1/decisions", decisionsBody("warm", "")); a.status != 200 {
		t.Fatalf("with Redis up: %d %s", a.status, a.body)
	}
	srv.Pause()
	defer srv.Resume()
	body := decisionsBody("u1", "")
	requests := []struct{ name, body string }{
		{"counted", body},
		{"dry-run", decisionsBody("u1", `, "dryRun": true`)},
	}
	answers := make(chan answer, len(requests))
	for _, r := range requests {
		go func() { answers <- f.post(t, "/v1/decisions", r.body, "Idempotency-Key", "stalled-"+r.name) }()
	}
	for range requests {
		var a answer
		select {
		case a = <-answers:
		case <-time.After(60 * time.Second): // a hang guard, not a timing check
			t.Fatal("no answer with Redis stalled")
		}
		if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
			t.Errorf("with Redis stalled: %d, Retry-After %q; want 503 with Retry-After: %s", a.status, a.header.Get("Retry-After"), a.body)
		} else if code, _ := a.errorOf(t); code != CodeUnavailable {
			t.Errorf("code %q, want %q", code, CodeUnavailable)
		}
	}
	if a := f.do(t, "GET", "/healthz", ""); a.status != 200 {
		t.Errorf("/healthz with Redis stalled: %d, want 200", a.status)
	}
	srv.Resume()
	var retry answer
	apitest.WaitFor(t, "the retry to succeed", func() bool {
		retry = f.post(t, "/v1/decisions", body, "Idempotency-Key", "stalled-counted")
		return retry.status != http.StatusServiceUnavailable
	})
	if retry.status != 200 {
		t.Fatalf("retry after the stall: %d %s", retry.status, retry.body)
	}
	// warm and u1 got scarce (total cap 100): u1 once, however many
	// times its request reached Redis.
	if n := f.counter(t, scarceKey); n != 2 {
		t.Errorf("scarce's counter = %d after warm-up and one retried request, want 2", n)
	}
}
