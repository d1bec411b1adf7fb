//go:build unix

package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestJournalStopsAfterFailedWrite: once a write fails part-way (a file
// size limit stands in for a full disk), the journal never writes again —
// another write would put whole lines after a torn one — and the next
// attempt cuts the torn line off.
func TestJournalStopsAfterFailedWrite(t *testing.T) {
	out := t.TempDir()
	j, err := openJournal(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	line := func(i int) []byte {
		return decisionLine("c", fmt.Sprintf("u%03d", i), []byte(`{"propositions":[`+strings.Repeat(" ", 250)+`]}`))
	}
	for i := range 3 {
		j.add(&outcome{decision: line(i)}, false)
	}
	if err := j.commit(); err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	limited := old
	limited.Cur = 1400 // four lines of 304 bytes, and part of the fifth
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limited); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	for i := 3; i < 8; i++ {
		j.add(&outcome{decision: line(i)}, false)
	}
	err1 := j.commit()
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	err2 := j.close()
	st, _ := os.Stat(filepath.Join(out, decisionsFile))
	if err1 == nil || err2 == nil || st.Size() != 1400 {
		t.Fatalf("commit past the limit = %v, close = %v, file size %d; want errors and 1400 bytes, nothing written after the failure", err1, err2, st.Size())
	}
	r, err := resume(out, "c", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, filepath.Join(out, decisionsFile))
	if r.decided != 4 || len(lines) != 4 {
		t.Errorf("resume kept %d decisions, file has %d lines; want the 4 whole lines", r.decided, len(lines))
	}
}
