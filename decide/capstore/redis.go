package capstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/offermail/offermail/decide"
)

// Group commit defaults for Redis. Scripts run one at a time on the
// server; a second call in flight lets the next batch be encoded and sent
// while the previous one executes, and more would only make batches
// smaller.
const (
	redisMaxBatch = 512
	redisLinger   = 100 * time.Microsecond
	redisFlushers = 2
	// readChunk bounds the keys of one MGET or HMGET.
	readChunk = 1024
)

// Redis is a store on a Redis server, shared by every worker and machine
// that opens the same URL and namespace. Every key lives in one hash slot
// (see the package doc), so each batch is one atomic script call.
type Redis struct {
	cfg     config
	addr    string
	client  *redis.Client
	b       *batcher
	closed  atomic.Bool // see Bolt.closed
	windows windowCache
	reserve *script
	counts  *script
	add     *script
}

var _ decide.Store = (*Redis)(nil)

// OpenRedis connects to the server a URL names,
//
//	redis://[[USER]:PASSWORD@]HOST:PORT/DB[?namespace=NS&OPTION=…]
//
// (rediss:// for TLS; the go-redis URL options such as dial_timeout
// apply), and checks that it answers. A server that cannot be reached is
// an error wrapping decide.ErrStoreUnavailable. The namespace may also be
// set with WithNamespace; the URL wins.
func OpenRedis(rawURL string, opts ...Option) (*Redis, error) {
	cfg := newConfig(opts)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open redis: %w %q", ErrBadURL, redact(rawURL))
	}
	q := u.Query()
	if ns := q.Get("namespace"); q.Has("namespace") {
		cfg.namespace = ns
		q.Del("namespace")
		u.RawQuery = q.Encode()
	}
	if cfg.namespace == "" || strings.ContainsAny(cfg.namespace, "{}") {
		return nil, fmt.Errorf("open redis: %w: namespace %q: want a non-empty name without braces", ErrBadURL, cfg.namespace)
	}
	o, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("open redis %s: %w: %w", u.Redacted(), ErrBadURL, err)
	}
	// Without it go-redis ignores a context's deadline and waits for its
	// own read timeout (5 s) and retries: a stalled server would hold an
	// API request well past its request timeout.
	o.ContextTimeoutEnabled = true
	if o.DialerRetries == 0 {
		// go-redis retries each dial 5 times on top of its command
		// retries; one dial per attempt still rides out a blip and lets
		// an unreachable server be reported in a fraction of a second.
		o.DialerRetries = 1
	}
	s := &Redis{
		cfg:     cfg,
		addr:    o.Addr,
		client:  redis.NewClient(o),
		reserve: newScript(reserveLua),
		counts:  newScript(countsLua),
		add:     newScript(addLua),
	}
	timeout := o.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		s.client.Close()
		return nil, fmt.Errorf("open redis %s: %w: %w", s.addr, decide.ErrStoreUnavailable, err)
	}
	if err := s.checkEviction(ctx); err != nil {
		s.client.Close()
		return nil, err
	}
	s.b = newBatcher(s.flush, batchPolicy{maxBatch: redisMaxBatch, linger: redisLinger, parallel: redisFlushers})
	return s, nil
}

// checkEviction refuses a server that may evict keys to make room: an
// evicted counter would read 0 and let a cap be passed. A server that does
// not let this client run INFO is given the benefit of the doubt.
func (s *Redis) checkEviction(ctx context.Context) error {
	info, err := s.client.Info(ctx, "memory").Result()
	if err != nil {
		return nil
	}
	for line := range strings.Lines(info) {
		if policy, ok := strings.CutPrefix(strings.TrimSpace(line), "maxmemory_policy:"); ok && policy != "noeviction" {
			return fmt.Errorf("open redis %s: maxmemory-policy is %s; caps need noeviction, or an evicted counter would read 0", s.addr, policy)
		}
	}
	return nil
}

// Namespace returns the hash tag name every key of the store carries.
func (s *Redis) Namespace() string { return s.cfg.namespace }

func (s *Redis) unavailable(op string, err error) error {
	return fmt.Errorf("%s: redis %s: %w: %w", op, s.addr, decide.ErrStoreUnavailable, err)
}

// callError keeps the caller's own cancellation recognisable and marks
// everything else as the store being unavailable.
func (s *Redis) callError(op string, ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) || errors.Is(err, errScriptReply) {
		return fmt.Errorf("%s: redis %s: %w", op, s.addr, err)
	}
	return s.unavailable(op, err)
}

// Reserve implements decide.Store. Concurrent calls are coalesced into
// script calls of up to the batch size; a call larger than that is split
// into consecutive script calls, applied in order.
func (s *Redis) Reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	return reserveBatched(ctx, s.b, rs)
}

// flush runs the reserve script on consecutive chunks of rs. If a call
// fails, the chunks before it are applied and the rest are not; the caller
// learns which by retrying (applied ones come back Replayed). If the reply
// of a call that ran is lost, the same holds: the script ran whole or not
// at all.
func (s *Redis) flush(rs []decide.Reservation, out []decide.Outcome) error {
	ctx := context.Background()
	now := s.cfg.nowMillis()
	retain := s.cfg.retain.Milliseconds()
	for len(rs) > 0 {
		limit := min(s.b.maxBatch, maxCallReservations)
		n, counters := 0, 0
		for n < len(rs) && n < limit {
			if n > 0 && counters+len(rs[n].Counters) > maxCallCounters {
				break
			}
			counters += len(rs[n].Counters)
			n++
		}
		call := newScriptCall(s.cfg.namespace, rs[:n], now, retain)
		items, err := s.run(ctx, s.reserve, func(windows []string) ([]string, []any) {
			return call.keysAndArgs(now, windows)
		})
		if err == nil {
			err = decodeOutcomes(items, rs[:n], out[:n])
		}
		switch {
		case errors.Is(err, errScriptReply):
			return fmt.Errorf("redis %s: %w", s.addr, err)
		case err != nil:
			// Reserve names the operation.
			return fmt.Errorf("redis %s: %w: %w", s.addr, decide.ErrStoreUnavailable, err)
		}
		rs, out = rs[n:], out[n:]
	}
	return nil
}

// Records implements decide.Store.
func (s *Redis) Records(ctx context.Context, campaign string, recipients []string) ([][]byte, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("records: %w", ErrClosed)
	}
	out := make([][]byte, 0, len(recipients))
	key := ledgerKey(s.cfg.namespace, campaign)
	for len(recipients) > 0 {
		chunk := recipients[:min(len(recipients), readChunk)]
		recipients = recipients[len(chunk):]
		vals, err := s.client.HMGet(ctx, key, chunk...).Result()
		if err != nil {
			return nil, s.callError("records", ctx, err)
		}
		for _, v := range vals {
			if str, ok := v.(string); ok {
				out = append(out, []byte(str))
			} else {
				out = append(out, nil)
			}
		}
	}
	return out, nil
}

// Close applies what is queued and closes the connections.
func (s *Redis) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.b.close()
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("close redis %s: %w", s.addr, err)
	}
	return nil
}

// script is a Lua script run by EVALSHA, falling back to EVAL (which also
// caches it on the server) when the server answers NOSCRIPT, as after a
// restart or SCRIPT FLUSH.
type script struct {
	src, sha string
}

func newScript(src string) *script {
	return &script{src: src, sha: redis.NewScript(src).Hash()}
}

func (sc *script) run(ctx context.Context, c redis.Scripter, keys []string, args []any) (any, error) {
	reply, err := c.EvalSha(ctx, sc.sha, keys, args...).Result()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		reply, err = c.Eval(ctx, sc.src, keys, args...).Result()
	}
	return reply, err
}
