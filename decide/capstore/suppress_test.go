package capstore

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"

	"github.com/offermail/offermail/internal/redistest"
)

// TestSuppressionShared: the suppression list is the store's, seen by
// every client of one Redis namespace (not by another namespace), and kept
// in a bbolt file across opens; a read-only open reads it, and a file that
// never had a list reads as an empty one.
func TestSuppressionShared(t *testing.T) {
	ctx := context.Background()
	entry := []decide.Suppression{{Recipient: "u1", Time: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Reason: "unsubscribe"}}
	check := func(name string, s decide.Store, want bool) {
		t.Helper()
		got, err := s.Suppressed(ctx, []string{"u1"})
		if err != nil || !slices.Equal(got, []bool{want}) {
			t.Errorf("%s: Suppressed(u1) = %v, %v; want %v", name, got, err, want)
		}
	}

	srv := redistest.Start(t)
	var rs []*Redis
	for _, ns := range []string{"a", "a", "b"} {
		r, err := OpenRedis("redis://" + srv.Addr + "/0?namespace=" + ns)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		rs = append(rs, r)
	}
	if _, err := rs[0].Suppress(ctx, entry); err != nil {
		t.Fatal(err)
	}
	check("another client of the namespace", rs[1], true)
	check("another namespace", rs[2], false)

	path := filepath.Join(t.TempDir(), "state.db")
	b, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	check("a bbolt file without a list", b, false)
	b.Close()
	ro, err := Open("bolt:"+path, WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	check("read-only, without a list", ro, false)
	if _, err := ro.Suppress(ctx, entry); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Suppress on a read-only store = %v, want ErrReadOnly", err)
	}
	ro.Close()
	b, err = OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	b.Suppress(ctx, entry)
	b.Close()
	ro, err = Open("bolt:"+path, WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	check("reopened read-only", ro, true)
}
