package capstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/offermail/offermail/decide/capstore/storetest"

	"github.com/offermail/offermail/internal/redistest"
)

// TestRedisExactProcesses: four processes of 16 goroutines each share one
// server; the cap still holds exactly.
func TestRedisExactProcesses(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL(t)
	const procs = 4
	var (
		mu        sync.Mutex
		committed []string
		wg        sync.WaitGroup
	)
	for p := range procs {
		cmd := helperCmd(t, "exact", "CAPSTORE_URL="+url,
			"CAPSTORE_PROC="+strconv.Itoa(p), "CAPSTORE_PROCS="+strconv.Itoa(procs))
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatalf("start helper %d: %v", p, err)
		}
		wg.Go(func() {
			err := cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("helper %d: %v", p, err)
				return
			}
			sc := bufio.NewScanner(&stdout)
			for sc.Scan() {
				committed = append(committed, sc.Text())
			}
		})
	}
	wg.Wait()
	s, err := OpenRedis(url)
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer s.Close()
	storetest.CheckExact(t, s, committed)
}

// exactHelper is one process of TestRedisExactProcesses: it reserves the
// recipients i with i%procs == proc and prints those committed.
func exactHelper() error {
	proc, err1 := strconv.Atoi(os.Getenv("CAPSTORE_PROC"))
	procs, err2 := strconv.Atoi(os.Getenv("CAPSTORE_PROCS"))
	if err1 != nil || err2 != nil || procs < 1 {
		return fmt.Errorf("CAPSTORE_PROC and CAPSTORE_PROCS must be numbers")
	}
	s, err := Open(os.Getenv("CAPSTORE_URL"))
	if err != nil {
		return err
	}
	defer s.Close()
	var ids []int
	for i := proc; i < storetest.ExactRecipients; i += procs {
		ids = append(ids, i)
	}
	committed, err := storetest.ReserveExact(context.Background(), s, ids, 16)
	if err != nil {
		return err
	}
	for _, u := range committed {
		fmt.Println(u)
	}
	return nil
}
