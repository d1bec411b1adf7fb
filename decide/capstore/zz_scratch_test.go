package capstore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scratch: not to be committed.
func TestScratchProfile(t *testing.T) {
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
	// warm
	for i := 0; i < 200; i++ {
		s.Reserve(ctx, benchBatch(i, 256))
	}
	c.ConfigResetStat(ctx)
	cpu0 := redisCPU(c)
	if os.Getenv("SCRATCH_PERF") != "" {
		fmt.Println("PID", srv.cmd.Process.Pid)
		time.Sleep(2 * time.Second)
	}
	start := time.Now()
	n := 2000
	for i := 200; i < 200+n; i++ {
		if _, err := s.Reserve(ctx, benchBatch(i, 256)); err != nil {
			t.Fatal(err)
		}
	}
	el := time.Since(start)
	fmt.Printf("%d res in %v: %.0f/s, %.2f us/res\n", n*256, el, float64(n*256)/el.Seconds(), float64(el.Microseconds())/float64(n*256))
	fmt.Printf("server cpu %.2f us/res\n", (redisCPU(c)-cpu0)*1e6/float64(n*256))
	info, _ := c.Info(ctx, "commandstats").Result()
	for _, l := range strings.Split(info, "\n") {
		if strings.HasPrefix(l, "cmdstat_") {
			fmt.Println(l)
		}
	}
}

func redisCPU(c *redis.Client) float64 {
	info, _ := c.Info(context.Background(), "cpu").Result()
	var total float64
	for _, l := range strings.Split(info, "\n") {
		l = strings.TrimSpace(l)
		for _, p := range []string{"used_cpu_user:", "used_cpu_sys:"} {
			if v, ok := strings.CutPrefix(l, p); ok {
				var f float64
				fmt.Sscan(v, &f)
				total += f
			}
		}
	}
	return total
}
