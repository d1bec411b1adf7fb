package batch

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// BenchmarkRun runs the sample newsletter end to end (read, decide and
// reserve in bbolt, render, write eml files, journal) over generated
// recipients. The figure to read is recipients/s; see the README for the
// 20,000 and 200,000-recipient runs of the binary with peak memory.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := generated(b, n, gen.Options{Seed: 1})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				cfg := config(b, newsletter, path)
				cfg.Out = filepath.Join(b.TempDir(), fmt.Sprint("out", i))
				rep, err := runBatch(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Totals.Written != n {
					b.Fatalf("wrote %d, want %d", rep.Totals.Written, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "recipients/s")
		})
	}
}
