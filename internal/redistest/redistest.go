// Package redistest starts a real redis-server for tests, on a free
// loopback port, without persistence (or, with StartPersistent, with an
// append-only file synced on every write). A test that calls Start skips when
// redis-server is not installed, unless OFFERMAIL_REQUIRE_ALL=1, which
// makes a missing binary a failure (CI sets it).
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a redis-server a test started; it is killed when the test
// ends.
type Server struct {
	Addr string
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	// persist: an append-only file synced on every write, kept across
	// Kill and Restart.
	persist bool
	args    []string // more redis-server arguments, kept for Restart
}

// Start starts a redis-server and waits until it answers; args are more
// redis-server arguments (e.g. "--requirepass", "s3cret").
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return start(t, false, args...)
}

// StartPersistent starts a redis-server that writes every command to its
// append-only file before answering (appendfsync always), so that a
// Restart after a Kill finds all it acknowledged.
func StartPersistent(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, persist bool, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("OFFERMAIL_REQUIRE_ALL") == "1" {
			t.Fatalf("redis-server not found and OFFERMAIL_REQUIRE_ALL=1: %v", err)
		}
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: t.TempDir(), port: port, persist: persist, args: args}
	t.Cleanup(s.Kill)
	s.start(t)
	return s
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	aof := []string{"--appendonly", "no"}
	if s.persist {
		aof = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	s.cmd = exec.Command(s.bin, append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log")}, append(aof, s.args...)...)...)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	// A hang guard, not a timing assertion: a healthy server answers in
	// milliseconds.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ping(s.Addr) == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			t.Fatalf("redis-server on %s does not answer PING; log:\n%s", s.Addr, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL); without persistence its data
// is lost.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts the server again on the same port: empty, or with what
// its append-only file holds when it was started with StartPersistent.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	s.start(t)
}

var namespaces atomic.Int64

// URL returns a store URL on the server with a namespace of its own, so
// that tests sharing a server never see each other's keys.
func (s *Server) URL(t testing.TB) string {
	ns := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	ns = fmt.Sprintf("%s-%d", ns, namespaces.Add(1))
	return fmt.Sprintf("redis://%s/0?namespace=%s", s.Addr, url.QueryEscape(ns))
}

// ping speaks just enough RESP to know the server is up.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	// NOAUTH: up, and asking for the password the test configured.
	if !strings.HasPrefix(line, "+PONG") && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
