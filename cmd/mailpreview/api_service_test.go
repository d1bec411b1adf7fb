//go:build unix

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/apitest"
)

// TestAPIExactCapOneProcess: one service process on the embedded store,
// 64 concurrent clients, 600 recipients, a total cap of 100: exactly 100
// granted, and the counters (read once the process has stopped and let go
// of the file) equal what the answers say.
func TestAPIExactCapOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	library, templates, keys := apiProject(t)
	store := filepath.Join(t.TempDir(), "state.db")
	r := startReplica(t, sharedBinary(t), "--library", library, "--templates", templates, "--store", "bolt:"+store, "--keys", keys)
	const n = 600
	outcomes := decideAll(t, n, []*replica{r}, func(int) bool { return false }, func(int64) {})
	if t.Failed() {
		return
	}
	granted := map[string]int{}
	for _, o := range outcomes {
		granted[o.offer]++
	}
	if granted["scarce"] != 100 || granted["plenty"] != n-100 {
		t.Errorf("answers gave %v, want scarce 100 and plenty %d", granted, n-100)
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.exited
	if scarce, plenty := apiCounters(t, "bolt:"+store); scarce != 100 || plenty != n-100 {
		t.Errorf("counters scarce %d, plenty %d; want 100 and %d", scarce, plenty, n-100)
	}
}

// TestAPIReloadUnderLoad: while 8 clients send counted requests to the
// service process, the library is edited (a new offer ranked first), then
// broken, reloaded by SIGHUP while broken, and fixed. No request fails;
// the new offer is answered once the file watch has seen it; the broken
// library shows in /readyz with file:line:col while the last good one
// serves, and the problem clears once fixed.
func TestAPIReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	library, templates, keys := apiProject(t)
	r := startReplica(t, sharedBinary(t), "--library", library, "--templates", templates,
		"--store", "bolt:"+filepath.Join(t.TempDir(), "state.db"), "--keys", keys)
	lib := filepath.Join(library, "lib.yaml")

	var sawFresh atomic.Bool
	var requests, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"recipient": {"id": "c%d-%d"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`, c, i)
				status, data, err := apiPost(r.url, "key-1", body)
				requests.Add(1)
				if err != nil || status != 200 {
					failures.Add(1)
					t.Errorf("request during reloads: %d %v %s", status, err, data)
					return
				}
				if strings.Contains(data, `"id":"fresh"`) {
					sawFresh.Store(true)
				}
			}
		}(c)
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	readyz := func() string {
		resp, err := http.Get(r.url + "/readyz")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, data)
	}

	edited := strings.Replace(apiLibrary, "offers:\n", "offers:\n  - {id: fresh, priority: 99, content: {hero: {html: N}}}\n", 1)
	edited = strings.Replace(edited, "offers: [scarce, plenty]", "offers: [fresh, scarce, plenty]", 1)
	apitest.ReplaceFile(t, lib, edited)
	apitest.WaitFor(t, "the new offer to be answered", sawFresh.Load)

	if err := os.WriteFile(lib, []byte(strings.Replace(edited, "priority: 99", "priority: [99", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	apitest.WaitFor(t, "/readyz to show the broken library", func() bool { return strings.Contains(readyz(), "lib.yaml:") })
	failed := func() int { return strings.Count(r.logs(), `"msg":"reload failed`) }
	before := failed()
	r.cmd.Process.Signal(syscall.SIGHUP)
	apitest.WaitFor(t, "the SIGHUP reload to be logged", func() bool { return failed() > before })
	if got := readyz(); !strings.HasPrefix(got, "200 ") || !strings.Contains(got, lib+":") {
		t.Errorf("/readyz with a broken library = %s; want 200 (the last good library serves) and %s:line:col", got, lib)
	}
	if _, data, _ := apiPost(r.url, "key-1", `{"recipient": {"id": "z"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`); !strings.Contains(data, `"id":"fresh"`) {
		t.Errorf("with the edit broken, the last good library should answer: %s", data)
	}

	apitest.ReplaceFile(t, lib, edited)
	apitest.WaitFor(t, "/readyz to clear the problem", func() bool { return !strings.Contains(readyz(), "problems") })
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d of %d requests failed during reloads", failures.Load(), requests.Load())
	}
	t.Logf("%d requests while reloading", requests.Load())
}

// TestAPIServerTimeouts: a client that sends half a request header, and
// one that sends half the body it announced, each lose their connection
// (5 s to read a header, 15 s for the whole request) while the service
// answers everyone else; a stalled client holds nothing for long.
func TestAPIServerTimeouts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for the server's timeouts; skipped with -short")
	}
	library, templates, keys := apiProject(t)
	r := startReplica(t, sharedBinary(t), "--library", library, "--templates", templates,
		"--store", "bolt:"+filepath.Join(t.TempDir(), "state.db"), "--keys", keys)
	host := strings.TrimPrefix(r.url, "http://")
	body := `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "hero"}], "dryRun": true}`
	stalls := map[string]string{
		"half a header": "POST /v1/decisions HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer key-1\r\n",
		"half a body": "POST /v1/decisions HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer key-1\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body[:20],
	}
	var wg sync.WaitGroup
	for name, send := range stalls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if _, err := io.WriteString(c, send); err != nil {
				t.Error(err)
				return
			}
			// A hang guard, not a timing check: the server's timeouts
			// are 5 and 15 s.
			c.SetReadDeadline(time.Now().Add(60 * time.Second))
			answer, err := io.ReadAll(bufio.NewReader(c))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Errorf("%s: the server still holds the connection after 60 s", name)
				return
			}
			if len(answer) > 0 && !strings.Contains(string(answer), " 400 ") {
				t.Errorf("%s: answered %q, want the connection closed or a 400", name, answer)
			}
		}()
	}
	// Meanwhile the service answers others.
	for i := 0; i < 3; i++ {
		if status, data, err := apiPost(r.url, "key-1", body); err != nil || status != 200 {
			t.Errorf("a request beside the stalled clients: %d %v %s", status, err, data)
		}
		time.Sleep(time.Second)
	}
	wg.Wait()
}

// TestAPIDefaultAddr: without --addr the service listens on loopback
// only (SPEC §9), on port 8026.
func TestAPIDefaultAddr(t *testing.T) {
	cmd, _, err := newRoot(io.Discard, io.Discard).Find([]string{"api"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cmd.Flags().Lookup("addr").DefValue; got != "127.0.0.1:8026" {
		t.Errorf("api --addr defaults to %q, want 127.0.0.1:8026", got)
	}
}

// apiCounters reads the total counters of apiLibrary's two offers.
func apiCounters(t *testing.T, url string) (scarce, plenty int) {
	t.Helper()
	s, err := capstore.Open(url, capstore.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts, err := s.Counts(context.Background(), []string{"cap|scarce|total|all|*|*", "cap|plenty|total|all|*|*"})
	if err != nil {
		t.Fatal(err)
	}
	return int(counts[0]), int(counts[1])
}

// apiPost sends a decisions request with an API key.
func apiPost(url, key, body string) (int, string, error) {
	req, err := http.NewRequest("POST", url+"/v1/decisions", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}
