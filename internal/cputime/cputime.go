// Package cputime measures the CPU time (user and system) of the process,
// for benchmarks on a machine shared with other work: wall time per
// operation depends on the machine's load, CPU time much less so.
package cputime

import (
	"testing"
	"time"
)

// Used returns the user and system CPU time the process has used so far;
// 0 where the platform does not say.
func Used() time.Duration { return used() }

// Report measures the CPU time of the rest of b's run and reports it per
// operation as "cpu-ns/op": call it just before the benchmark loop, and
// defer the function it returns.
//
//	defer cputime.Report(b)()
//	for b.Loop() { ... }
func Report(b *testing.B) func() {
	start := Used()
	return func() {
		if d := Used() - start; d > 0 && b.N > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}
