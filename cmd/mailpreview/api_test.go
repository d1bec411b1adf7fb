package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
)

// apiLibrary has an offer with a total cap of 100 and one with a cap
// high enough never to bind, so that its counter counts every decision
// that got it: double counting would show there.
const apiLibrary = `placements:
  - {id: hero, content: html}
offers:
  - {id: scarce, priority: 10, caps: [{scope: total, limit: 100}], content: {hero: {html: 'S {{recipient.id}}'}}}
  - {id: plenty, priority: 1, caps: [{scope: total, limit: 1000000}], content: {hero: {html: P}}}
collections:
  - {id: all, offers: [scarce, plenty]}
fallbacks:
  - {id: fb, content: {hero: {html: F}}}
activities:
  - id: act
    fallback: fb
    placements:
      hero: {criteria: [{collection: all}]}
`

// The binary the process tests start, built once per test run.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// sharedBinary builds mailpreview once for every test that starts it.
func sharedBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "mailpreview-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "mailpreview")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// apiProject writes the library, a template and a keys file.
func apiProject(t *testing.T) (library, templates, keys string) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"library/lib.yaml":   apiLibrary,
		"templates/mail.hbs": "---\nsubject: Hi\n---\n<p>{{offer \"act\" placement=\"hero\"}}</p>\n",
		"keys":               "# test keys\nkey-1\n\nkey-2\n",
	})
	return filepath.Join(dir, "library"), filepath.Join(dir, "templates"), filepath.Join(dir, "keys")
}

// replica is a running `mailpreview api` process. Its log goes to a file
// it writes itself, so that a busy service costs the test nothing.
type replica struct {
	cmd     *exec.Cmd
	url     string
	logFile string
	// exited is closed when the process has ended, with err its exit.
	exited chan struct{}
	err    error
}

// logs returns what the replica logged so far.
func (r *replica) logs() string {
	data, _ := os.ReadFile(r.logFile)
	return string(data)
}

// startReplica starts the binary on a free port and waits for its address.
func startReplica(t testing.TB, bin string, args ...string) *replica {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"api", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{cmd: cmd, logFile: filepath.Join(t.TempDir(), "api.log"), exited: make(chan struct{})}
	logFile, err := os.Create(r.logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-r.exited
		if t.Failed() {
			t.Logf("replica %s log:\n%s", r.url, tail(r.logs(), 3000))
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("api did not start: %v\n%s", err, r.logs())
	}
	m := regexp.MustCompile(`api on (http://\S+)/ `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("api printed %q", line)
	}
	r.url = m[1]
	go io.Copy(io.Discard, stdout)
	return r
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// outcome is what a client finally got for one recipient.
type outcome struct {
	offer    string
	decision string
}

var offerRE = regexp.MustCompile(`"offers":\[(?:\{"id":"([a-z]+)")?`)
var decisionRE = regexp.MustCompile(`"decisionId":"([0-9a-f]+)"`)

// decideAll asks for a decision for n recipients from 64 clients, each
// request with the recipient's Idempotency-Key. A client whose replica
// fails (refused, reset, 5xx) retries on the next live one with the same
// key. onDone is called after each answered recipient.
func decideAll(t *testing.T, n int, replicas []*replica, dead func(int) bool, onDone func(int64)) []outcome {
	t.Helper()
	out := make([]outcome, n)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	client := &http.Client{Timeout: 30 * time.Second}
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				body := fmt.Sprintf(`{"recipient": {"id": "r%d"}, "propositionRequests": [{"activity": "act", "placement": "hero"}], "at": "2026-12-02T09:00:00Z"}`, i)
				var failures []string
				for attempt := 0; ; attempt++ {
					k := (c + i + attempt) % len(replicas)
					if dead(k) {
						continue
					}
					if attempt > 20 {
						errs <- fmt.Sprintf("r%d: no replica answered: %s", i, strings.Join(failures, "; "))
						return
					}
					req, _ := http.NewRequest("POST", replicas[k].url+"/v1/decisions", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer key-2")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("r%d", i))
					resp, err := client.Do(req)
					if err != nil {
						failures = append(failures, err.Error())
						continue
					}
					data, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failures = append(failures, fmt.Sprintf("%d %s", resp.StatusCode, data))
						continue
					}
					m := offerRE.FindSubmatch(data)
					d := decisionRE.FindSubmatch(data)
					if m == nil || d == nil {
						errs <- fmt.Sprintf("r%d: answer %s", i, data)
						return
					}
					out[i] = outcome{offer: string(m[1]), decision: string(d[1])}
					onDone(done.Add(1))
					break
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	return out
}

// TestAPIReplicasOnRedis: three replicas (processes) on one Redis, 64
// clients, a total cap of 100: exactly 100 granted. One replica is killed
// (SIGKILL) mid-load; the others keep answering, retries with the same
// Idempotency-Key get the recorded answer, and the counters equal what the
// answers say: nothing counted twice, nothing lost.
func TestAPIReplicasOnRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	srv := redistest.Start(t)
	bin := sharedBinary(t)
	library, templates, keys := apiProject(t)
	url := srv.URL(t)
	var replicas []*replica
	for i := 0; i < 3; i++ {
		replicas = append(replicas, startReplica(t, bin, "--library", library, "--templates", templates, "--store", url, "--keys", keys))
	}
	const n = 600
	var killed atomic.Bool
	var once sync.Once
	outcomes := decideAll(t, n, replicas, func(k int) bool { return k == 1 && killed.Load() }, func(done int64) {
		if done == 150 {
			once.Do(func() {
				replicas[1].cmd.Process.Signal(syscall.SIGKILL)
				killed.Store(true)
			})
		}
	})
	if t.Failed() {
		return
	}
	granted := map[string]int{}
	decisions := map[string]bool{}
	for _, o := range outcomes {
		granted[o.offer]++
		decisions[o.decision] = true
	}
	if granted["scarce"] != 100 || granted["plenty"] != n-100 {
		t.Errorf("answers gave %v, want scarce 100 and plenty %d", granted, n-100)
	}
	if len(decisions) != n {
		t.Errorf("%d distinct decision ids for %d recipients", len(decisions), n)
	}
	if scarce, plenty := apiCounters(t, url); scarce != 100 || plenty != n-100 {
		t.Errorf("counters scarce %d, plenty %d; want 100 and %d, what the answers say", scarce, plenty, n-100)
	}
	// The survivors still answer.
	for _, k := range []int{0, 2} {
		resp, err := http.Get(replicas[k].url + "/readyz")
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("replica %d after the kill: %v %v", k, resp, err)
		} else {
			resp.Body.Close()
		}
	}
}

// TestAPIGracefulStop: SIGTERM while 16 clients send requests: every
// request the service accepted is answered, the process exits 0, and the
// store (bbolt, closed on the way out) counts exactly the answers.
func TestAPIGracefulStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	bin := sharedBinary(t)
	library, templates, keys := apiProject(t)
	store := filepath.Join(t.TempDir(), "state.db")
	r := startReplica(t, bin, "--library", library, "--templates", templates, "--store", "bolt:"+store, "--keys", keys)

	var answered, scarce atomic.Int64
	var wg sync.WaitGroup
	stopped := make(chan struct{})
	var badAnswers atomic.Int64
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				body := fmt.Sprintf(`{"recipient": {"id": "c%d-%d"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`, c, i)
				req, _ := http.NewRequest("POST", r.url+"/v1/decisions", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer key-1")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					select {
					case <-stopped:
						return // the listener is closed: expected
					default:
						badAnswers.Add(1)
						t.Errorf("request before SIGTERM: %v", err)
						return
					}
				}
				data, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					badAnswers.Add(1)
					t.Errorf("an accepted request got %d %v: %s", resp.StatusCode, err, data)
					return
				}
				answered.Add(1)
				if strings.Contains(string(data), `"id":"scarce"`) {
					scarce.Add(1)
				}
			}
		}(c)
	}
	for answered.Load() < 200 {
		time.Sleep(5 * time.Millisecond)
	}
	close(stopped)
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(60 * time.Second):
		t.Fatal("api did not stop within 60s of SIGTERM")
	}
	wg.Wait()
	if r.err != nil {
		t.Errorf("api exited with %v after SIGTERM, want 0", r.err)
	}
	if !strings.Contains(r.logs(), `"msg":"stopped"`) {
		t.Errorf("no stop in the log:\n%s", tail(r.logs(), 2000))
	}
	s, err := capstore.Open("bolt:"+store, capstore.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts, _ := s.Counts(context.Background(), []string{"cap|scarce|total|all|*|*", "cap|plenty|total|all|*|*"})
	if counts[0] != scarce.Load() || counts[0]+counts[1] != answered.Load() {
		t.Errorf("store counts scarce %d + plenty %d; answers: %d, %d of them scarce", counts[0], counts[1], answered.Load(), scarce.Load())
	}
}

// TestAPICommandErrors: the exit codes of a service that cannot start.
func TestAPICommandErrors(t *testing.T) {
	library, templates, _ := apiProject(t)
	broken := t.TempDir()
	writeFiles(t, broken, map[string]string{"lib.yaml": "offers:\n  - {id: x, priority: [}\n"})
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("# none\n"), 0o644)
	bolt := "bolt:" + filepath.Join(t.TempDir(), "s.db")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"off loopback without keys", []string{"--addr", "0.0.0.0:0", "--store", bolt}, exitUsage, "reachable from other machines"},
		{"keys file missing", []string{"--keys", "/nonexistent/keys", "--store", bolt}, exitUsage, "--keys"},
		{"keys file empty", []string{"--keys", empty, "--store", bolt}, exitUsage, "holds no key"},
		{"bad store URL", []string{"--store", "mysql://x"}, exitUsage, "--store"},
		{"memory store", []string{"--store", "memory:"}, exitUsage, "this process only"},
		{"store unreachable", []string{"--store", "redis://127.0.0.1:1/0"}, exitFailed, "127.0.0.1:1"},
		{"broken library", []string{"--library", broken, "--store", bolt}, exitInvalid, "lib.yaml:2:"},
		{"no library", []string{"--library", "/nonexistent", "--store", bolt}, exitInvalid, "not found"},
		{"no templates", []string{"--templates", "/nonexistent", "--store", bolt}, exitInvalid, "templates directory"},
		{"secret too short", []string{"--secret-file", empty, "--store", bolt}, exitUsage, "want at least 16"},
		{"secret file missing", []string{"--secret-file", "/nonexistent/secret", "--store", bolt}, exitUsage, "--secret-file /nonexistent/secret: not found"},
		{"public URL without a secret", []string{"--public-url", "https://t.example.com", "--store", bolt}, exitUsage, "needs a secret"},
	}
	for _, tt := range tests {
		args := append([]string{"api", "--library", library, "--templates", templates}, tt.args...)
		// A service that starts by mistake stops when ctx ends.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var out, stderr bytes.Buffer
		code := Run(ctx, args, &out, &stderr)
		cancel()
		errOut := stderr.String()
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", tt.name, code, tt.code, errOut)
		}
	}
}

// TestAPIKeys: keys come from OFFERMAIL_API_KEYS (comma-separated) and
// the keys file (one a line, comments and blank lines skipped).
func TestAPIKeys(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys")
	os.WriteFile(file, []byte("  file-key  \n# comment\n\n"), 0o644)
	got, err := apiKeys(file, " env-a, ,env-b")
	if err != nil || strings.Join(got, "|") != "env-a|env-b|file-key" {
		t.Errorf("apiKeys = %q, %v; want env-a, env-b, file-key", got, err)
	}
}

// TestAPISIGHUP: SIGHUP re-reads the keys file (which nothing watches):
// the new key is let in and the old one refused, without a restart.
func TestAPISIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	library, templates, keys := apiProject(t)
	r := startReplica(t, sharedBinary(t), "--library", library, "--templates", templates,
		"--store", "bolt:"+filepath.Join(t.TempDir(), "state.db"), "--keys", keys)
	status := func(key string) int {
		req, _ := http.NewRequest("POST", r.url+"/v1/decisions",
			strings.NewReader(`{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "hero"}], "dryRun": true}`))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if a, b := status("key-1"), status("rotated"); a != 200 || b != 401 {
		t.Fatalf("before SIGHUP: key-1 %d, rotated %d; want 200 and 401", a, b)
	}
	if err := os.WriteFile(keys, []byte("rotated\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(20 * time.Second); status("rotated") != 200; {
		if time.Now().After(deadline) {
			t.Fatalf("the rotated key is still refused after SIGHUP\n%s", tail(r.logs(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := status("key-1"); s != 401 {
		t.Errorf("after SIGHUP the old key gets %d, want 401", s)
	}
	// The keys are swapped before the library and templates load anew.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(r.logs(), `"msg":"reloaded"`); {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload the library and templates:\n%s", tail(r.logs(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
