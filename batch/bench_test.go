package batch

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/internal/cputime"
)

// benchRecipients is the size of one run of the batch benchmarks; run
// them with -benchtime Nx for N runs (100x: 200,000 recipients).
const benchRecipients = 2000

// BenchmarkFilesFloor is what the file system alone costs a run with one
// file per message: the message files of a run of BenchmarkRun/files (the
// same names and bytes, made before the timer) written by the same sink —
// created in OUT/tmp, written, renamed into OUT/messages — and synced as
// the journal syncs them, every 512 messages. Compare its cpu-µs/recipient
// with BenchmarkRun/files' in the same run, on a fresh file system. (It
// comes first in this file so that go test runs it first, before
// BenchmarkRun's files are deleted: on ext4 without a journal, creating
// files right after mass deletions costs several times more.)
func BenchmarkFilesFloor(b *testing.B) {
	cfg := config(b, newsletter, generated(b, benchRecipients, gen.Options{Seed: 1}))
	if _, err := runBatch(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	msgs := messageFiles(b, cfg.Out)
	names := make([]string, 0, len(msgs))
	for name := range msgs {
		names = append(names, name)
	}
	slices.Sort(names)
	b.ReportAllocs()
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		cpu0 := cputime.Used()
		fs, err := openFiles(filepath.Join(b.TempDir(), fmt.Sprint("out", i)), "eml")
		if err != nil {
			b.Fatal(err)
		}
		for k, name := range names {
			if err := fs.write(name, msgs[name]); err != nil {
				b.Fatal(err)
			}
			if k%commitLines == commitLines-1 {
				if err := fs.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := fs.Sync(); err != nil {
			b.Fatal(err)
		}
		fs.close()
		cpu += cputime.Used() - cpu0
	}
	b.ReportMetric(float64(benchRecipients*b.N)/b.Elapsed().Seconds(), "recipients/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(benchRecipients*b.N), "cpu-µs/recipient")
}

// BenchmarkRun runs the sample newsletter end to end (read, decide and
// reserve in bbolt, render, encode eml, write, journal) over generated
// recipients, with one file per message ("files") and packed into parts of
// 1,000 ("pack"). Figures: recipients/s (wall, on a shared machine) and
// cpu-µs/recipient (user+sys of the whole process, all cores). See the
// README for the 1,000,000-recipient run of the binary.
func BenchmarkRun(b *testing.B) {
	path := generated(b, benchRecipients, gen.Options{Seed: 1})
	for _, mode := range []struct {
		name string
		pack int
	}{{"files", 0}, {"pack", 1000}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for i := 0; b.Loop(); i++ {
				cfg := config(b, newsletter, path)
				cfg.Out, cfg.Pack = filepath.Join(b.TempDir(), fmt.Sprint("out", i)), mode.pack
				cpu0 := cputime.Used()
				rep, err := runBatch(context.Background(), cfg)
				cpu += cputime.Used() - cpu0
				if err != nil {
					b.Fatal(err)
				}
				if rep.Totals.Written != benchRecipients {
					b.Fatalf("wrote %d, want %d", rep.Totals.Written, benchRecipients)
				}
			}
			b.ReportMetric(float64(benchRecipients*b.N)/b.Elapsed().Seconds(), "recipients/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(benchRecipients*b.N), "cpu-µs/recipient")
		})
	}
}
