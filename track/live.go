package track

import (
	"context"
	"sync"
	"time"

	"github.com/offermail/offermail/decide"
)

// Live is learned ranking's statistics as a store has them now: every
// event any process records in the store moves the next decisions of
// every process holding a Live on it within MaxAge (SPEC §10, "within a
// second"). It re-reads the statistics when asked for them and they are
// older than MaxAge — one store read for all the requests of that moment
// — rather than on a timer, so an idle process reads nothing and the
// first request after a pause sees fresh numbers. Safe for concurrent
// use.
type Live struct {
	store  decide.CounterReader
	maxAge time.Duration
	now    func() time.Time

	mu   sync.Mutex
	lib  *decide.Library
	read time.Time
	day  time.Time // the UTC day of the decision time read for
	cur  decide.Stats
}

// DefaultMaxAge is how old the statistics decisions use may be.
const DefaultMaxAge = time.Second

// NewLive returns the live statistics of store. maxAge 0 is
// DefaultMaxAge; now nil is the wall clock.
func NewLive(store decide.CounterReader, maxAge time.Duration, now func() time.Time) *Live {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if now == nil {
		now = time.Now
	}
	return &Live{store: store, maxAge: maxAge, now: now}
}

// Stats returns the statistics of every offer in every placement of lib
// for a decision at time at, read from the store at most MaxAge ago (now,
// when lib is not the one of the last read — a reloaded library — or at
// is on another UTC day: a model's window moved). When the store cannot be read,
// the last statistics are returned with the error, or nil before any.
func (l *Live) Stats(ctx context.Context, lib *decide.Library, at time.Time) (decide.Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, day := l.now(), at.UTC().Truncate(24*time.Hour)
	if l.cur != nil && l.lib == lib && l.day.Equal(day) && now.Sub(l.read) < l.maxAge {
		return l.cur, nil
	}
	st, err := decide.LoadStats(ctx, l.store, lib, at)
	if err != nil {
		if l.lib != lib || !l.day.Equal(day) {
			return nil, err
		}
		return l.cur, err
	}
	l.lib, l.read, l.day, l.cur = lib, now, day, st
	return st, nil
}
