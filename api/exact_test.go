package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
)

// flood sends n counted requests for distinct recipients from 64
// concurrent clients, spread over the services, and returns how many
// answers gave the scarce offer (total cap 100). Every request must
// succeed.
func flood(t *testing.T, n int, fxs ...*fixture) int64 {
	t.Helper()
	var granted, next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			fx := fxs[c%len(fxs)]
			client := fx.srv.Client()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				body := fmt.Sprintf(`{"recipient": {"id": "r%d"}, "propositionRequests": [{"activity": "act", "placement": "hero"}]}`, i)
				resp, err := client.Post(fx.srv.URL+"/v1/decisions", "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err.Error()
					return
				}
				data, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil {
					errs <- fmt.Sprintf("status %d: %s %v", resp.StatusCode, data, err)
					return
				}
				if strings.Contains(string(data), `"id":"scarce"`) {
					granted.Add(1)
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	return granted.Load()
}

// TestExactCapBolt: 64 concurrent clients, 400 recipients, a total cap of
// 100 on the embedded store: exactly 100 granted.
func TestExactCapBolt(t *testing.T) {
	f := start(t, "", nil)
	if got := flood(t, 400, f); got != 100 {
		t.Errorf("scarce granted %d times, want exactly 100", got)
	}
	if n := f.counter(t, scarceKey); n != 100 {
		t.Errorf("scarce's counter = %d, want 100", n)
	}
}

// TestExactCapRedis: three services, each with its own connection and
// batcher as separate replicas have, on one Redis: exactly 100 granted.
// The script calls show the requests coalescing.
func TestExactCapRedis(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL(t)
	f := start(t, url, nil)
	var fxs = []*fixture{f}
	for i := 0; i < 2; i++ {
		store, err := capstore.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		cfg := f.cfg
		cfg.Store = store
		cfg.Registry = nil
		fxs = append(fxs, serve(t, cfg, f.clock))
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	rdb.ConfigResetStat(t.Context())
	const n = 400
	if got := flood(t, n, fxs...); got != 100 {
		t.Errorf("scarce granted %d times over three replicas, want exactly 100", got)
	}
	if c := f.counter(t, scarceKey); c != 100 {
		t.Errorf("scarce's counter = %d, want 100", c)
	}
	stats, _ := rdb.Info(t.Context(), "commandstats").Result()
	for _, line := range strings.Split(stats, "\n") {
		if strings.HasPrefix(line, "cmdstat_evalsha:") || strings.HasPrefix(line, "cmdstat_eval:") {
			t.Logf("%d requests; %s", n, strings.TrimSpace(line))
		}
	}
}
