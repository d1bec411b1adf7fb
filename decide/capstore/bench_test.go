package capstore

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"

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
