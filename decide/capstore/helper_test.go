package capstore

import (
	"context"
	"net"
	"os"
	"os/exec"
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

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
