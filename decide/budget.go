package decide

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// What one evaluation of a rule or formula may cost (SPEC §3: a bounded
// cost). The bounds are counted, not timed, so an evaluation that goes over
// fails the same way on every machine and every run: a rule is then false
// and a formula scores the offer's priority, with the reason in the trace.
const (
	// maxSteps bounds the time of one evaluation. A loop (count, all, map…)
	// charges its items times the size of its body before it starts;
	// reading a string or a list (comparing, searching, passing it to a
	// function) charges one step per 64 bytes or per item.
	maxSteps = 250_000
	// maxBytes bounds the strings and lists one evaluation builds, counted
	// before they are built where the size is known in advance.
	maxBytes = 1 << 20
	// maxItems is expr's own memory budget: the items of the lists, ranges
	// and maps its VM builds in one evaluation.
	maxItems = 1 << 16
	// itemBytes is what one item of a built list is counted as.
	itemBytes = 16
)

var (
	errSteps = fmt.Errorf("evaluation stopped: it needs more than %d steps (loops and long strings count)", maxSteps)
	errBytes = fmt.Errorf("evaluation stopped: it builds more than %d bytes of strings and lists", maxBytes)
)

// meter counts what evaluations cost and stops one that goes over its
// budget, or whose decision is cancelled, by panicking from a helper call:
// expr's VM turns the panic into the evaluation's error.
type meter struct {
	ctx  context.Context
	done <-chan struct{}
	// Spent by the current evaluation.
	steps, bytes int64
	// sinceCheck counts steps since ctx was last looked at.
	sinceCheck int64
}

// bind attaches the meter to a decision's context; nil is never cancelled.
func (m *meter) bind(ctx context.Context) {
	m.ctx, m.done = ctx, nil
	if ctx != nil {
		m.done = ctx.Done()
	}
}

// begin starts an evaluation. It returns the context's error when the
// decision was cancelled, so nothing more is evaluated for it.
func (m *meter) begin() error {
	m.steps, m.bytes = 0, 0
	if m.done != nil {
		select {
		case <-m.done:
			return m.ctx.Err()
		default:
		}
	}
	return nil
}

func (m *meter) step(n int64) {
	if n > maxSteps-m.steps {
		panic(errSteps)
	}
	m.steps += n
	// A long evaluation looks at its context every few thousand steps, so
	// a preview whose client went away stops within one evaluation.
	m.sinceCheck += n
	if m.sinceCheck >= 4096 && m.done != nil {
		m.sinceCheck = 0
		select {
		case <-m.done:
			panic(m.ctx.Err())
		default:
		}
	}
}

// alloc charges n bytes about to be built, and the steps to build them.
func (m *meter) alloc(n int64) {
	if n > maxBytes-m.bytes {
		panic(errBytes)
	}
	m.bytes += n
	m.step(n/64 + 1)
}

// read charges reading x: a string, or a list or map with what it holds.
// Numbers, booleans, times and nil cost nothing beyond the operation.
func (m *meter) read(x any) {
	switch v := x.(type) {
	case nil, bool, int, float64, time.Time, time.Duration:
		return
	case string:
		if len(v) >= 64 {
			m.step(int64(len(v)) / 64)
		}
		return
	}
	m.step(size(x, maxSteps-m.steps+1))
}

// size counts the items of x, nested ones included, and one per 64 bytes
// of its strings, stopping once the count passes limit: counting costs no
// more than what it allows.
func size(x any, limit int64) int64 {
	switch v := x.(type) {
	case string:
		return int64(len(v))/64 + 1
	case []any:
		n := int64(len(v)) + 1
		for _, e := range v {
			if n > limit {
				break
			}
			n += size(e, limit-n)
		}
		return n
	case map[string]any:
		n := int64(len(v)) + 1
		for k, e := range v {
			if n > limit {
				break
			}
			n += int64(len(k))/64 + size(e, limit-n)
		}
		return n
	case []string:
		n := int64(len(v)) + 1
		for _, e := range v {
			n += int64(len(e)) / 64
		}
		return n
	case []int:
		return int64(len(v)) + 1
	case []float64:
		return int64(len(v)) + 1
	case nil, bool, int, float64, time.Time, time.Duration:
		return 1
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return int64(rv.Len()) + 1
	}
	return 1
}

// length is the number of items a loop over x visits.
func length(x any) int64 {
	switch v := x.(type) {
	case []any:
		return int64(len(v))
	case []int:
		return int64(len(v))
	case []string:
		return int64(len(v))
	case map[string]any:
		return int64(len(v))
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return int64(rv.Len())
	}
	return 0
}

// built is the size a value counts for once built: its bytes, or its items.
func built(x any) int64 {
	switch v := x.(type) {
	case string:
		return int64(len(v))
	case []any:
		return int64(len(v)) * itemBytes
	case []string:
		return int64(len(v)) * itemBytes
	case map[string]any:
		return int64(len(v)) * itemBytes * 3
	}
	return 0
}
