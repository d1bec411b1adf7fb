package capstore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Scratch: not to be committed. Times prefixes of reserveLua.
func TestScratchStages(t *testing.T) {
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
	for i := 0; i < 600; i++ {
		s.Reserve(ctx, benchBatch(i, 256))
	}
	for _, src := range []string{"return {1, {}}", "local a = cmsgpack.unpack(ARGV[3]) return {1, {}}", "local x = 0 for i = 4, #ARGV do x = x + #ARGV[i] end return {1, {}}"} {
		sc := newScript(src)
		c.ConfigResetStat(ctx)
		for b := 600; b < 1000; b++ {
			now := s.cfg.nowMillis()
			call := newScriptCall(s.cfg.namespace, benchBatch(b, 256), now, s.cfg.retain.Milliseconds())
			keys, args := call.keysAndArgs(now, s.windows.get())
			if _, err := sc.run(ctx, c, keys, args); err != nil {
				t.Fatal(err)
			}
		}
		info, _ := c.Info(ctx, "commandstats").Result()
		for _, l := range strings.Split(info, "\n") {
			if strings.HasPrefix(l, "cmdstat_evalsha") {
				fmt.Printf("%-40q %s\n", src, l)
			}
		}
	}
	marks := []string{"local strs = {}", "local function notcount", "-- The ledger entries of the batch", "-- add holds one", "-- Writes. A window", "out[2] = names"}
	for _, m := range marks {
		i := strings.Index(reserveLua, m)
		src := reserveLua[:i] + "\nreturn {1, {}}\n"
		if m == "out[2] = names" {
			src = reserveLua
		}
		sc := newScript(src)
		c.ConfigResetStat(ctx)
		for b := 600; b < 1000; b++ {
			now := s.cfg.nowMillis()
			call := newScriptCall(s.cfg.namespace, benchBatch(b, 256), now, s.cfg.retain.Milliseconds())
			keys, args := call.keysAndArgs(now, s.windows.get())
			if _, err := sc.run(ctx, c, keys, args); err != nil {
				t.Fatal(err)
			}
		}
		info, _ := c.Info(ctx, "commandstats").Result()
		for _, l := range strings.Split(info, "\n") {
			if strings.HasPrefix(l, "cmdstat_eval") {
				fmt.Printf("%-40q %s\n", m, l)
			}
		}
	}
}
