package capstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore/storetest"

	"github.com/offermail/offermail/internal/redistest"
)

// TestRedisServerGone: calls after the server dies fail as unavailable;
// none of them succeeds partially.
func TestRedisServerGone(t *testing.T) {
	srv := redistest.Start(t)
	s, err := OpenRedis(srv.URL(t))
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	srv.Kill()
	ctx := context.Background()
	_, err = s.Reserve(ctx, []decide.Reservation{reservation("c", "u", "r", counterOf("k", 1, 1))})
	if !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("Reserve with the server gone = %v, want ErrStoreUnavailable", err)
	}
	if _, err := s.Counts(ctx, []string{"k"}); !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("Counts with the server gone = %v, want ErrStoreUnavailable", err)
	}
	if _, err := s.Records(ctx, "c", []string{"u"}); !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("Records with the server gone = %v, want ErrStoreUnavailable", err)
	}
	if err := s.Add(ctx, []decide.Delta{{Key: "k", N: 1}}); !errors.Is(err, decide.ErrStoreUnavailable) {
		t.Errorf("Add with the server gone = %v, want ErrStoreUnavailable", err)
	}
}

// TestRedisNoScript: after SCRIPT FLUSH (or a restart) the store falls
// back from EVALSHA to EVAL.
func TestRedisNoScript(t *testing.T) {
	srv := redistest.Start(t)
	s, err := OpenRedis(srv.URL(t))
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u1", "r", counterOf("k", 5, 1))}, decide.Committed)
	if err := s.client.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatalf("SCRIPT FLUSH: %v", err)
	}
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u2", "r", counterOf("k", 5, 1))}, decide.Committed)
	if err := s.Add(context.Background(), []decide.Delta{{Key: "k", N: 1}}); err != nil {
		t.Fatalf("Add after SCRIPT FLUSH: %v", err)
	}
	storetest.WantCounts(t, s, []string{"k"}, 3)
}

// TestRedisKeyLayout pins the documented layout: every key carries the
// namespace's hash tag, so one script may touch them all on a cluster;
// lifetime counters are fields of one hash, the counters of a window
// fields of the window's hash, which expires with them.
func TestRedisKeyLayout(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewClock(t0)
	s, err := OpenRedis("redis://"+srv.Addr+"/0", WithNamespace("acme"), WithClock(clock.Now))
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	_, end := decide.Window(decide.EveryDay, t0)
	storetest.Reserve(t, s, []decide.Reservation{reservation("summer", "u1", "rec",
		counterOf("cap|o|total|all|*|*", 5, 2),
		decide.Counter{Key: "cap|o|profile|d2026-06-15|*|u1", Limit: 5, N: 1, Expire: end})}, decide.Committed)

	ctx := context.Background()
	keys, err := s.client.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	window := fmt.Sprintf("{acme}:w:%d", end.UnixMilli())
	deadline := end.Add(DefaultRetention).UnixMilli()
	slices.Sort(keys)
	if want := []string{"{acme}:c", "{acme}:l:summer", "{acme}:w", window}; !slices.Equal(keys, want) {
		t.Errorf("KEYS * = %q, want %q", keys, want)
	}
	checks := []struct {
		key, field, want string
	}{
		{"{acme}:c", "cap|o|total|all|*|*", "2"},
		{window, "cap|o|profile|d2026-06-15|*|u1", fmt.Sprintf("1:%d", deadline)},
		{"{acme}:w", fmt.Sprint(end.UnixMilli()), fmt.Sprint(deadline)},
		{"{acme}:l:summer", "u1", "rec"},
	}
	for _, c := range checks {
		if got, err := s.client.HGet(ctx, c.key, c.field).Result(); err != nil || got != c.want {
			t.Errorf("HGET %s %s = %q, %v; want %q", c.key, c.field, got, err, c.want)
		}
	}
	// The TTL follows the store's clock: the deadline is 12h+24h after it.
	ttl, err := s.client.PTTL(ctx, window).Result()
	if want := time.Duration(deadline-t0.UnixMilli()) * time.Millisecond; err != nil || ttl <= want-time.Minute || ttl > want {
		t.Errorf("PTTL %s = %v, %v; want about %v", window, ttl, err, want)
	}
	for _, k := range []string{"{acme}:c", "{acme}:w", "{acme}:l:summer"} {
		if ttl, err := s.client.PTTL(ctx, k).Result(); err != nil || ttl != -1 {
			t.Errorf("PTTL %s = %v, %v; want -1 (no expiry)", k, ttl, err)
		}
	}
}

// TestRedisClusterSlot runs a batch of several campaigns against a
// one-node Redis Cluster, which refuses (CROSSSLOT) a script whose keys
// are in different hash slots.
func TestRedisClusterSlot(t *testing.T) {
	srv := redistest.Start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	// ADDSLOTS rather than ADDSLOTSRANGE, which needs Redis 7.
	slots := []any{"CLUSTER", "ADDSLOTS"}
	for i := range 16384 {
		slots = append(slots, i)
	}
	if err := c.Do(ctx, slots...).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTS: %v", err)
	}
	for {
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			t.Fatalf("CLUSTER INFO: %v", err)
		}
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The control: keys of two slots in one script are refused.
	err := c.Eval(ctx, "return 1", []string{"{a}:x", "{b}:y"}).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("EVAL over two slots = %v, want CROSSSLOT", err)
	}

	s, err := OpenRedis("redis://" + srv.Addr + "/0")
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	day := decide.Counter{Key: "cap|o|total|d2026-06-15|*|*", Limit: 5, N: 1, Expire: t0.Add(time.Hour)}
	rs := []decide.Reservation{
		reservation("summer", "u1", "r", counterOf("cap|o|total|all|*|*", 5, 1), counterOf("cap|o|profile|all|*|u1", 1, 1), day),
		reservation("winter", "u2", "r", counterOf("cap|o|total|all|*|*", 5, 1), counterOf("cap|o|profile|all|*|u2", 1, 1), day),
	}
	storetest.Reserve(t, s, rs, decide.Committed, decide.Committed)
	if err := s.Add(ctx, []decide.Delta{{Key: "fb|click|o|p", N: 1}, {Key: "fb|impression|o|p", N: 1}}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	storetest.WantCounts(t, s, []string{"cap|o|total|all|*|*", "fb|click|o|p", day.Key}, 2, 1, 2)
	storetest.WantRecords(t, s, "winter", []string{"u2", "u1"}, []byte("r"), nil)
}

// TestRedisPack checks the MessagePack forms the Go side writes against
// the server's own cmsgpack.
func TestRedisPack(t *testing.T) {
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	ints := []int64{0, 1, 127, 128, 255, 65536, 1<<32 - 1, 1 << 32, 1 << 50, -1, -32, -33, -(1 << 40)}
	strs := []string{"", "a", strings.Repeat("x", 31), strings.Repeat("y", 32), "\x00\xff\r\n", strings.Repeat("z", 1<<16)}
	pack := packArray(nil, len(ints)+len(strs))
	for _, v := range ints {
		pack = packInt(pack, v)
	}
	for _, s := range strs {
		pack = packString(pack, s)
	}
	// Numbers come back formatted, strings as they are.
	const lua = `
local t = cmsgpack.unpack(ARGV[1])
local out = {}
for i = 1, #t do
  if type(t[i]) == 'number' then out[i] = string.format('%d', t[i]) else out[i] = t[i] end
end
return out`
	got, err := c.Eval(context.Background(), lua, nil, pack).StringSlice()
	if err != nil {
		t.Fatalf("EVAL cmsgpack.unpack: %v", err)
	}
	var want []string
	for _, v := range ints {
		want = append(want, fmt.Sprint(v))
	}
	want = append(want, strs...)
	if len(got) != len(want) {
		t.Fatalf("cmsgpack.unpack gave %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cmsgpack.unpack value %d = %.40q, want %.40q", i, got[i], want[i])
		}
	}
}

// TestRedisNotACount: a counter field that holds something else is an
// error naming the counter, and the reservation changes nothing.
func TestRedisNotACount(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewClock(t0)
	s, err := OpenRedis(srv.URL(t), WithClock(clock.Now))
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	end := t0.Add(time.Hour)
	window := "{" + s.Namespace() + "}:w:" + windowName(end.UnixMilli())
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u0", "r",
		decide.Counter{Key: "w", Limit: 5, N: 1, Expire: end})}, decide.Committed)
	for key, field := range map[string]string{"{" + s.Namespace() + "}:c": "life", window: "w"} {
		if err := s.client.HSet(ctx, key, field, "many").Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []decide.Counter{counterOf("life", 5, 1), {Key: "w", Limit: 5, N: 1, Expire: end}} {
		_, err := s.Reserve(ctx, []decide.Reservation{reservation("c", "u1", "r", counterOf("other", 5, 1), c)})
		if err == nil || !strings.Contains(err.Error(), "counter "+c.Key+" holds many, not a count") {
			t.Errorf("Reserve(%s holding %q) = %v, want an error naming the counter", c.Key, "many", err)
		}
		if _, err := s.Counts(ctx, []string{c.Key}); err == nil || !strings.Contains(err.Error(), "not a count") {
			t.Errorf("Counts(%s holding %q) = %v, want an error", c.Key, "many", err)
		}
	}
	storetest.WantCounts(t, s, []string{"other"}, 0)
	storetest.WantRecords(t, s, "c", []string{"u1"}, nil)
}
