package capstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/offermail/offermail/decide"
)

// Defaults of the options.
const (
	// DefaultRetention is how long a windowed counter outlives its window
	// (and its last write); see WithRetention.
	DefaultRetention = 24 * time.Hour
	// DefaultNamespace is the Redis hash tag every key of a store shares.
	DefaultNamespace = "om"
	// DefaultLockTimeout is how long OpenBolt waits for another process to
	// release the file.
	DefaultLockTimeout = 2 * time.Second
)

// ErrClosed is returned by the methods of a store after Close.
var ErrClosed = errors.New("store closed")

// ErrLocked is wrapped, with decide.ErrStoreUnavailable, by OpenBolt when
// another process holds the file: bbolt admits one process at a time.
var ErrLocked = errors.New("store in use")

// ErrBadURL is wrapped by Open for a store URL that is malformed or of an
// unknown form: a usage error, unlike an unreachable store.
var ErrBadURL = errors.New("bad store URL")

// An Option configures a store. Options that do not apply to a store are
// ignored by it (a namespace means nothing to bbolt).
type Option func(*config)

type config struct {
	now         func() time.Time
	retain      time.Duration
	namespace   string
	lockTimeout time.Duration
	readOnly    bool
}

func newConfig(opts []Option) config {
	c := config{
		// The one place the package reads the wall clock: the default
		// clock, replaced with WithClock by tests and dry runs.
		now:         time.Now,
		retain:      DefaultRetention,
		namespace:   DefaultNamespace,
		lockTimeout: DefaultLockTimeout,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func (c *config) nowMillis() int64 { return c.now().UnixMilli() }

// WithClock sets the clock that decides when windowed counters expire.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithRetention sets how long a windowed counter is kept and counted after
// its Expire: its deadline is max(Expire, time of the write) + d. A run
// whose decision time was frozen before midnight keeps counting in the
// window it decided in, instead of starting that window over when the
// store's clock passes the window's end. Zero follows decide.Counter
// literally: a counter reads as 0 from its Expire on.
func WithRetention(d time.Duration) Option {
	return func(c *config) { c.retain = max(d, 0) }
}

// WithNamespace sets the Redis namespace: every key of the store starts
// with "{ns}:", one Redis Cluster hash tag. It must not contain braces.
func WithNamespace(ns string) Option {
	return func(c *config) { c.namespace = ns }
}

// WithReadOnly opens a store for a dry run: it must exist (a bbolt file is
// not created), it is opened read-only (bbolt shares its lock with other
// readers), and Reserve, Add, Suppress and Unsuppress fail with
// ErrReadOnly.
func WithReadOnly() Option {
	return func(c *config) { c.readOnly = true }
}

// ErrReadOnly is returned by Reserve and Add of a store opened with
// WithReadOnly.
var ErrReadOnly = errors.New("store opened read-only (a dry run never counts)")

// readOnlyIf wraps a store opened WithReadOnly so that it refuses writes.
func readOnlyIf(s decide.Store, err error, opts []Option) (decide.Store, error) {
	if err != nil {
		return nil, err
	}
	if newConfig(opts).readOnly {
		return readOnlyStore{s}, nil
	}
	return s, nil
}

// readOnlyStore refuses the calls that write.
type readOnlyStore struct{ decide.Store }

func (readOnlyStore) Reserve(context.Context, []decide.Reservation) ([]decide.Outcome, error) {
	return nil, ErrReadOnly
}

func (readOnlyStore) Add(context.Context, []decide.Delta) error { return ErrReadOnly }

func (readOnlyStore) Suppress(context.Context, []decide.Suppression) (int, error) {
	return 0, ErrReadOnly
}

func (readOnlyStore) Unsuppress(context.Context, []string) (int, error) { return 0, ErrReadOnly }

// WithLockTimeout sets how long OpenBolt waits for the file lock held by
// another process before it gives up.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) { c.lockTimeout = d }
}

// Open opens the store a URL names:
//
//	memory:               an in-memory store (dry runs, tests)
//	bolt:PATH             a bbolt file, created when missing
//	redis://[:PASSWORD@]HOST:PORT/DB[?namespace=NS]
//	rediss://…            the same over TLS
func Open(rawURL string, opts ...Option) (decide.Store, error) {
	switch {
	case rawURL == "memory:" || rawURL == "memory":
		return readOnlyIf(NewMemory(opts...), nil, opts)
	case strings.HasPrefix(rawURL, "bolt:"):
		path := strings.TrimPrefix(rawURL, "bolt:")
		if path == "" {
			return nil, fmt.Errorf("open store %q: %w: empty path, want bolt:PATH", rawURL, ErrBadURL)
		}
		s, err := OpenBolt(path, opts...)
		return readOnlyIf(s, err, opts)
	case strings.HasPrefix(rawURL, "redis://"), strings.HasPrefix(rawURL, "rediss://"):
		s, err := OpenRedis(rawURL, opts...)
		return readOnlyIf(s, err, opts)
	}
	//lint:ignore ST1005 the message ends with the scheme memory:, which is what the user types
	return nil, fmt.Errorf("open store %q: %w: unknown form, want bolt:PATH, redis://HOST:PORT/DB or memory:", redact(rawURL), ErrBadURL)
}

// redact hides a password in a URL that is echoed in an error.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	return u.Redacted()
}
