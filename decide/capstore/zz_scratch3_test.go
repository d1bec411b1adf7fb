package capstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide"
)

// Scratch: not to be committed. Decomposes the wall time of one batch.
func TestScratchTimeline(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	srv := startRedis(t)
	s, err := OpenRedis(srv.url(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := redis.NewClient(&redis.Options{Addr: srv.addr})
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		s.Reserve(ctx, benchBatch(i, 256))
	}
	var build, enc, call, dec, total time.Duration
	n := 1500
	c.ConfigResetStat(ctx)
	cpu0 := redisCPU(c)
	for b := 300; b < 300+n; b++ {
		t0 := time.Now()
		rs := benchBatch(b, 256)
		t1 := time.Now()
		now := s.cfg.nowMillis()
		sc := newScriptCall(s.cfg.namespace, rs, now, s.cfg.retain.Milliseconds())
		keys, args := sc.keysAndArgs(now, s.windows.get())
		t2 := time.Now()
		reply, err := s.reserve.run(ctx, s.client, keys, args)
		if err != nil {
			t.Fatal(err)
		}
		t3 := time.Now()
		items := reply.([]any)
		var out []decide.Outcome
		_ = out
		if err := decodeOutcomes(items[2:], rs, make([]decide.Outcome, 256)); err != nil {
			t.Fatal(err)
		}
		t4 := time.Now()
		build += t1.Sub(t0)
		enc += t2.Sub(t1)
		call += t3.Sub(t2)
		dec += t4.Sub(t3)
		total += t4.Sub(t0)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 / float64(n*256) }
	fmt.Printf("us/res: build %.2f enc %.2f call %.2f dec %.2f total %.2f => %.0f/s; server cpu %.2f\n",
		per(build), per(enc), per(call), per(dec), per(total), float64(n*256)/total.Seconds(), (redisCPU(c)-cpu0)*1e6/float64(n*256))
}
