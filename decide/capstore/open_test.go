package capstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore/storetest"

	"github.com/offermail/offermail/internal/redistest"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		url     string
		want    string // the store's type
		wantErr string
	}{
		{"memory:", "*capstore.Memory", ""},
		{"bolt:" + filepath.Join(dir, "state.db"), "*capstore.Bolt", ""},
		{"bolt:", "", "empty path"},
		{"bolt:" + filepath.Join(dir, "missing", "state.db"), "", "missing"},
		{"sqlite:x.db", "", "want bolt:PATH, redis://HOST:PORT/DB or memory:"},
		{"state.db", "", "want bolt:PATH, redis://HOST:PORT/DB or memory:"},
		{"redis:/x", "", "unknown form"},
		{"redsi://:hunter2@localhost:6379/0", "", "unknown form"},
	}
	for _, tt := range tests {
		s, err := Open(tt.url)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open(%q) = %v, want an error containing %q", tt.url, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Open(%q) error %q shows the password", tt.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Open(%q): %v", tt.url, err)
			continue
		}
		if got := fmt.Sprintf("%T", s); got != tt.want {
			t.Errorf("Open(%q) = %s, want %s", tt.url, got, tt.want)
		}
		s.Close()
	}
}

func TestOpenRedisUnavailable(t *testing.T) {
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", freePort(t))
	if _, err := Open(url); !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("Open(%s) = %v, want ErrStoreUnavailable", url, err)
	}
}

func TestRedisUnavailable(t *testing.T) {
	// A port that was free a moment ago: nothing listens there.
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	done := make(chan error, 1)
	go func() {
		s, err := OpenRedis("redis://" + addr + "/0")
		if err == nil {
			s.Close()
		}
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatalf("OpenRedis(%s) still waiting after 30s", addr)
	}
	if err == nil {
		t.Fatalf("OpenRedis(%s) = nil error, want the store to be unavailable", addr)
	}
	if !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("OpenRedis(%s) error %q does not wrap ErrStoreUnavailable", addr, err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("OpenRedis(%s) error %q does not name the server", addr, err)
	}
}

func TestOpenRedisURL(t *testing.T) {
	srv := redistest.Start(t)
	tests := []struct {
		url     string
		wantNS  string
		wantErr string
	}{
		{"redis://" + srv.Addr + "/0", DefaultNamespace, ""},
		{"redis://" + srv.Addr + "/3?namespace=tenant-a", "tenant-a", ""},
		{"redis://" + srv.Addr + "/0?namespace=", "", "namespace"},
		{"redis://" + srv.Addr + "/0?namespace=%7Bx%7D", "", "namespace"},
		{"redis://" + srv.Addr + "/notadb", "", "database"},
		{"redis://:hunter2@" + srv.Addr + "/0?bogus=1", "", "bogus"},
	}
	for _, tt := range tests {
		s, err := OpenRedis(tt.url)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("OpenRedis(%s) = %v, want an error about %s", tt.url, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("OpenRedis(%s) error %q shows the password", tt.url, err)
			}
			if s != nil {
				s.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("OpenRedis(%s): %v", tt.url, err)
			continue
		}
		if s.Namespace() != tt.wantNS {
			t.Errorf("OpenRedis(%s).Namespace() = %q, want %q", tt.url, s.Namespace(), tt.wantNS)
		}
		s.Close()
	}
}

func TestOpenRedisPassword(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "s3cret")
	s, err := OpenRedis("redis://:s3cret@" + srv.Addr + "/2")
	if err != nil {
		t.Fatalf("OpenRedis with the password: %v", err)
	}
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u", "r", counterOf("k", 1, 1))}, decide.Committed)
	s.Close()

	for _, url := range []string{"redis://" + srv.Addr + "/2", "redis://:wrong-pass@" + srv.Addr + "/2"} {
		_, err := OpenRedis(url)
		if err == nil {
			t.Errorf("OpenRedis(%s) = nil error, want the server to refuse", url)
			continue
		}
		if strings.Contains(err.Error(), "wrong-pass") {
			t.Errorf("OpenRedis(%s) error %q shows the password", url, err)
		}
	}
}

func TestOpenRedisEvicting(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru")
	_, err := OpenRedis("redis://" + srv.Addr + "/0")
	if err == nil || !strings.Contains(err.Error(), "allkeys-lru") || !strings.Contains(err.Error(), "noeviction") {
		t.Errorf("OpenRedis(server with allkeys-lru) = %v, want an error naming the policy and noeviction", err)
	}
}

// TestOpenReadOnly: a dry run's store must exist, is never written, and
// shares bbolt's lock with other readers.
func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	if _, err := Open("bolt:"+missing, WithReadOnly()); !errors.Is(err, ErrBadURL) {
		t.Errorf("Open(read-only, missing file) = %v, want ErrBadURL", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("a read-only open created %s", missing)
	}
	path := filepath.Join(dir, "state.db")
	w, err := Open("bolt:" + path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := w.Reserve(ctx, []decide.Reservation{{Campaign: "c", Recipient: "r", Counters: []decide.Counter{{Key: "k", Limit: 5, N: 2}}, Record: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r1, err := Open("bolt:"+path, WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := Open("bolt:"+path, WithReadOnly(), WithLockTimeout(time.Second))
	if err != nil {
		t.Fatalf("a second read-only open: %v", err)
	}
	defer r2.Close()
	if got, err := r2.Counts(ctx, []string{"k"}); err != nil || got[0] != 2 {
		t.Errorf("Counts = %v, %v; want [2]", got, err)
	}
	if _, err := r1.Reserve(ctx, nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Reserve on a read-only store = %v, want ErrReadOnly", err)
	}
	if err := r1.Add(ctx, []decide.Delta{{Key: "k", N: 1}}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Add on a read-only store = %v, want ErrReadOnly", err)
	}
}
