package capstore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore/storetest"
)

func TestBoltLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	// The crash helper holds the file open while it reserves.
	cmd := helperCmd(t, "crash", "CAPSTORE_URL=bolt:"+path, "CAPSTORE_SEED=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "open\n" {
		t.Fatalf("helper said %q, %v; want it to open %s", line, err, path)
	}

	_, err = OpenBolt(path, WithLockTimeout(50*time.Millisecond))
	if err == nil {
		t.Fatalf("OpenBolt(%s) while another process has it = nil error, want the file to be locked", path)
	}
	if !errors.Is(err, decide.ErrStoreUnavailable) || !errors.Is(err, ErrLocked) {
		t.Errorf("OpenBolt error %q does not wrap ErrStoreUnavailable and ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("OpenBolt error = %q, want it to name %s and say it is locked", err, path)
	}
}

func TestBoltPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenBolt(path)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u1", "kept", counterOf("k", 5, 2))}, decide.Committed)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = OpenBolt(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	storetest.WantCounts(t, s, []string{"k"}, 2)
	storetest.WantRecords(t, s, "c", []string{"u1"}, []byte("kept"))
	storetest.Reserve(t, s, []decide.Reservation{reservation("c", "u1", "again", counterOf("k", 5, 2))}, decide.Replayed)
}

func TestBoltForeignFile(t *testing.T) {
	dir := t.TempDir()
	notBolt := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notBolt, []byte("hello, this is not a database file at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(notBolt); err == nil || !strings.Contains(err.Error(), notBolt) {
		t.Errorf("OpenBolt(text file) = %v, want an error naming the file", err)
	}

	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keyFormat, []byte("something-else/9"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(other); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("OpenBolt(other format) = %v, want an unknown format error", err)
	}
}

// TestBoltPrune: write transactions delete expired counters as they pass
// over them, and leave live ones alone.
func TestBoltPrune(t *testing.T) {
	clock := storetest.NewClock(t0)
	s := openBolt(t, storetest.Options{Clock: clock.Now, Retention: 0}).(*Bolt)
	t.Cleanup(func() { s.Close() })
	var rs []decide.Reservation
	for i := range 3 * pruneStep {
		u := fmt.Sprintf("u%04d", i)
		rs = append(rs, reservation("c", u, "r",
			decide.Counter{Key: "w|" + u, Limit: 1, N: 1, Expire: t0.Add(time.Hour)},
			counterOf("life|"+u, 1, 1)))
	}
	storetest.Reserve(t, s, rs[:1], decide.Committed)
	for i := range rs[1:] {
		storetest.Reserve(t, s, rs[1+i:2+i], decide.Committed)
	}
	clock.Set(t0.Add(2 * time.Hour))
	// Enough small batches for the prune cursor to go round the bucket.
	for i := range 2 * len(rs) * 2 / pruneStep {
		storetest.Reserve(t, s, []decide.Reservation{reservation("c", "x"+fmt.Sprintf("u%04d", i), "r")}, decide.Committed)
	}
	windowed, lifetime := 0, 0
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCounters).ForEach(func(k, v []byte) error {
			c, err := s.layout.decode(v)
			switch {
			case err != nil:
				return err
			case c.deadline != 0:
				windowed++
			default:
				lifetime++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if windowed != 0 || lifetime != len(rs) {
		t.Errorf("after pruning: %d windowed and %d lifetime counters, want 0 and %d", windowed, lifetime, len(rs))
	}
}
