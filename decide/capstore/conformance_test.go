package capstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore/storetest"

	"github.com/offermail/offermail/internal/redistest"
)

// options turns what the suite asks for into the stores' options.
func options(o storetest.Options) []Option {
	if o.Clock == nil {
		return nil
	}
	return []Option{WithClock(o.Clock), WithRetention(o.Retention)}
}

func openMemory(_ *testing.T, o storetest.Options) decide.Store { return NewMemory(options(o)...) }

func openBolt(t *testing.T, o storetest.Options) decide.Store {
	s, err := OpenBolt(filepath.Join(t.TempDir(), "caps.db"), options(o)...)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	return s
}

func redisOpener(srv *redistest.Server) storetest.Opener {
	return func(t *testing.T, o storetest.Options) decide.Store {
		s, err := OpenRedis(srv.URL(t), options(o)...)
		if err != nil {
			t.Fatalf("OpenRedis: %v", err)
		}
		return s
	}
}

func TestMemoryConformance(t *testing.T) { storetest.Run(t, openMemory) }

func TestBoltConformance(t *testing.T) { storetest.Run(t, openBolt) }

func TestRedisConformance(t *testing.T) { storetest.Run(t, redisOpener(redistest.Start(t))) }

// TestErrClosed: beyond failing, as the suite asks, every call to a closed
// store of this package wraps ErrClosed.
func TestErrClosed(t *testing.T) {
	srv := redistest.Start(t)
	for name, open := range map[string]storetest.Opener{"memory": openMemory, "bolt": openBolt, "redis": redisOpener(srv)} {
		s := open(t, storetest.Options{})
		if err := s.Close(); err != nil {
			t.Fatalf("%s: Close: %v", name, err)
		}
		ctx := context.Background()
		_, rerr := s.Reserve(ctx, []decide.Reservation{reservation("c", "u", "r")})
		_, cerr := s.Counts(ctx, []string{"k"})
		_, lerr := s.Records(ctx, "c", []string{"u"})
		aerr := s.Add(ctx, []decide.Delta{{Key: "k", N: 1}})
		for op, err := range map[string]error{"Reserve": rerr, "Counts": cerr, "Records": lerr, "Add": aerr} {
			if !errors.Is(err, ErrClosed) {
				t.Errorf("%s: %s after Close = %v, want ErrClosed", name, op, err)
			}
		}
	}
}
