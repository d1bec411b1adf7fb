package capstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore/storetest"

	"github.com/offermail/offermail/internal/redistest"
)

// TestOverlayConformance: over an empty store, an overlay is a store like
// any other.
func TestOverlayConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, o storetest.Options) decide.Store {
		base := NewMemory()
		t.Cleanup(func() { base.Close() })
		return NewOverlay(base, options(o)...)
	})
}

// TestOverlayReadsNeverWrites: over a bbolt file and a real Redis, the
// overlay counts on from the store's values — a total cap of 5 with 1
// counted grants 4 more, exactly, to concurrent callers and within one
// batch naming the counter many times — while the store stays as it was:
// the bbolt file byte for byte, every Redis key's value.
func TestOverlayReadsNeverWrites(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
		// state is what a write would change: the file, or every key.
		state func(t *testing.T, url string) string
	}{
		{"bolt", func(t *testing.T) string { return "bolt:" + filepath.Join(t.TempDir(), "state.db") },
			func(t *testing.T, url string) string { return string(fileHash(t, strings.TrimPrefix(url, "bolt:"))) }},
		{"redis", func(t *testing.T) string { return srv.URL(t) }, func(t *testing.T, _ string) string { return dumpRedis(t, srv.Addr) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			url := tc.url(t)
			s, err := Open(url)
			if err != nil {
				t.Fatal(err)
			}
			total := decide.Counter{Key: "cap|o|total|all|*|*", Limit: 5, N: 1}
			if _, err := s.Reserve(ctx, []decide.Reservation{{Campaign: "earlier", Recipient: "r0", Counters: []decide.Counter{total}, Record: []byte("{}")}}); err != nil {
				t.Fatal(err)
			}
			if err := s.Add(ctx, []decide.Delta{{Key: "fb|click|o|hero", N: 5}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Suppress(ctx, []decide.Suppression{{Recipient: "gone", Time: time.Unix(0, 0)}}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			before := tc.state(t, url)

			base, err := Open(url, WithReadOnly())
			if err != nil {
				t.Fatal(err)
			}
			defer base.Close()
			o := NewOverlay(base)
			defer o.Close()
			// One batch of 3 reservations of the counter, as a batch run
			// sends them: with 1 counted, all 3 fit (the counter is copied
			// once, not once per reservation naming it).
			batch := make([]decide.Reservation, 3)
			for i := range batch {
				batch[i] = decide.Reservation{Campaign: "sim", Recipient: fmt.Sprintf("b%d", i), Counters: []decide.Counter{total}, Record: []byte("{}")}
			}
			out, err := o.Reserve(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			granted := 0
			for _, r := range out {
				if r.Status == decide.Committed {
					granted++
				}
			}
			if granted != 3 {
				t.Errorf("one batch of 3 reservations got %d of a total cap of 5 with 1 counted, want 3", granted)
			}
			// Then concurrent callers: 1 left.
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out, err := o.Reserve(ctx, []decide.Reservation{{Campaign: "sim", Recipient: fmt.Sprintf("c%d", i), Counters: []decide.Counter{total}, Record: []byte("{}")}})
					if err != nil {
						t.Error(err)
						return
					}
					if out[0].Status == decide.Committed {
						mu.Lock()
						granted++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if granted != 4 {
				t.Errorf("the overlay granted %d of a total cap of 5 with 1 counted, want 4", granted)
			}
			if err := o.Add(ctx, []decide.Delta{{Key: "fb|click|o|hero", N: 1}}); err != nil {
				t.Fatal(err)
			}
			got, err := o.Counts(ctx, []string{total.Key, "fb|click|o|hero", "never"})
			if err != nil || got[0] != 5 || got[1] != 6 || got[2] != 0 {
				t.Errorf("overlay Counts = %v, %v; want [5 6 0]", got, err)
			}
			if v, _ := base.Counts(ctx, []string{total.Key, "fb|click|o|hero"}); v[0] != 1 || v[1] != 5 {
				t.Errorf("the base store's counters changed to %v; want [1 5]", v)
			}
			// The suppression list reads the store's, and changes stay in
			// the overlay.
			if on, err := o.Suppressed(ctx, []string{"gone", "new"}); err != nil || !on[0] || on[1] {
				t.Errorf("overlay Suppressed(gone, new) = %v, %v; want [true false]", on, err)
			}
			if n, err := o.Unsuppress(ctx, []string{"gone"}); err != nil || n != 1 {
				t.Errorf("overlay Unsuppress(gone) = %d, %v; want 1", n, err)
			}
			if n, err := o.Suppress(ctx, []decide.Suppression{{Recipient: "new", Time: time.Unix(0, 0)}}); err != nil || n != 1 {
				t.Errorf("overlay Suppress(new) = %d, %v; want 1", n, err)
			}
			if on, err := o.Suppressed(ctx, []string{"gone", "new"}); err != nil || on[0] || !on[1] {
				t.Errorf("overlay Suppressed(gone, new) after the changes = %v, %v; want [false true]", on, err)
			}
			if on, err := base.Suppressed(ctx, []string{"gone", "new"}); err != nil || !on[0] || on[1] {
				t.Errorf("the base store's Suppressed(gone, new) = %v, %v; want [true false], unchanged", on, err)
			}
			if recs, _ := o.Records(ctx, "earlier", []string{"r0"}); recs[0] != nil {
				t.Errorf("the overlay's ledger holds the base store's record; it starts empty")
			}
			base.Close()
			if after := tc.state(t, url); after != before {
				t.Errorf("the store changed under an overlay")
			}
		})
	}
}

func fileHash(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return sum[:]
}

// dumpRedis is every key of the server with its serialized value, in
// key order.
func dumpRedis(t *testing.T, addr string) string {
	t.Helper()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("Redis holds no key; the test counted nothing")
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		v, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		fmt.Fprintf(&b, "%q=%q\n", k, v)
	}
	return b.String()
}

// TestOverlayForgetRecipients: with ForgetRecipients, after 100
// recipients are reserved the overlay holds the shared total counter alone
// (no per-recipient counter, no ledger record), and the total cap still
// binds exactly.
func TestOverlayForgetRecipients(t *testing.T) {
	ctx := context.Background()
	base := NewMemory()
	defer base.Close()
	o := NewOverlay(base)
	o.ForgetRecipients()
	defer o.Close()
	total := decide.Counter{Key: "cap|o|total|all|*|*", Limit: 60, N: 1}
	granted := 0
	for i := range 100 {
		r := fmt.Sprintf("r%d", i)
		own := decide.Counter{Key: "cap|o|profile|all|*|" + r, Limit: 1, N: 1}
		out, err := o.Reserve(ctx, []decide.Reservation{{Campaign: "sim", Recipient: r, Counters: []decide.Counter{total, own}, Record: []byte("{}")}})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Status == decide.Committed {
			granted++
		}
	}
	if granted != 60 {
		t.Errorf("granted %d of a total cap of 60, want 60", granted)
	}
	o.mem.mu.Lock()
	defer o.mem.mu.Unlock()
	if len(o.mem.counters) != 1 || len(o.mem.ledger["sim"]) != 0 || len(o.copied) != 1 {
		t.Errorf("the overlay holds %d counters, %d records and %d copied keys; want 1, 0, 1 (the total alone)",
			len(o.mem.counters), len(o.mem.ledger["sim"]), len(o.copied))
	}
}
