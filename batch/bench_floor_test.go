package batch

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/internal/cputime"
)

// BenchmarkFilesAtScale is issue 10's file-per-message figure as one run
// measures it: a batch of OFFERMAIL_BENCH_RECIPIENTS generated recipients
// (200,000 when unset) of the sample newsletter, one file per message,
// then the file system's floor in the same process on the same file
// system — the same names and sizes created in OUT/tmp, written, renamed
// into OUT/messages by the same sink, from as many goroutines as the run
// has workers, synced every 512 messages as the journal syncs them. The
// run's files are kept until both are done, so the floor does not write
// into space the run's deletion freed. Each reports cpu-µs/recipient
// (user+sys of the process) and recipients/s (wall); "floor" also reports
// the ratios run/floor of both. Run it alone, once, on a fresh file
// system:
//
//	TMPDIR=/mnt/f go test ./batch -run '^$' -bench BenchmarkFilesAtScale -benchtime 1x
func BenchmarkFilesAtScale(b *testing.B) {
	n := 200_000
	if s := os.Getenv("OFFERMAIL_BENCH_RECIPIENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("OFFERMAIL_BENCH_RECIPIENTS=%q: want a positive number", s)
		}
		n = v
	}
	dir := b.TempDir()
	path := generated(b, n, gen.Options{Seed: 1})
	workers := runtime.NumCPU()
	var runCPU, runWall time.Duration
	var out string
	b.Run("files", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			cfg := config(b, newsletter, path)
			cfg.Out, cfg.Workers = filepath.Join(dir, "run"+strconv.Itoa(i)), workers
			cpu0, wall0 := cputime.Used(), time.Now()
			rep, err := runBatch(context.Background(), cfg)
			runCPU, runWall = cputime.Used()-cpu0, time.Since(wall0)
			if err != nil {
				b.Fatal(err)
			}
			if rep.Totals.Written != n {
				b.Fatalf("wrote %d, want %d", rep.Totals.Written, n)
			}
			out = cfg.Out
		}
		reportScale(b, n, runCPU, runWall)
	})
	if out == "" {
		return // -bench matched only the floor: it needs the run's files
	}
	entries, err := os.ReadDir(filepath.Join(out, messagesDir))
	if err != nil {
		b.Fatal(err)
	}
	names, sizes := make([]string, len(entries)), make([]int, len(entries))
	largest := 0
	for i, e := range entries {
		info, err := e.Info()
		if err != nil {
			b.Fatal(err)
		}
		names[i], sizes[i] = e.Name(), int(info.Size())
		largest = max(largest, sizes[i])
	}
	// The floor's bytes: a message of the run, repeated to the largest
	// size (what is written does not change what writing costs).
	first, err := os.ReadFile(filepath.Join(out, messagesDir, names[0]))
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 0, largest)
	for len(data) < largest {
		data = append(data, first[:min(len(first), largest-len(data))]...)
	}
	b.Run("floor", func(b *testing.B) {
		var cpu, wall time.Duration
		for i := 0; b.Loop(); i++ {
			cpu0, wall0 := cputime.Used(), time.Now()
			if err := floor(filepath.Join(dir, "floor"+strconv.Itoa(i)), workers, names, sizes, data); err != nil {
				b.Fatal(err)
			}
			cpu, wall = cputime.Used()-cpu0, time.Since(wall0)
		}
		reportScale(b, n, cpu, wall)
		b.ReportMetric(float64(runCPU)/float64(cpu), "run/floor-cpu")
		b.ReportMetric(float64(runWall)/float64(wall), "run/floor-wall")
	})
}

// floor writes the named files of the given sizes into out's messages
// as the files sink does, from workers goroutines, syncing every
// commitLines files.
func floor(out string, workers int, names []string, sizes []int, data []byte) error {
	fs, err := openFiles(out, "eml")
	if err != nil {
		return err
	}
	defer fs.close()
	var next, written atomic.Int64
	var syncMu sync.Mutex
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(names) {
					errs <- nil
					return
				}
				if err := fs.write(names[k], data[:sizes[k]]); err != nil {
					errs <- err
					return
				}
				if written.Add(1)%commitLines == 0 {
					syncMu.Lock()
					err := fs.Sync()
					syncMu.Unlock()
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	for range workers {
		if e := <-errs; e != nil && err == nil {
			err = e
			next.Store(int64(len(names))) // the others stop at their next file
		}
	}
	if err != nil {
		return err
	}
	return fs.Sync()
}

func reportScale(b *testing.B, n int, cpu, wall time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/recipient")
	b.ReportMetric(float64(n)/wall.Seconds(), "recipients/s")
}
