package send

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source of rate limiting and retry backoff. Network
// deadlines always use real time; only waiting goes through Clock, so a
// test can count how long a run would have waited without waiting.
type Clock interface {
	Now() time.Time
	// SleepUntil waits until t, or until ctx is done and then returns
	// its cause. Waking at an instant rather than after a duration lets
	// a fake clock serve concurrent sleepers exactly.
	SleepUntil(ctx context.Context, t time.Time) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return context.Cause(ctx)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// limiter is a token bucket shared by every connection of a Sender: at
// most burst messages at once, refilled at one per interval. It hands out
// reservations in call order (virtual scheduling, as in GCRA), so waiters
// queue fairly and need no goroutine or timer of their own beyond their
// own sleep.
type limiter struct {
	clock    Clock
	interval time.Duration // 0: no limit
	burst    int

	mu   sync.Mutex
	next time.Time // when the bucket holds no token any more, past the burst
}

func newLimiter(clock Clock, perSecond float64, burst int) *limiter {
	l := &limiter{clock: clock, burst: max(burst, 1)}
	if perSecond > 0 {
		l.interval = time.Duration(float64(time.Second) / perSecond)
	}
	return l
}

// wait blocks until the caller may send one message, or ctx is done. A
// reservation given up because ctx ended is not handed back: the bucket
// stays a little emptier than it could be, never fuller.
func (l *limiter) wait(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if l.interval == 0 {
		return nil
	}
	l.mu.Lock()
	now := l.clock.Now()
	if l.next.Before(now) {
		l.next = now
	}
	wake := l.next.Add(-time.Duration(l.burst-1) * l.interval)
	l.next = l.next.Add(l.interval)
	l.mu.Unlock()
	if !wake.After(now) {
		return nil
	}
	return l.clock.SleepUntil(ctx, wake)
}

// backoff is the wait before retry number n (1 for the first retry): base
// doubled for every earlier retry, at most limit. There is no jitter, so a
// run and its rerun wait the same; the rate limiter already spreads
// retrying workers apart.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
