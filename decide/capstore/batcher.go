package capstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/offermail/offermail/decide"
)

// flushFunc applies a batch of reservations in one transaction (bbolt) or
// a few script calls (Redis) and fills out, one Outcome per reservation.
type flushFunc func(rs []decide.Reservation, out []decide.Outcome) error

// batcher is group commit: reservations of concurrent callers are queued,
// and a committer goroutine applies everything queued in one flush. While
// a flush is on disk or on the wire the next batch builds up, so callers
// that reserve one recipient at a time share transactions and round trips
// without any fixed delay; linger only adds a short wait when a flush slot
// is free but the batch is not yet full.
type batcher struct {
	flush    flushFunc
	maxBatch int
	linger   time.Duration
	// enough is the batch size worth sending without lingering: a
	// quarter of maxBatch unless the policy says. Lingering only pays
	// when callers come one reservation at a time.
	enough int
	// lingerBusy lingers only after a batch that carried more than one
	// call: callers that come one at a time with gaps between them are
	// not made to wait for company that is not coming.
	lingerBusy bool

	mu     sync.Mutex
	queue  []*request
	queued int // reservations in queue, for maxBatch
	closed bool
	// crowded: the last batch taken carried more than one call.
	crowded bool

	wake    chan struct{} // something was queued, or Close
	full    chan struct{} // queued reached enough, ends a linger early
	slots   chan struct{} // one token per flush in flight
	stopped chan struct{} // the committer has returned
	flushes sync.WaitGroup
}

type request struct {
	rs    []decide.Reservation
	out   []decide.Outcome
	err   error
	done  chan struct{}
	taken bool // a flush owns rs; the caller must wait for done
}

// batchPolicy is how a store group-commits.
type batchPolicy struct {
	maxBatch int           // reservations in one flush at most
	linger   time.Duration // how long a small batch may wait for more
	enough   int           // a batch this large never waits; 0: maxBatch/4
	// lingerBusy: wait only after a batch that carried several calls.
	lingerBusy bool
	parallel   int // flushes in flight at once
}

func newBatcher(flush flushFunc, p batchPolicy) *batcher {
	maxBatch := max(p.maxBatch, 1)
	enough := p.enough
	if enough <= 0 {
		enough = maxBatch / 4
	}
	b := &batcher{
		flush:      flush,
		maxBatch:   maxBatch,
		linger:     p.linger,
		enough:     max(min(enough, maxBatch), 1),
		lingerBusy: p.lingerBusy,
		wake:       make(chan struct{}, 1),
		full:       make(chan struct{}, 1),
		slots:      make(chan struct{}, max(p.parallel, 1)),
		stopped:    make(chan struct{}),
	}
	go b.run()
	return b
}

// reserveBatched is Reserve for the stores that group-commit through b:
// reservations are checked before they join anyone else's batch.
func reserveBatched(ctx context.Context, b *batcher, rs []decide.Reservation) ([]decide.Outcome, error) {
	if err := validate(rs); err != nil {
		return nil, fmt.Errorf("reserve: %w", err)
	}
	if len(rs) == 0 {
		return []decide.Outcome{}, nil
	}
	out, err := b.reserve(ctx, rs)
	if err != nil {
		return nil, fmt.Errorf("reserve: %w", err)
	}
	return out, nil
}

// reserve queues rs and waits for its outcomes. If ctx ends before a flush
// took the request, the request is withdrawn and nothing of it is applied.
// If it ends while a flush that took it runs (a stalled Redis), reserve
// returns ctx's error at once rather than when the flush gives up: the
// flush goes on for the other callers of its batch, and rs may have been
// applied or not, as when a store's reply is lost (a retry tells). The
// flush may read rs after reserve returned; callers build a new slice
// per call and do not touch it again.
func (b *batcher) reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	// A call worth sending alone, with nobody queued before it and a
	// flush slot free, is flushed by its caller: handing it to the
	// committer and the outcomes back costs goroutine wake-ups, which on
	// a busy machine take longer than a small batch's round trip.
	if len(b.queue) == 0 && len(rs) >= b.enough {
		select {
		case b.slots <- struct{}{}:
			b.flushes.Add(1)
			b.mu.Unlock()
			return b.flushAlone(rs)
		default:
		}
	}
	req := &request{rs: rs, done: make(chan struct{})}
	b.queue = append(b.queue, req)
	b.queued += len(rs)
	enough := b.queued >= b.enough
	b.mu.Unlock()
	signal(b.wake)
	if enough {
		signal(b.full)
	}

	select {
	case <-req.done:
	case <-ctx.Done():
		select {
		case <-req.done:
			return req.out, req.err
		default:
		}
		b.mu.Lock()
		if !req.taken {
			b.withdraw(req)
		}
		b.mu.Unlock()
		return nil, ctx.Err()
	}
	return req.out, req.err
}

// flushAlone flushes rs in a slot the caller took.
func (b *batcher) flushAlone(rs []decide.Reservation) ([]decide.Outcome, error) {
	defer func() {
		<-b.slots
		b.flushes.Done()
	}()
	out := make([]decide.Outcome, len(rs))
	if err := b.safeFlush(rs, out); err != nil {
		return nil, err
	}
	return out, nil
}

// withdraw removes req from the queue; b.mu is held.
func (b *batcher) withdraw(req *request) {
	for i, q := range b.queue {
		if q == req {
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			b.queued -= len(req.rs)
			return
		}
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (b *batcher) run() {
	defer close(b.stopped)
	for {
		<-b.wake
		for {
			b.slots <- struct{}{}
			b.lingerIfSmall()
			batch, last := b.take()
			if len(batch) == 0 {
				<-b.slots
				if last {
					b.flushes.Wait()
					return
				}
				break
			}
			b.flushes.Add(1)
			go b.apply(batch)
		}
	}
}

// lingerIfSmall waits up to linger for the batch to grow to enough.
func (b *batcher) lingerIfSmall() {
	if b.linger <= 0 {
		return
	}
	b.mu.Lock()
	small := b.queued > 0 && b.queued < b.enough && !b.closed && (b.crowded || !b.lingerBusy)
	b.mu.Unlock()
	if !small {
		return
	}
	t := time.NewTimer(b.linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.full:
	}
}

// take removes whole requests from the queue, up to maxBatch reservations
// but always at least one request. last reports that the batcher is closed
// and nothing is left.
func (b *batcher) take() (batch []*request, last bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, i := 0, 0
	for ; i < len(b.queue); i++ {
		q := b.queue[i]
		if i > 0 && n+len(q.rs) > b.maxBatch {
			break
		}
		q.taken = true
		n += len(q.rs)
	}
	batch = append(batch, b.queue[:i]...)
	if len(batch) > 0 {
		b.crowded = len(batch) > 1
	}
	b.queue = append(b.queue[:0], b.queue[i:]...)
	b.queued -= n
	// Drain a stale "full" signal so the next linger is not cut short.
	if b.queued < b.enough {
		select {
		case <-b.full:
		default:
		}
	}
	return batch, b.closed && len(b.queue) == 0 && len(batch) == 0
}

func (b *batcher) apply(batch []*request) {
	defer func() {
		<-b.slots
		b.flushes.Done()
	}()
	var err error
	if len(batch) == 1 {
		r := batch[0]
		r.out = make([]decide.Outcome, len(r.rs))
		err = b.safeFlush(r.rs, r.out)
	} else {
		n := 0
		for _, r := range batch {
			n += len(r.rs)
		}
		rs := make([]decide.Reservation, 0, n)
		for _, r := range batch {
			rs = append(rs, r.rs...)
		}
		out := make([]decide.Outcome, n)
		err = b.safeFlush(rs, out)
		for _, r := range batch {
			r.out, out = out[:len(r.rs):len(r.rs)], out[len(r.rs):]
		}
	}
	for _, r := range batch {
		if err != nil {
			r.out, r.err = nil, err
		}
		close(r.done)
	}
}

// safeFlush keeps a panic in a backend from killing the process: it
// becomes an error for the callers of that batch.
func (b *batcher) safeFlush(rs []decide.Reservation, out []decide.Outcome) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return b.flush(rs, out)
}

// close stops accepting requests, applies what is queued and waits for
// every flush to finish.
func (b *batcher) close() {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	if !already {
		signal(b.wake)
	}
	<-b.stopped
}
