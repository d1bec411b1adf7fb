package batch

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// syncBuffer is a bytes.Buffer the progress bar may write from its own
// goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProgress: with somewhere to draw, the bar ends complete, with the
// count of recipients done.
func TestProgress(t *testing.T) {
	cfg := config(t, newsletter, generated(t, 600, gen.Options{Seed: 9}))
	var buf syncBuffer
	cfg.Progress = &buf
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "100 %") || !strings.Contains(out, "600 done") {
		t.Errorf("progress output ends %q, want 100 %% and 600 done", out[max(0, len(out)-200):])
	}
}
