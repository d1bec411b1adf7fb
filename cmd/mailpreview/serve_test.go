package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an output a running command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingURL = regexp.MustCompile(`preview on (http://\S+/) `)

// serving runs serve until the test ends and returns the URL it prints,
// and its standard error.
func serving(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	tpl, lib, profs := snapshotProject(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--library", lib, "--templates", tpl, "--profiles", profs, "--at", at}, args...), &out, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve ended with %d, want %d\n%s", code, exitOK, errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop when its context ended")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingURL.FindStringSubmatch(out.String()); m != nil {
			return m[1], &errOut
		}
		select {
		case code := <-done:
			t.Fatalf("serve = %d before serving\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no URL:\n%s\n%s", out.String(), errOut.String())
	return "", nil
}

func get(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if host != "" {
		req.Host = host
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestServeDefaultAddr(t *testing.T) {
	flag := newServe(&global{}).Flags().Lookup("addr")
	if flag.DefValue != "127.0.0.1:8025" {
		t.Errorf("serve --addr defaults to %q, want 127.0.0.1:8025", flag.DefValue)
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8025", true},
		{"localhost:8025", true},
		{"[::1]:8025", true},
		{"127.0.0.2:8025", true},
		{":8025", false},
		{"0.0.0.0:8025", false},
		{"[::]:8025", false},
		{"192.168.1.20:8025", false},
	}
	for _, tt := range tests {
		if got, err := isLoopback(tt.addr); err != nil || got != tt.want {
			t.Errorf("isLoopback(%q) = %v, %v; want %v", tt.addr, got, err, tt.want)
		}
	}
}

// TestServeDefaultListensOnLoopback runs serve without --addr: it answers
// on 127.0.0.1:8025 and on no other address of the machine.
func TestServeDefaultListensOnLoopback(t *testing.T) {
	if ln, err := net.Listen("tcp", defaultAddr); err != nil {
		t.Skipf("port %s is in use: %v", defaultAddr, err)
	} else {
		ln.Close()
	}
	url, errOut := serving(t)
	if url != "http://127.0.0.1:8025/" {
		t.Fatalf("serve URL = %s, want http://127.0.0.1:8025/", url)
	}
	if code, body := get(t, url+"api/state", ""); code != http.StatusOK || !strings.Contains(body, `"offers.hbs"`) {
		t.Errorf("GET %sapi/state = %d, want %d with the templates\n%s", url, code, http.StatusOK, body)
	}
	if strings.Contains(errOut.String(), "warning") {
		t.Errorf("serve warned on the default address: %s", errOut.String())
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() {
			continue
		}
		target := net.JoinHostPort(ipnet.IP.String(), "8025")
		if c, err := net.DialTimeout("tcp", target, 2*time.Second); err == nil {
			c.Close()
			t.Errorf("serve on the default address answers on %s, want loopback only", target)
		}
	}
}

func TestServeExplicitAddr(t *testing.T) {
	// A store is only read: the memory store shows the path works.
	url, errOut := serving(t, "--addr", "127.0.0.1:0", "--store", "memory:")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("serve URL = %s, want 127.0.0.1", url)
	}
	if code, _ := get(t, url, ""); code != http.StatusOK {
		t.Errorf("GET %s = %d, want %d", url, code, http.StatusOK)
	}
	if code, _ := get(t, url+"api/state", "evil.example"); code != http.StatusForbidden {
		t.Errorf("GET %sapi/state with Host evil.example = %d, want %d", url, code, http.StatusForbidden)
	}
	if strings.Contains(errOut.String(), "warning") {
		t.Errorf("serve warned on a loopback address: %s", errOut.String())
	}
}

// TestServeEveryInterfaceWarns: a non-loopback address is only used when
// given, with a warning, and then any Host is answered.
func TestServeEveryInterfaceWarns(t *testing.T) {
	url, errOut := serving(t, "--addr", ":0")
	port := url[strings.LastIndex(url, ":")+1 : len(url)-1]
	if !strings.Contains(errOut.String(), "warning: listening on") || !strings.Contains(errOut.String(), "other machines can reach") {
		t.Errorf("serve --addr :0 printed no warning: %q", errOut.String())
	}
	if code, _ := get(t, fmt.Sprintf("http://127.0.0.1:%s/api/state", port), "preview.lan"); code != http.StatusOK {
		t.Errorf("GET /api/state with Host preview.lan = %d, want %d", code, http.StatusOK)
	}
}

func TestServeErrors(t *testing.T) {
	tpl, lib, profs := snapshotProject(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad address", []string{"--addr", "nowhere"}, exitUsage, `--addr "nowhere"`},
		{"bad time", []string{"--at", "soon"}, exitUsage, `--at "soon" is not an RFC 3339 time`},
		{"no templates", []string{"--templates", tpl + "/nope"}, exitInvalid, "templates directory"},
		{"address in use", []string{"--addr", busy.Addr().String()}, exitFailed, "choose another address with --addr"},
	}
	for _, tt := range tests {
		args := append([]string{"serve", "--library", lib, "--templates", tpl, "--profiles", profs, "--addr", "127.0.0.1:0"}, tt.args...)
		code, _, errOut := run(t, args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: serve = %d, stderr %q; want %d and %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
}
