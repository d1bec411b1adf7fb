//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
)

const (
	batchTemplate = "../../templates/newsletter.hbs"
	batchSample   = "../../testdata/recipients/sample.ndjson"
	batchAt       = "2026-12-02T09:00:00Z"
)

// TestBatchCommand: the command's exit codes and summary.
func TestBatchCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"batch", "--library", sampleLibrary(t), "--template", batchTemplate,
		"--recipients", batchSample, "--campaign", "winter", "--out", out, "--at", batchAt}
	code, stdout, stderr := run(t, args...)
	if code != exitRejected || !strings.HasPrefix(stdout, "winter: 20 messages written, 2 rejected") {
		t.Fatalf("batch = %d, want %d\nstdout: %s\nstderr: %s", code, exitRejected, stdout, stderr)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"again", args, exitRejected, "winter: already complete: 20 messages written, 2 rejected"},
		{"missing flag", args[:len(args)-4], exitUsage, "needs --out"},
		{"another campaign", replaceArg(args, "winter", "spring"), exitUsage, `--campaign "winter", not "spring"`},
		{"bad shard", append(args, "--shard", "5/4"), exitUsage, "1 <= K <= N"},
		{"rate without smtp", append(args, "--rate", "10"), exitUsage, "needs --smtp"},
		{"pack changed", append(args, "--pack", "5"), exitUsage, `--pack "0", not "5"`},
		{"negative pack", append(args, "--pack", "-1"), exitUsage, "--pack must be at least 1"},
		{"pack and smtp", append(args, "--pack", "5", "--smtp", "smtp://127.0.0.1:1"), exitUsage, "give one or the other"},
		{"resend-unknown without smtp", append(args, "--resend-unknown"), exitUsage, "--resend-unknown resends SMTP messages; it needs --smtp"},
		{"broken template", replaceArg(args, batchTemplate, writeBroken(t)), exitInvalid, "broken.hbs:1:"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, tt.args...)
		if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("%s: batch = %d, want %d with %q\nstdout: %s\nstderr: %s", tt.name, code, tt.code, tt.want, stdout, stderr)
		}
	}
}

func replaceArg(args []string, old, new string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == old {
			out[i] = new
		}
	}
	return out
}

func writeBroken(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "broken.hbs")
	os.WriteFile(path, []byte("{{#if}}\n"), 0o644)
	return path
}

// buildBinary builds mailpreview for tests that kill it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mailpreview")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// smallCapsLibrary copies the sample library with total caps smaller than
// the generated population: 150 double points, 40 wine tastings.
func smallCapsLibrary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob("../../templates/library/*.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(data), "{scope: total, limit: 500}", "{scope: total, limit: 150}", 1)
		s = strings.Replace(s, "{scope: total, limit: 200}", "{scope: total, limit: 40}", 1)
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(s), 0o644)
	}
	return dir
}

// TestBatchSIGKILL kills the real binary at random moments ten times,
// runs it to completion, and checks that every recipient has exactly one
// message and one decisions line, that the store's counters equal what
// the decisions imply, and that total caps were granted exactly: with one
// file per message, and with messages packed into parts (--pack).
func TestBatchSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	bin := buildBinary(t)
	for _, pack := range []int{0, 64} {
		t.Run(fmt.Sprint("pack=", pack), func(t *testing.T) { batchSIGKILL(t, bin, pack) })
	}
}

func batchSIGKILL(t *testing.T, bin string, pack int) {
	lib := smallCapsLibrary(t)
	dir := t.TempDir()
	recipientsFile := filepath.Join(dir, "r.ndjson")
	f, _ := os.Create(recipientsFile)
	if err := gen.Write(f, 3000, gen.Options{Seed: 7, BadEvery: 250, OddEvery: 97}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out := filepath.Join(dir, "out")
	args := []string{"batch", "--library", lib, "--template", batchTemplate, "--recipients", recipientsFile,
		"--campaign", "crash", "--out", out, "--at", batchAt, "--workers", "2"}
	if pack > 0 {
		args = append(args, "--pack", fmt.Sprint(pack))
	}

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	decisionsFile := filepath.Join(out, "decisions.ndjson")
	for i := range 10 {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if i%2 == 0 {
			// Anywhere, startup and resume included.
			time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		} else {
			// Once the run has made a random part of its remaining progress,
			// so that kills spread over the whole file.
			have := countLines(t, decisionsFile)
			target := have + 1 + rng.IntN((3000-have)/(10-i)+1)
			deadline := time.Now().Add(20 * time.Second)
			for countLines(t, decisionsFile) < target && time.Now().Before(deadline) && !isClosed(exited) {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		t.Logf("attempt %d: %v, %d decisions", i+1, cmd.ProcessState, countLines(t, decisionsFile))
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitRejected {
		t.Fatalf("the completing run = %v, want exit %d\nstdout: %s\nstderr: %s", err, exitRejected, stdout, stderr.String())
	}

	want := goodRecipients(t, recipientsFile)
	decisions := decisionsByRecipient(t, filepath.Join(out, "decisions.ndjson"))
	if len(decisions) != len(want) {
		t.Errorf("%d recipients in decisions.ndjson, want %d", len(decisions), len(want))
	}
	msgs := messagesOf(t, filepath.Join(out, "messages"), pack)
	for id, data := range msgs {
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Errorf("the message of %s does not parse: %v", id, err)
			continue
		}
		if to := m.Header.Get("To"); !strings.Contains(to, want[id]) || want[id] == "" {
			t.Errorf("the message of %s is addressed to %q, want %q", id, to, want[id])
		}
	}
	for id := range want {
		if _, ok := decisions[id]; !ok {
			t.Errorf("%s has no decisions line", id)
		}
		if msgs[id] == nil {
			t.Errorf("%s has no message", id)
		}
	}
	if len(msgs) != len(want) {
		t.Errorf("%d messages, want %d", len(msgs), len(want))
	}
	if n := countLines(t, filepath.Join(out, "rejects.ndjson")); n != 12 {
		t.Errorf("%d rejects, want 12 (every 250th of 3000 lines)", n)
	}
	checkCounters(t, lib, "bolt:"+libraryStore(lib), "crash", decisions, map[string]int{"gold-double-points": 150, "wine-tasting": 40})
}

// messagesOf reads the messages of a run's messages directory: one file
// per message, or (pack > 0) the mbox parts through index.ndjson, each
// message found at its offset between a From_ line and the empty line
// that ends it, and unquoted (mboxrd). A recipient with two messages
// fails the test.
func messagesOf(t *testing.T, dir string, pack int) map[string][]byte {
	t.Helper()
	msgs := map[string][]byte{}
	if pack == 0 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			id, err := batch.RecipientID(strings.TrimSuffix(e.Name(), ".eml"))
			if err != nil {
				t.Fatal(err)
			}
			msgs[id], _ = os.ReadFile(filepath.Join(dir, e.Name()))
		}
		return msgs
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(index))
	for i := 0; sc.Scan(); i++ {
		var e struct {
			Recipient, Part string
			Offset, Length  int
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("index.ndjson:%d: %v", i+1, err)
		}
		if want := fmt.Sprintf("part-%05d.mbox", i/pack+1); e.Part != want {
			t.Errorf("index.ndjson:%d: part %s, want %s", i+1, e.Part, want)
		}
		if parts[e.Part] == nil {
			if parts[e.Part], err = os.ReadFile(filepath.Join(dir, e.Part)); err != nil {
				t.Fatal(err)
			}
		}
		data, end := parts[e.Part], e.Offset+e.Length
		before := data[:e.Offset]
		if e.Offset < 1 || end+1 > len(data) || data[end] != '\n' || !bytes.HasPrefix(data[end+1:], []byte("From ")) && end+1 != len(data) ||
			!bytes.HasPrefix(before[bytes.LastIndexByte(before[:len(before)-1], '\n')+1:], []byte("From ")) {
			t.Errorf("index.ndjson:%d: %s at %d+%d is not one message of the mbox", i+1, e.Part, e.Offset, e.Length)
			continue
		}
		if msgs[e.Recipient] != nil {
			t.Errorf("index.ndjson:%d: %s has a second message", i+1, e.Recipient)
		}
		var m []byte
		for _, line := range bytes.SplitAfter(data[e.Offset:end], []byte("\n")) {
			if len(line) > 0 && line[0] == '>' && bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
				line = line[1:]
			}
			m = append(m, line...)
		}
		msgs[e.Recipient] = m
	}
	entries, _ := os.ReadDir(dir)
	if want := len(parts) + 1; len(entries) != want {
		t.Errorf("messages/ holds %d files, want %d parts and the index", len(entries), len(parts))
	}
	return msgs
}

// TestBatchDiskFull: when a write fails (a file size limit stands in for
// a full disk), the run stops with exit 4 and says how to go on; once there
// is room, the same command completes the run, each recipient once.
func TestBatchDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	for _, pack := range []int{0, 1000} {
		t.Run(fmt.Sprint("pack=", pack), func(t *testing.T) { batchDiskFull(t, bin, pack) })
	}
}

func batchDiskFull(t *testing.T, bin string, pack int) {
	dir := t.TempDir()
	recipientsFile := filepath.Join(dir, "r.ndjson")
	f, _ := os.Create(recipientsFile)
	gen.Write(f, 1500, gen.Options{Seed: 5})
	f.Close()
	out := filepath.Join(dir, "out")
	args := []string{"batch", "--library", sampleLibrary(t), "--template", batchTemplate, "--recipients", recipientsFile,
		"--campaign", fmt.Sprint("full-", pack), "--out", out, "--at", batchAt}
	if pack > 0 {
		args = append(args, "--pack", fmt.Sprint(pack))
	}

	// No file of the run may pass 256 KiB: decisions.ndjson, a part or
	// the store gets EFBIG (Go ignores SIGXFSZ) a few hundred recipients in. The
	// limit is set by a shell for the child alone (ulimit -f counts blocks
	// of 512 bytes in dash, of 1,024 in bash: 256 or 512 KiB, both well
	// under what 1,500 recipients write); set in this process, it would
	// also stop go test's own log, written by any goroutine meanwhile.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to limit the file size with: %v", err)
	}
	cmd := exec.Command(sh, append([]string{"-c", `ulimit -f 512 && exec "$0" "$@"`, bin}, args...)...)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), io.Discard, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailed || !strings.Contains(stderr.String(), "run the same command again") {
		t.Fatalf("batch with a file size limit = %v, want exit %d and how to go on\nstderr: %s", err, exitFailed, stderr.String())
	}
	t.Logf("limited run: %s", strings.TrimSpace(stderr.String()))
	first := countLines(t, filepath.Join(out, "decisions.ndjson"))

	cmd = exec.Command(bin, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("batch again = %v\n%s", err, b)
	}
	decisions := decisionsByRecipient(t, filepath.Join(out, "decisions.ndjson"))
	msgs := messagesOf(t, filepath.Join(out, "messages"), pack)
	if len(decisions) != 1500 || len(msgs) != 1500 || first >= 1500 {
		t.Errorf("%d decisions after the limited run; %d decisions and %d messages in the end; want fewer than 1500, then 1500 and 1500",
			first, len(decisions), len(msgs))
	}
}

// goodRecipients reads the generated file: id → email of every good line.
func goodRecipients(t *testing.T, path string) map[string]string {
	t.Helper()
	data, _ := os.ReadFile(path)
	good := map[string]string{}
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var r struct{ ID, Email string }
		if json.Unmarshal(line, &r) == nil && strings.Contains(r.Email, "@") {
			good[r.ID] = r.Email
		}
	}
	return good
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func countLines(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("\n"))
}

type batchDecision struct {
	Recipient    string
	Propositions []decide.Proposition
}

// decisionsByRecipient reads decisions.ndjson, failing on a recipient
// that appears twice.
func decisionsByRecipient(t *testing.T, path string) map[string]batchDecision {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]batchDecision{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var d batchDecision
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("decisions.ndjson:%d: %v", n, err)
		}
		if _, dup := out[d.Recipient]; dup {
			t.Errorf("decisions.ndjson:%d: %s appears twice", n, d.Recipient)
		}
		out[d.Recipient] = d
	}
	return out
}

// checkCounters compares every cap counter the decisions imply with the
// store's value, the ledger with decisions.ndjson, and the offers with
// total caps with their exact limit.
func checkCounters(t *testing.T, libDir, storeURL, campaign string, decisions map[string]batchDecision, totals map[string]int) {
	t.Helper()
	lib, err := decide.Load(libDir)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339, batchAt)
	want := map[string]int64{}
	granted := map[string]int{}
	for id, d := range decisions {
		for _, p := range d.Propositions {
			for _, c := range p.Offers {
				granted[c.ID]++
				for _, cp := range lib.Offer(c.ID).Caps {
					key, _ := decide.CounterKey(cp, c.ID, p.Placement, id, at)
					want[key]++
				}
			}
		}
	}
	store, err := capstore.Open(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	got, err := store.Counts(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if got[i] != want[k] {
			t.Errorf("counter %s = %d, decisions imply %d", k, got[i], want[k])
		}
	}
	ids := make([]string, 0, len(decisions))
	for id := range decisions {
		ids = append(ids, id)
	}
	records, err := store.Records(context.Background(), campaign, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range records {
		want := decisions[ids[i]].Propositions
		var scopes []decide.Scope
		for _, p := range want {
			scopes = append(scopes, decide.Scope{Activity: p.Activity, Placement: p.Placement})
		}
		d, err := lib.Replay(rec, scopes...)
		if err != nil {
			t.Errorf("the ledger's record %q of %s: %v", rec, ids[i], err)
			continue
		}
		for k := range d.Propositions {
			p := &d.Propositions[k]
			for o := range p.Offers {
				p.Offers[o].Offer = nil
			}
			if p.Fallback != nil {
				p.Fallback.Offer = nil
			}
		}
		if !reflect.DeepEqual(d.Propositions, want) {
			t.Errorf("the ledger holds %s for %s, decisions.ndjson %+v", rec, ids[i], want)
		}
	}
	for offer, limit := range totals {
		if granted[offer] != limit {
			t.Errorf("%s granted %d times, want exactly its total cap %d", offer, granted[offer], limit)
		}
	}
	t.Logf("%d counters checked; granted %v", len(keys), granted)
}

// TestBatchStoreLost: a run done, its store deleted, and the same command
// again exits 4 with the first recipient the store forgot, instead of
// deciding anew and counting caps again (issue 13, item 7).
func TestBatchStoreLost(t *testing.T) {
	dir := t.TempDir()
	out, db := filepath.Join(dir, "out"), filepath.Join(dir, "state.db")
	args := []string{"batch", "--library", library, "--template", batchTemplate, "--recipients", batchSample,
		"--campaign", "lost", "--out", out, "--at", batchAt, "--store", "bolt:" + db}
	if code, _, errOut := run(t, args...); code != exitRejected {
		t.Fatalf("batch = %d, want %d\n%s", code, exitRejected, errOut)
	}
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, args...)
	want := filepath.Join(out, "decisions.ndjson") + `:1: recipient "`
	if code != exitFailed || !strings.Contains(errOut, want) || !strings.Contains(errOut, "the store lost its state") ||
		!strings.Contains(errOut, "restore the store") {
		t.Errorf("batch after the store was deleted = %d, want %d and %q…the store lost its state…restore the store\n%s", code, exitFailed, want, errOut)
	}
}
