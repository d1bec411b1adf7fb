package capstore

import (
	"bufio"
	"context"
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

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide"
)

// helperEnv, when set, turns the test binary into a helper process (see
// helperMain): the crash and multi-process tests re-execute themselves.
const helperEnv = "CAPSTORE_HELPER"

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the tests that stop servers on
	// purpose would bury the test output under them.
	redis.SetLogger(quietLogger{})
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// helperCmd prepares a re-execution of the test binary in helper mode.
func helperCmd(t testing.TB, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// t0 is the time the clock tests start at.
var t0 = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

func counterOf(key string, limit, n int64) decide.Counter {
	return decide.Counter{Key: key, Limit: limit, N: n}
}

func reservation(campaign, recipient, record string, cs ...decide.Counter) decide.Reservation {
	return decide.Reservation{Campaign: campaign, Recipient: recipient, Record: []byte(record), Counters: cs}
}

// requireBinary returns the path of a server binary, or skips the test
// when it is missing (fails it when OFFERMAIL_REQUIRE_ALL=1).
func requireBinary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("OFFERMAIL_REQUIRE_ALL") == "1" {
			t.Fatalf("%s not found and OFFERMAIL_REQUIRE_ALL=1: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisServer is a redis-server the test started on a loopback port.
type redisServer struct {
	addr string
	cmd  *exec.Cmd
}

// startRedis starts a redis-server without persistence in a temp dir and
// waits until it answers; it is killed when the test ends.
func startRedis(t testing.TB, args ...string) *redisServer {
	t.Helper()
	bin := requireBinary(t, "redis-server")
	dir := t.TempDir()
	port := freePort(t)
	args = append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
	}, args...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	srv := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}
	t.Cleanup(srv.stop)
	// A hang guard, not a timing assertion: a healthy server answers in
	// milliseconds.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if pingRedis(srv.addr) == nil {
			return srv
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server on %s does not answer PING; log:\n%s", srv.addr, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *redisServer) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// pingRedis speaks just enough RESP to know the server is up.
func pingRedis(addr string) error {
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

var namespaceSeq atomic.Int64

// url returns a store URL on the server with a namespace of its own, so
// that tests sharing one server never see each other's keys.
func (s *redisServer) url(t testing.TB) string {
	ns := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	ns = fmt.Sprintf("%s-%d", ns, namespaceSeq.Add(1))
	return fmt.Sprintf("redis://%s/0?namespace=%s", s.addr, url.QueryEscape(ns))
}
