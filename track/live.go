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
	store  decide.Store
	maxAge time.Duration
	now    func() time.Time

	mu   sync.Mutex
	lib  *decide.Library
	read time.Time
	cur  decide.Stats
}

// DefaultMaxAge is how old the statistics decisions use may be.
const DefaultMaxAge = time.Second

// NewLive returns the live statistics of store. maxAge 0 is
// DefaultMaxAge; now nil is the wall clock.
func NewLive(store decide.Store, maxAge time.Duration, now func() time.Time) *Live {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if now == nil {
		now = time.Now
	}
	return &Live{store: store, maxAge: maxAge, now: now}
}

// Stats returns the statistics of every offer in every placement of lib,
// read from the store at most MaxAge ago (now, when lib is not the one
// of the last read: a reloaded library). When the store cannot be read,
// the last statistics are returned with the error, or nil before any.
func (l *Live) Stats(ctx context.Context, lib *decide.Library) (decide.Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.cur != nil && l.lib == lib && now.Sub(l.read) < l.maxAge {
		return l.cur, nil
	}
	st, err := decide.LoadStats(ctx, l.store, lib)
	if err != nil {
		if l.lib != lib {
			return nil, err
		}
		return l.cur, err
	}
	l.lib, l.read, l.cur = lib, now, st
	return st, nil
}
