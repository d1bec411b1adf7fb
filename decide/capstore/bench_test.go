package capstore

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/internal/cputime"
	"github.com/offermail/offermail/internal/redistest"
)

// benchBatch builds batch i of size reservations, each for a new
// recipient, with three counters (a shared total, a monthly per-recipient
// cap and a per-placement lifetime cap) and a 200-byte record, as a
// campaign run would reserve them.
func benchBatch(i, size int) []decide.Reservation {
	rs := make([]decide.Reservation, size)
	for j := range rs {
		u := "u" + strconv.Itoa(i*size+j)
		rs[j] = decide.Reservation{
			Campaign:  "bench",
			Recipient: u,
			Record:    benchRecord,
			Counters: []decide.Counter{
				{Key: "cap|hero-offer|total|all|*|*", Limit: 1 << 60, N: 1},
				{Key: "cap|hero-offer|profile|m2026-11|*|" + u, Limit: 3, N: 1, Expire: benchMonthEnd},
				{Key: "cap|side-offer|profile|all|sidebar|" + u, Limit: 1, N: 1},
			},
		}
	}
	return rs
}

var (
	benchRecord   = bytes.Repeat([]byte("d"), 200)
	benchMonthEnd = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

// benchReserve reserves b.N batches of size from callers goroutines and
// reports reservations per second. Batches are built inside the loop, as
// a run builds them; building one costs about a twentieth of storing it.
func benchReserve(b *testing.B, s decide.Store, size, callers int) {
	var next atomic.Int64
	reserve := func() bool {
		rs := benchBatch(int(next.Add(1)-1), size)
		out, err := s.Reserve(context.Background(), rs)
		if err != nil {
			b.Errorf("Reserve: %v", err)
			return false
		}
		if out[0].Status != decide.Committed {
			b.Errorf("Reserve = %v, want committed", out[0].Status)
			return false
		}
		return true
	}
	b.ReportAllocs()
	b.ResetTimer()
	if callers == 1 {
		for i := 0; i < b.N && reserve(); i++ {
		}
	} else {
		// RunParallel starts GOMAXPROCS × parallelism goroutines.
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((callers + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() && reserve() {
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "reservations/s")
}

// benchCases are the shapes measured: a run that reserves 256 at a time
// from one or four workers, and 64 workers that reserve one at a time and
// rely on group commit.
var benchCases = []struct {
	name          string
	size, callers int
}{
	{"batch256", 256, 1},
	{"batch256x4", 256, 4},
	{"single64", 1, 64},
}

func BenchmarkReserveBolt(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			s, err := OpenBolt(filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchReserve(b, s, c.size, c.callers)
		})
	}
}

func BenchmarkReserveRedis(b *testing.B) {
	srv := redistest.Start(b)
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			s, err := OpenRedis(srv.URL(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchReserve(b, s, c.size, c.callers)
		})
	}
}

func BenchmarkReserveMemory(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			benchReserve(b, NewMemory(), c.size, c.callers)
		})
	}
}

// runRecipients is how many recipients one run of BenchmarkReserveBoltRun
// reserves, in batches of 256, into a new file.
const runRecipients = 50_000

// runBatch is batch i of a campaign run as the sample newsletter reserves
// it: recipients in file order, each with a ledger record of about 65
// bytes, a shared total counter and two per-recipient caps whose prefixes
// (an offer's, a window's) differ from recipient to recipient among a few.
func runBatch(i, size int) []decide.Reservation {
	rs := make([]decide.Reservation, size)
	offers := []string{"parka-30|profile|w2026-11-29|*|", "new-member-welcome|profile|all|*|",
		"gift-card-bonus|profile|d2026-12-02|hero|", "gold-double-points|profile|m2026-12|*|",
		"trail-runner-20|profile|m2026-12|*|", "gift-card-bonus|profile|d2026-12-02|banner|"}
	for j := range rs {
		n := i*size + j
		u := fmt.Sprintf("r%07d", n)
		rs[j] = decide.Reservation{
			Campaign:  "bench",
			Recipient: u,
			Record:    []byte("2|parka-30 95|new-member-welcome,merino-bundle 65|gift-card-bonus"),
			Counters: []decide.Counter{
				{Key: "cap|gold-double-points|total|all|*|*", Limit: 1 << 60, N: 1},
				{Key: "cap|" + offers[n%len(offers)] + u, Limit: 3, N: 1, Expire: benchMonthEnd.AddDate(0, 1, 0)},
				{Key: "cap|" + offers[(n/7)%len(offers)] + u, Limit: 3, N: 1},
			},
		}
	}
	return rs
}

// BenchmarkReserveBoltRun is the store's share of a batch run: 50,000
// recipients reserved 256 at a time into a new bbolt file, one caller.
// Figures: cpu-µs/recipient (user+sys of the process) and reservations/s.
func BenchmarkReserveBoltRun(b *testing.B) {
	const size = 256
	batches := make([][]decide.Reservation, (runRecipients+size-1)/size)
	for i := range batches {
		batches[i] = runBatch(i, size)
	}
	b.ReportAllocs()
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		s, err := OpenBolt(filepath.Join(b.TempDir(), fmt.Sprint("run", i, ".db")))
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := cputime.Used()
		for _, rs := range batches {
			out, err := s.Reserve(context.Background(), rs)
			if err != nil {
				b.Fatal(err)
			}
			if out[0].Status != decide.Committed {
				b.Fatalf("Reserve = %v, want committed", out[0].Status)
			}
		}
		cpu += cputime.Used() - cpu0
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(len(batches) * size * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "reservations/s")
	b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/recipient")
}
