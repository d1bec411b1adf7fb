//go:build unix

package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/offermail/offermail/internal/apitest"
	"github.com/offermail/offermail/internal/cputime"
)

// BenchmarkAPILoad is the decisioning service's load test: the real
// binary, the sample library and templates, counted decisions on the
// embedded store, attacked over HTTP by vegeta from this process, client
// and server on the same machine. It is not part of go test ./... (it is
// a benchmark, and runs for as long as it is told):
//
//	go test ./cmd/mailpreview -run '^$' -bench APILoad -benchtime 1x
//
// Each sub-benchmark starts a fresh service, warms it up for a second,
// then attacks at a constant rate and reports the latency percentiles,
// the throughput of successful answers, and the CPU time (user + system)
// the server process and this client process spent per request: on a
// shared machine, CPU per request is the figure that others' work does
// not move much. Environment:
//
//	OFFERMAIL_LOAD_DURATION  attack duration (default 10s)
//	OFFERMAIL_LOAD_DECISIONS rate of /v1/decisions requests/s (default 10000; 0: as fast as the workers go)
//	OFFERMAIL_LOAD_MESSAGES  rate of /v1/messages requests/s (default 3000; 0: as fast as possible)
//	OFFERMAIL_LOAD_WORKERS   vegeta's workers (default 64; the most with a rate: 1024)
//	OFFERMAIL_LOAD_STORE     the service's --store (default bolt: in a temporary directory;
//	                         say bolt:/dev/shm/… for a tmpfs, or redis://…)
func BenchmarkAPILoad(b *testing.B) {
	duration := envDuration(b, "OFFERMAIL_LOAD_DURATION", 10*time.Second)
	for _, tc := range []struct {
		name, path, env string
		rate            int
		accept          string
		body            func(profile map[string]any) map[string]any
	}{
		{"decisions", "/v1/decisions", "OFFERMAIL_LOAD_DECISIONS", 10000, "", func(p map[string]any) map[string]any {
			return map[string]any{"recipient": p, "at": "2026-12-02T09:00:00Z", "propositionRequests": []any{
				map[string]any{"activity": "winter-sale", "placement": "hero"},
				map[string]any{"activity": "winter-sale", "placement": "sidebar"},
				map[string]any{"activity": "winter-sale", "placement": "banner"},
			}}
		}},
		{"messages", "/v1/messages", "OFFERMAIL_LOAD_MESSAGES", 3000, "", func(p map[string]any) map[string]any {
			return map[string]any{"template": "newsletter.hbs", "recipient": p, "at": "2026-12-02T09:00:00Z"}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rate := envInt(b, tc.env, tc.rate)
			r := startLoadService(b)
			targeter := loadTargeter(b, r.url+tc.path, tc.body)
			warm := attack(b, targeter, max(rate/4, 200), time.Second)
			if warm.Success < 0.99 {
				b.Fatalf("warm-up: %.1f%% success, errors %v\n%s", warm.Success*100, warm.Errors, tail(r.logs(), 2000))
			}
			serverBefore, clientBefore := procCPU(b, r.cmd.Process.Pid), cputime.Used()
			m := attack(b, targeter, rate, duration)
			serverCPU, clientCPU := procCPU(b, r.cmd.Process.Pid)-serverBefore, cputime.Used()-clientBefore
			n := float64(m.Requests)
			b.ReportMetric(m.Throughput, "ok/s")
			b.ReportMetric(m.Success*100, "%ok")
			b.ReportMetric(ms(m.Latencies.P50), "p50-ms")
			b.ReportMetric(ms(m.Latencies.P95), "p95-ms")
			b.ReportMetric(ms(m.Latencies.P99), "p99-ms")
			b.ReportMetric(float64(serverCPU.Microseconds())/n, "server-cpu-µs/req")
			b.ReportMetric(float64(clientCPU.Microseconds())/n, "client-cpu-µs/req")
			b.Logf("%s at %d/s for %s: %d requests, %.0f ok/s, %.2f%% ok, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.1f ms; "+
				"server CPU %s (%.0f µs/request), client CPU %s; status codes %v; errors %v",
				tc.path, rate, duration, m.Requests, m.Throughput, m.Success*100, ms(m.Latencies.P50), ms(m.Latencies.P95),
				ms(m.Latencies.P99), ms(m.Latencies.Max), serverCPU, float64(serverCPU.Microseconds())/n, clientCPU, m.StatusCodes, firstErrors(m.Errors))
		})
	}
}

// startLoadService starts the binary on the sample project with a fresh
// store and a key.
func startLoadService(b *testing.B) *replica {
	b.Helper()
	store := os.Getenv("OFFERMAIL_LOAD_STORE")
	if store == "" {
		store = "bolt:" + filepath.Join(b.TempDir(), "state.db")
	} else if strings.HasPrefix(store, "bolt:") {
		// A file of its own per sub-benchmark, beside the one named.
		path := strings.TrimPrefix(store, "bolt:")
		store = fmt.Sprintf("bolt:%s.%d", path, time.Now().UnixNano())
		b.Cleanup(func() { os.Remove(strings.TrimPrefix(store, "bolt:")) })
	}
	keys := filepath.Join(b.TempDir(), "keys")
	if err := os.WriteFile(keys, []byte("load-key\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return startReplica(b, sharedBinary(b), "--library", library, "--templates", tplDir, "--store", store, "--keys", keys)
}

// loadTargeter sends the sample profiles in turn, each request for a
// recipient of its own.
func loadTargeter(b *testing.B, url string, build func(map[string]any) map[string]any) vegeta.Targeter {
	b.Helper()
	parts := apitest.SampleBodies(b, profiles, build)
	header := http.Header{"Authorization": {"Bearer load-key"}, "Content-Type": {"application/json"}}
	var seq atomic.Int64
	return func(t *vegeta.Target) error {
		n := seq.Add(1)
		p := parts[n%int64(len(parts))]
		t.Method, t.URL, t.Header = http.MethodPost, url, header
		t.Body = append(append(append(make([]byte, 0, len(p[0])+len(p[1])+12), p[0]...), "load-"+strconv.FormatInt(n, 10)...), p[1]...)
		return nil
	}
}

// attack runs vegeta at rate (0: as fast as the workers go) for d.
func attack(b *testing.B, tr vegeta.Targeter, rate int, d time.Duration) *vegeta.Metrics {
	b.Helper()
	workers := uint64(envInt(b, "OFFERMAIL_LOAD_WORKERS", 64))
	opts := []func(*vegeta.Attacker){vegeta.Workers(workers), vegeta.KeepAlive(true), vegeta.Timeout(30 * time.Second)}
	if rate == 0 {
		opts = append(opts, vegeta.MaxWorkers(workers))
	} else {
		opts = append(opts, vegeta.MaxWorkers(1024))
	}
	a := vegeta.NewAttacker(opts...)
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "load") {
		m.Add(res)
	}
	m.Close()
	return &m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func firstErrors(errs []string) []string {
	if len(errs) > 3 {
		return errs[:3]
	}
	return errs
}

// procCPU is the user and system CPU time of a process, from
// /proc/PID/stat (in clock ticks of 1/100 s, Linux's USER_HZ).
func procCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	// The command name may hold spaces; the fields after it do not.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a number", name, s)
	}
	return n
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		b.Fatalf("%s=%q: %v", name, s, err)
	}
	return d
}
