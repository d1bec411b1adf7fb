package track

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/cputime"
	"github.com/offermail/offermail/internal/redistest"
)

// BenchmarkLiveStats: what learned ranking's statistics cost a process
// that decides — the service per request, a batch run per batch of
// recipients, the preview per page — for the sample library: "fresh" is
// a read within the second (the common case), "reread" one that reads the
// store again (once a second at most). cpu-ns/op is this process's CPU
// time (Redis's own is not in it).
//
//	go test ./track -run '^$' -bench LiveStats -benchtime 2000x
func BenchmarkLiveStats(b *testing.B) {
	lib, err := decide.Load(filepath.Join("..", "templates", "library"))
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	stores := map[string]func(b *testing.B) string{
		"bolt":  func(b *testing.B) string { return "bolt:" + filepath.Join(b.TempDir(), "state.db") },
		"redis": func(b *testing.B) string { return redistest.Start(b).URL(b) },
	}
	for _, name := range []string{"bolt", "redis"} {
		s, err := capstore.Open(stores[name](b))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		for _, mode := range []string{"fresh", "reread"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				var tick time.Duration
				now := func() time.Time { return at }
				if mode == "reread" {
					now = func() time.Time { tick += time.Second; return at.Add(tick) }
				}
				live := NewLive(s, time.Second, now)
				b.ReportAllocs()
				defer cputime.Report(b)()
				for b.Loop() {
					if _, err := live.Stats(ctx, lib, at); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
