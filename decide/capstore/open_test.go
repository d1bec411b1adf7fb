package capstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/decide"
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
