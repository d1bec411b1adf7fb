package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/apitest"
	"github.com/offermail/offermail/internal/cputime"
)

// The handler's own cost per request, without the network: the sample
// library and templates, counted decisions on a bbolt store, requests
// from parallel goroutines so that reservations coalesce as they do under
// load. The load test over real HTTP is BenchmarkAPILoad in
// cmd/mailpreview.
//
//	go test ./api -run '^$' -bench Serve -benchmem

// sampleBodies returns request bodies for the sample profiles, split
// around the recipient id.
func sampleBodies(b *testing.B, build func(profile map[string]any) map[string]any) [][2][]byte {
	return apitest.SampleBodies(b, "../testdata/profiles", build)
}

func benchService(b *testing.B) *Service {
	b.Helper()
	url := os.Getenv("OFFERMAIL_BENCH_STORE") // default: a bbolt file in a temporary directory
	if url == "" {
		url = "bolt:" + filepath.Join(b.TempDir(), "state.db")
	}
	store, err := capstore.Open(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc, err := New(context.Background(), Config{Library: "../templates/library", Templates: "../templates", Store: store})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

func benchServe(b *testing.B, path string, bodies [][2][]byte, header ...string) {
	svc := benchService(b)
	var seq atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16) // 16 goroutines per CPU: requests wait on the store together
	b.ResetTimer()
	cpu0 := cputime.Used()
	b.RunParallel(func(pb *testing.PB) {
		var body []byte
		for pb.Next() {
			n := seq.Add(1)
			parts := bodies[n%int64(len(bodies))]
			body = append(append(append(body[:0], parts[0]...), strconv.FormatInt(n, 10)...), parts[1]...)
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			req.Host = "localhost"
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			w := httptest.NewRecorder()
			svc.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64((cputime.Used()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

func decisionsRequest(profile map[string]any) map[string]any {
	return map[string]any{"recipient": profile, "at": "2026-12-02T09:00:00Z", "propositionRequests": []any{
		map[string]any{"activity": "winter-sale", "placement": "hero"},
		map[string]any{"activity": "winter-sale", "placement": "sidebar"},
		map[string]any{"activity": "winter-sale", "placement": "banner"},
	}}
}

func BenchmarkServeDecisions(b *testing.B) {
	benchServe(b, "/v1/decisions", sampleBodies(b, decisionsRequest))
}

func BenchmarkServeDecisionsDryRun(b *testing.B) {
	benchServe(b, "/v1/decisions", sampleBodies(b, func(p map[string]any) map[string]any {
		r := decisionsRequest(p)
		r["dryRun"] = true
		return r
	}))
}

func BenchmarkServeMessages(b *testing.B) {
	bodies := sampleBodies(b, func(p map[string]any) map[string]any {
		return map[string]any{"template": "newsletter.hbs", "recipient": p, "at": "2026-12-02T09:00:00Z"}
	})
	b.Run("json", func(b *testing.B) { benchServe(b, "/v1/messages", bodies) })
	b.Run("mime", func(b *testing.B) { benchServe(b, "/v1/messages", bodies, "Accept", "message/rfc822") })
}

// BenchmarkParse is the request parser alone.
func BenchmarkParseDecisions(b *testing.B) {
	parts := sampleBodies(b, decisionsRequest)[0]
	body := fmt.Appendf(nil, "%s%d%s", parts[0], 1, parts[1])
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		var in decisionsIn
		if err := parseBody(body, &in); err != nil {
			b.Fatal(err)
		}
	}
}
