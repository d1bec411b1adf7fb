// Package boundtest helps the tests of hostile input show that a bound
// holds: the bytes a call allocates, measured in the test process, and a
// generous deadline that ends a test whose bound failed instead of letting
// it hang. No test asserts how long anything took.
package boundtest

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// Deadline is how long a bounded call may run before the test fails: far
// beyond what any bound allows, so only a missing bound reaches it.
const Deadline = 2 * time.Minute

// Allocated returns the bytes f allocates, measured in this process.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Within runs f and fails the test if it has not returned by Deadline.
func Within(t testing.TB, f func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("still running after the deadline: %v", ctx.Err())
	}
}
