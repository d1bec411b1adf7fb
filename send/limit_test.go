package send

import (
	"context"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	tests := []struct {
		rate  float64
		burst int
		n     int
		want  time.Duration
	}{
		{10, 1, 11, time.Second},         // the first at once, then 10 at 0.1 s
		{10, 5, 15, time.Second},         // 5 at once, then 10 at 0.1 s
		{2, 1, 5, 2 * time.Second},       // 4 at 0.5 s
		{0, 1, 100, 0},                   // no limit
		{4, 1, 1, 0},                     // a single message never waits
		{0.5, 1, 3, 4 * time.Second},     // slower than one per second
		{1000, 10, 10, 0},                // within the burst
		{1000, 1, 1001, 1 * time.Second}, // 1 ms apart
	}
	for _, tt := range tests {
		clock := newFakeClock()
		l := newLimiter(clock, tt.rate, tt.burst)
		for range tt.n {
			if err := l.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := clock.elapsed(); got != tt.want {
			t.Errorf("%d waits at rate %v, burst %d took %v, want %v", tt.n, tt.rate, tt.burst, got, tt.want)
		}
	}
}

func TestLimiterRefillsAfterPause(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(clock, 1, 3)
	for range 3 {
		l.wait(context.Background())
	}
	if got := clock.elapsed(); got != 0 {
		t.Fatalf("a burst of 3 took %v, want 0", got)
	}
	// After a pause long enough to refill the bucket, three more go at once.
	clock.SleepUntil(context.Background(), clock.Now().Add(time.Minute))
	for range 3 {
		l.wait(context.Background())
	}
	if got := clock.elapsed(); got != time.Minute {
		t.Errorf("after the pause the burst took %v, want none", got-time.Minute)
	}
}

func TestLimiterCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := newLimiter(newFakeClock(), 0, 1).wait(ctx); err != context.Canceled {
		t.Errorf("wait with a canceled context = %v, want context.Canceled", err)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second},
		{5, 10 * time.Second}, {100, 10 * time.Second},
	}
	for _, tt := range tests {
		if got := backoff(time.Second, 10*time.Second, tt.n); got != tt.want {
			t.Errorf("backoff(1s, 10s, %d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}
