package capstore

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

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
			b := newBatcher(g.flush, tt.maxBatch, 0, 1)
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
	b := newBatcher(g.flush, 100, 0, 1)
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

func TestBatcherErrors(t *testing.T) {
	boom := errors.New("disk full")
	g := newGatedFlush()
	g.err = boom
	close(g.gate)
	b := newBatcher(g.flush, 100, 0, 1)
	if _, err := b.reserve(context.Background(), batchOf("a")); !errors.Is(err, boom) {
		t.Errorf("reserve with a failing flush = %v, want %v", err, boom)
	}
	b.close()

	panicky := newBatcher(func([]decide.Reservation, []decide.Outcome) error { panic("bug") }, 100, 0, 1)
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
	b := newBatcher(g.flush, 100, 0, 1)
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
	b := newBatcher(g.flush, 8, 0, 1)
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
