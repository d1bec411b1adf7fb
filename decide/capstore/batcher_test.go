package capstore

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// gatedFlush is a flush that records batch sizes, echoes each record back
// as its outcome, and holds its first call until the gate opens.
type gatedFlush struct {
	gate    chan struct{}
	entered chan struct{}
	mu      sync.Mutex
	sizes   []int
	err     error
}

func newGatedFlush() *gatedFlush {
	return &gatedFlush{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
}

func (g *gatedFlush) flush(rs []decide.Reservation, out []decide.Outcome) error {
	g.mu.Lock()
	first := len(g.sizes) == 0
	g.sizes = append(g.sizes, len(rs))
	g.mu.Unlock()
	if first {
		g.entered <- struct{}{}
		<-g.gate
	}
	for i := range rs {
		out[i] = decide.Outcome{Status: decide.Replayed, Record: rs[i].Record}
	}
	return g.err
}

// waitQueued spins until n reservations wait in the queue.
func waitQueued(b *batcher, n int) {
	for {
		b.mu.Lock()
		q := b.queued
		b.mu.Unlock()
		if q == n {
			return
		}
		runtime.Gosched()
	}
}

func batchOf(names ...string) []decide.Reservation {
	rs := make([]decide.Reservation, len(names))
	for i, n := range names {
		rs[i] = reservation("c", n, n)
	}
	return rs
}

// callAsync reserves rs in a goroutine and checks each caller gets its
// own outcomes back.
func callAsync(t *testing.T, b *batcher, wg *sync.WaitGroup, rs []decide.Reservation) {
	wg.Go(func() {
		out, err := b.reserve(context.Background(), rs)
		if err != nil {
			t.Errorf("reserve: %v", err)
			return
		}
		for i := range rs {
			if string(out[i].Record) != string(rs[i].Record) {
				t.Errorf("reserve outcome %d = %q, want the caller's own %q", i, out[i].Record, rs[i].Record)
			}
		}
	})
}

func TestBatcherCoalesces(t *testing.T) {
	tests := []struct {
		name     string
		maxBatch int
		calls    []int // sizes of the calls made while the first flush runs
		want     []int // sizes of the flushes after the first
	}{
		{"all in one", 1000, []int{1, 1, 1, 1, 1, 1, 1, 1}, []int{8}},
		{"split at max", 10, slices.Repeat([]int{1}, 25), []int{10, 10, 5}},
		{"whole calls only", 10, []int{4, 4, 4}, []int{8, 4}},
		{"large call alone", 10, []int{2, 30, 2}, []int{2, 30, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGatedFlush()
			b := newBatcher(g.flush, batchPolicy{maxBatch: tt.maxBatch, parallel: 1})
			defer b.close()
			var wg sync.WaitGroup
			callAsync(t, b, &wg, batchOf("first"))
			<-g.entered
			queued := 0
			for i, n := range tt.calls {
				names := make([]string, n)
				for j := range names {
					names[j] = strings.Repeat("x", i+1) + string(rune('a'+j%26))
				}
				callAsync(t, b, &wg, batchOf(names...))
				// One at a time, so the queue order is the call order.
				queued += n
				waitQueued(b, queued)
			}
			close(g.gate)
			wg.Wait()
			if got := g.sizes[1:]; !slices.Equal(got, tt.want) {
				t.Errorf("flush sizes after the first = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBatcherCancelBeforeFlush(t *testing.T) {
	g := newGatedFlush()
	b := newBatcher(g.flush, batchPolicy{maxBatch: 100, parallel: 1})
	defer b.close()
	var wg sync.WaitGroup
	callAsync(t, b, &wg, batchOf("first"))
	<-g.entered

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := b.reserve(ctx, batchOf("withdrawn"))
		done <- err
	}()
	waitQueued(b, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("reserve with cancelled ctx = %v, want context.Canceled", err)
	}
	close(g.gate)
	wg.Wait()
	b.close()
	if !slices.Equal(g.sizes, []int{1}) {
		t.Errorf("flush sizes = %v, want only the first call: a withdrawn call is never flushed", g.sizes)
	}
}

// TestBatcherCancelDuringFlush: a caller whose context ends while the
// flush holding its call runs (a stalled store) gets its context's error
// at once; the flush goes on and completes for the batch.
func TestBatcherCancelDuringFlush(t *testing.T) {
	g := newGatedFlush()
	b := newBatcher(g.flush, batchPolicy{maxBatch: 100, parallel: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := b.reserve(ctx, batchOf("stalled"))
		done <- err
	}()
	<-g.entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("reserve cancelled during its flush = %v, want context.Canceled", err)
	}
	close(g.gate)
	b.close()
	if !slices.Equal(g.sizes, []int{1}) {
		t.Errorf("flush sizes = %v, want [1]: the flush still ran", g.sizes)
	}
}

func TestBatcherErrors(t *testing.T) {
	boom := errors.New("disk full")
	g := newGatedFlush()
	g.err = boom
	close(g.gate)
	b := newBatcher(g.flush, batchPolicy{maxBatch: 100, parallel: 1})
	if _, err := b.reserve(context.Background(), batchOf("a")); !errors.Is(err, boom) {
		t.Errorf("reserve with a failing flush = %v, want %v", err, boom)
	}
	b.close()

	panicky := newBatcher(func([]decide.Reservation, []decide.Outcome) error { panic("bug") }, batchPolicy{maxBatch: 100, parallel: 1})
	_, err := panicky.reserve(context.Background(), batchOf("a"))
	if err == nil || !strings.Contains(err.Error(), "bug") {
		t.Errorf("reserve with a panicking flush = %v, want an error naming the panic", err)
	}
	panicky.close()
	if _, err := panicky.reserve(context.Background(), batchOf("a")); !errors.Is(err, ErrClosed) {
		t.Errorf("reserve after close = %v, want ErrClosed", err)
	}
}

// TestBatcherCloseDrains: what is queued when close is called is applied.
func TestBatcherCloseDrains(t *testing.T) {
	g := newGatedFlush()
	b := newBatcher(g.flush, batchPolicy{maxBatch: 100, parallel: 1})
	var wg sync.WaitGroup
	callAsync(t, b, &wg, batchOf("first"))
	<-g.entered
	callAsync(t, b, &wg, batchOf("queued1", "queued2"))
	waitQueued(b, 2)
	closed := make(chan struct{})
	go func() { b.close(); close(closed) }()
	close(g.gate)
	<-closed
	wg.Wait()
	if !slices.Equal(g.sizes, []int{1, 2}) {
		t.Errorf("flush sizes = %v, want [1 2]", g.sizes)
	}
}

// TestBatcherCallerFlushTakesSlot: a call of at least a quarter of a batch that
// finds nothing queued is flushed by its caller, in a flush slot like any
// other: a call made while it holds the only slot waits in the queue.
func TestBatcherCallerFlushTakesSlot(t *testing.T) {
	g := newGatedFlush()
	b := newBatcher(g.flush, batchPolicy{maxBatch: 8, parallel: 1})
	defer b.close()
	var wg sync.WaitGroup
	callAsync(t, b, &wg, batchOf("a1", "a2", "a3"))
	<-g.entered
	callAsync(t, b, &wg, batchOf("b1", "b2", "b3"))
	waitQueued(b, 3)
	close(g.gate)
	wg.Wait()
	if !slices.Equal(g.sizes, []int{3, 3}) {
		t.Errorf("flush sizes = %v, want [3 3]", g.sizes)
	}
}

// TestBatcherLingersWhenBusy: with lingerBusy, a call that comes alone is
// flushed at once (a linger of an hour would hang the test), and after a
// batch of several calls the next batch waits for enough reservations.
func TestBatcherLingersWhenBusy(t *testing.T) {
	g := newGatedFlush()
	close(g.gate)
	b := newBatcher(g.flush, batchPolicy{maxBatch: 100, linger: time.Hour, enough: 4, lingerBusy: true, parallel: 1})
	defer b.close()
	var wg sync.WaitGroup
	callAsync(t, b, &wg, batchOf("solo"))
	wg.Wait()

	g2 := newGatedFlush()
	b2 := newBatcher(g2.flush, batchPolicy{maxBatch: 100, linger: time.Hour, enough: 4, lingerBusy: true, parallel: 1})
	defer b2.close()
	callAsync(t, b2, &wg, batchOf("first"))
	<-g2.entered
	callAsync(t, b2, &wg, batchOf("a"))
	waitQueued(b2, 1)
	callAsync(t, b2, &wg, batchOf("b"))
	waitQueued(b2, 2)
	close(g2.gate)
	wg.Wait() // first alone, then a and b together: the batcher is busy
	for i, n := range []string{"c", "d", "e"} {
		callAsync(t, b2, &wg, batchOf(n))
		// Lingering: each call stays queued, nothing is flushed yet.
		for {
			b2.mu.Lock()
			q := b2.queued
			b2.mu.Unlock()
			g2.mu.Lock()
			flushed := len(g2.sizes) > 2
			g2.mu.Unlock()
			if flushed {
				wg.Wait()
				t.Fatalf("busy: flushed %v before %d reservations gathered", g2.sizes, 4)
			}
			if q == i+1 {
				break
			}
			runtime.Gosched()
		}
	}
	callAsync(t, b2, &wg, batchOf("f"))
	wg.Wait()
	if !slices.Equal(g.sizes, []int{1}) {
		t.Errorf("lone call: flush sizes = %v, want [1]", g.sizes)
	}
	if !slices.Equal(g2.sizes, []int{1, 2, 4}) {
		t.Errorf("busy: flush sizes = %v, want [1 2 4]", g2.sizes)
	}
}
