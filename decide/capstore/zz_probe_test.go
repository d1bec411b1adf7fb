package capstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestProbeRedis(t *testing.T) {
	srv := startRedis(t)
	s, err := OpenRedis(srv.url(t))
	if err != nil { t.Fatal(err) }
	defer s.Close()
	ctx := context.Background()
	const N = 400
	start := time.Now()
	for b := range N {
		rs := benchBatch(b, 256)
		if _, err := s.Reserve(ctx, rs); err != nil { t.Fatal(err) }
	}
	fmt.Println("Reserve per batch", time.Since(start)/N)
	info, _ := s.client.Info(context.Background(), "commandstats").Result()
	for _, l := range strings.Split(info, "\n") { if strings.HasPrefix(l, "cmdstat_evalsha:") { fmt.Println(l) } }
}
