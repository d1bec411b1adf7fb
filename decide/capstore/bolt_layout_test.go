package capstore

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore/storetest"
)

// formatOneFile creates a store file as the version before format 2 did:
// the three buckets and the format name, and writes counters (key →
// value, deadline) and ledger entries as it wrote them.
func formatOneFile(t *testing.T, counters map[string][2]int64, ledger map[[2]string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		meta.Put(keyFormat, []byte("offermail-capstore/1"))
		c, _ := tx.CreateBucket(bucketCounters)
		for k, v := range counters {
			var b [16]byte
			binary.BigEndian.PutUint64(b[:8], uint64(v[0]))
			binary.BigEndian.PutUint64(b[8:], uint64(v[1]))
			if err := c.Put([]byte(k), b[:]); err != nil {
				return err
			}
		}
		l, _ := tx.CreateBucket(bucketLedger)
		for pair, rec := range ledger {
			b, err := l.CreateBucketIfNotExists([]byte(pair[0]))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(pair[1]), []byte(rec)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBoltFormatOneConformance: a store file of format 1 passes the
// conformance suite, kept in its format.
func TestBoltFormatOneConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, o storetest.Options) decide.Store {
		s, err := OpenBolt(formatOneFile(t, nil, nil), options(o)...)
		if err != nil {
			t.Fatalf("OpenBolt: %v", err)
		}
		if s.layout.v2 {
			t.Fatal("a file of format 1 is opened as format 2")
		}
		return s
	})
}

// TestBoltFormatOneResumes: what the version before format 2 counted and
// recorded is read and counted on, as a run resumed across the upgrade
// needs, and the file stays in format 1.
func TestBoltFormatOneResumes(t *testing.T) {
	deadline := t0.Add(48 * time.Hour).UnixMilli()
	path := formatOneFile(t,
		map[string][2]int64{"cap|o|total|all|*|*": {199, 0}, "cap|o|profile|2026-12-02|*|u1": {1, deadline}},
		map[[2]string]string{{"c", "u1"}: `{"propositions":[]}`})
	s, err := OpenBolt(path, WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := s.Counts(ctx, []string{"cap|o|total|all|*|*", "cap|o|profile|2026-12-02|*|u1", "missing"})
	if err != nil || got[0] != 199 || got[1] != 1 || got[2] != 0 {
		t.Errorf("Counts = %v, %v; want [199 1 0]", got, err)
	}
	total := decide.Counter{Key: "cap|o|total|all|*|*", Limit: 200, N: 1}
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u1", "again", total)}, decide.Replayed)
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u2", "2|o", total)}, decide.Committed)
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u3", "2|o", total)}, decide.Exhausted)
	recs, err := s.Records(ctx, "c", []string{"u1", "u2"})
	if err != nil || string(recs[0]) != `{"propositions":[]}` || string(recs[1]) != "2|o" {
		t.Errorf("Records = %q, %v", recs, err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(bucketMeta).Get(keyFormat); string(f) != "offermail-capstore/1" {
			t.Errorf("format = %q, want the file's own offermail-capstore/1", f)
		}
		if v := tx.Bucket(bucketCounters).Get([]byte("cap|o|total|all|*|*")); len(v) != 16 || binary.BigEndian.Uint64(v) != 200 {
			t.Errorf("the total counter is stored as %x, want 200 in format 1", v)
		}
		return nil
	})
}

// TestBoltFormatTwoCompact: a new file is of format 2, where a counter
// under a long shared prefix costs its rest and a few bytes, and a read
// of a prefix never written finds nothing without writing.
func TestBoltFormatTwoCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	s, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "cap|new-member-welcome|profile|all|*|"
	var rs []decide.Reservation
	for i := range 100 {
		u := "r" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		rs = append(rs, reservation("c", u, "2|x", counterOf(prefix+u, 1, 1), counterOf("lifetime-without-bar", 1000, 1)))
	}
	want := make([]decide.Status, len(rs))
	for i := range want {
		want[i] = decide.Committed
	}
	storetest.Reserve(t, s, rs, want...)
	if got, err := s.Counts(context.Background(), []string{prefix + "raa", "never|seen", "lifetime-without-bar"}); err != nil || got[0] != 1 || got[1] != 0 || got[2] != 100 {
		t.Errorf("Counts = %v, %v; want [1 0 100]", got, err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(bucketMeta).Get(keyFormat); string(f) != "offermail-capstore/2" {
			t.Errorf("a new file has format %q, want offermail-capstore/2", f)
		}
		if n := tx.Bucket(bucketPrefixes).Stats().KeyN; n != 1 {
			t.Errorf("%d prefixes numbered, want 1", n)
		}
		keys, vals := 0, 0
		tx.Bucket(bucketCounters).ForEach(func(k, v []byte) error {
			keys += len(k)
			vals += len(v)
			return nil
		})
		if keys > 101*5 || vals > 101*3 {
			t.Errorf("101 counters take %d bytes of keys and %d of values, want at most 5 and 3 each", keys, vals)
		}
		return nil
	})
}
