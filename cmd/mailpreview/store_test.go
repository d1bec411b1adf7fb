//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
)

// capProject writes a library whose offer "scarce" has a total cap of 3,
// a template showing one offer, and 5 recipients.
func capProject(t *testing.T) (lib, tpl, recipients string) {
	t.Helper()
	dir := t.TempDir()
	var rs strings.Builder
	for i := range 5 {
		fmt.Fprintf(&rs, `{"id": "r%d", "email": "r%d@example.com"}`+"\n", i, i)
	}
	writeFiles(t, dir, map[string]string{
		"library/lib.yaml":   strings.Replace(apiLibrary, "limit: 100}", "limit: 3}", 1),
		"templates/mail.hbs": "---\nsubject: Hi\n---\n<p>{{offer \"act\" placement=\"hero\"}}</p>\n",
		"recipients.ndjson":  rs.String(),
	})
	return filepath.Join(dir, "library"), filepath.Join(dir, "templates", "mail.hbs"), filepath.Join(dir, "recipients.ndjson")
}

// offerCount counts the recipients of a run's decisions.ndjson who got
// offer.
func offerCount(t *testing.T, out, offer string) int {
	t.Helper()
	n := 0
	for _, d := range decisionsByRecipient(t, filepath.Join(out, "decisions.ndjson")) {
		for _, p := range d.Propositions {
			for _, o := range p.Offers {
				if o.ID == offer {
					n++
				}
			}
		}
	}
	return n
}

// TestTotalCapAcrossCampaigns: two campaigns of one library, each with 5
// recipients, share a total cap of 3 (SPEC §4.7): 3 in all, not 3 each,
// in the library's own store and in Redis named by OFFERMAIL_STORE.
func TestTotalCapAcrossCampaigns(t *testing.T) {
	for _, kind := range []string{"bolt", "redis"} {
		t.Run(kind, func(t *testing.T) {
			lib, tpl, rs := capProject(t)
			if kind == "redis" {
				t.Setenv(storeEnv, redistest.Start(t).URL(t))
			} else {
				t.Setenv(storeEnv, "")
			}
			total := 0
			for _, c := range []string{"autumn", "winter"} {
				out := filepath.Join(t.TempDir(), c)
				code, _, errOut := run(t, "batch", "--library", lib, "--template", tpl, "--recipients", rs,
					"--campaign", c, "--out", out, "--at", at)
				if code != exitOK {
					t.Fatalf("batch --campaign %s = %d\n%s", c, code, errOut)
				}
				total += offerCount(t, out, "scarce")
			}
			if total != 3 {
				t.Errorf("two campaigns granted the total cap of 3 %d times", total)
			}
			_, err := os.Stat(libraryStore(lib))
			if kind == "bolt" && err != nil {
				t.Errorf("the library's own store: %v", err)
			}
			if kind == "redis" && err == nil {
				t.Errorf("runs with OFFERMAIL_STORE created the library's own store")
			}
		})
	}
}

// TestLibraryStoreInUse: a second process on the library's embedded store
// waits for it, then fails clearly with exit 4, writing nothing.
func TestLibraryStoreInUse(t *testing.T) {
	t.Setenv(storeEnv, "")
	lib, tpl, rs := capProject(t)
	os.MkdirAll(filepath.Dir(libraryStore(lib)), 0o755)
	held, err := capstore.OpenBolt(libraryStore(lib))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	out := filepath.Join(t.TempDir(), "out")
	code, _, errOut := run(t, "batch", "--library", lib, "--template", tpl, "--recipients", rs, "--campaign", "c", "--out", out, "--at", at)
	if code != exitFailed || !strings.Contains(errOut, libraryStore(lib)) || !strings.Contains(errOut, "another mailpreview process") ||
		!strings.Contains(errOut, "run the same command again") {
		t.Errorf("batch on a store in use = %d, want %d naming the store and what to do:\n%s", code, exitFailed, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "run.json")); err == nil {
		t.Errorf("a run that could not open its store wrote run.json")
	}
}

// TestRunOnItsOldStore: a run started when OUT/state.db was the default
// is completed there without --store, not silently moved to the library's
// store.
func TestRunOnItsOldStore(t *testing.T) {
	t.Setenv(storeEnv, "")
	lib, tpl, rs := capProject(t)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"batch", "--library", lib, "--template", tpl, "--recipients", rs, "--campaign", "c", "--out", out, "--at", at}
	if code, _, errOut := run(t, append(args, "--store", "bolt:"+filepath.Join(out, "state.db"))...); code != exitOK {
		t.Fatalf("batch --store bolt:OUT/state.db = %d\n%s", code, errOut)
	}
	code, stdout, errOut := run(t, args...)
	if code != exitOK || !strings.Contains(stdout, "already complete") {
		t.Errorf("the same run without --store = %d, want it complete on OUT/state.db\n%s%s", code, stdout, errOut)
	}
	if _, err := os.Stat(libraryStore(lib)); err == nil {
		t.Errorf("completing a run of OUT/state.db created the library's store")
	}
	// Another run in a fresh directory counts in the library's store,
	// which knows nothing of the first run's 3 grants.
	out2 := filepath.Join(t.TempDir(), "out2")
	if code, _, errOut := run(t, replaceArg(args, out, out2)...); code != exitOK {
		t.Fatalf("batch in a new directory = %d\n%s", code, errOut)
	}
	if n := offerCount(t, out2, "scarce"); n != 3 {
		t.Errorf("a run on the library's fresh store granted scarce %d times, want 3", n)
	}
}

// TestPreviewReadsLibraryStore: serve reads the library's store once it
// exists, and none before.
func TestPreviewReadsLibraryStore(t *testing.T) {
	t.Setenv(storeEnv, "")
	lib, _, _ := capProject(t)
	if got := readStoreURL("", lib); got != "" {
		t.Errorf("readStoreURL before any real run = %q, want none", got)
	}
	os.MkdirAll(filepath.Dir(libraryStore(lib)), 0o755)
	s, err := capstore.OpenBolt(libraryStore(lib))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got, want := readStoreURL("", lib), "bolt:"+libraryStore(lib); got != want {
		t.Errorf("readStoreURL = %q, want %q", got, want)
	}
	t.Setenv(storeEnv, "redis://127.0.0.1:1/0")
	if got := readStoreURL("", lib); got != "redis://127.0.0.1:1/0" {
		t.Errorf("readStoreURL with OFFERMAIL_STORE = %q", got)
	}
	if got := readStoreURL("bolt:x", lib); got != "bolt:x" {
		t.Errorf("readStoreURL with --store = %q", got)
	}
}

// TestSuppressCommand: suppress --add, --list, --remove on the library's
// store, and a batch run that skips the suppressed recipient.
func TestSuppressCommand(t *testing.T) {
	t.Setenv(storeEnv, "")
	lib, tpl, rs := capProject(t)
	code, out, errOut := run(t, "suppress", "--library", lib, "--add", "r1", "--add", "r3", "--reason", "bounce")
	if code != exitOK || !strings.Contains(out, "suppressed 2 recipient(s)") {
		t.Fatalf("suppress --add = %d, %q %q", code, out, errOut)
	}
	if code, out, _ = run(t, "suppress", "--library", lib, "--add", "r1"); code != exitOK || !strings.Contains(out, "1 already were") {
		t.Errorf("suppress --add again = %d, %q", code, out)
	}
	if code, out, _ = run(t, "suppress", "--library", lib, "--remove", "r3", "--remove", "r4"); code != exitOK || !strings.Contains(out, "took 1 recipient(s) off") {
		t.Errorf("suppress --remove = %d, %q", code, out)
	}
	code, out, _ = run(t, "suppress", "--library", lib, "--list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 1 || !strings.HasPrefix(lines[0], `{"recipient":"r1","time":"`) || !strings.HasSuffix(lines[0], `","reason":"bounce"}`) {
		t.Errorf("suppress --list = %d, %q; want r1 alone, with its reason", code, out)
	}
	for _, args := range [][]string{{"suppress", "--library", lib}, {"suppress", "--library", lib, "--list", "--add", "x"}, {"suppress", "--library", lib, "--add", "a\nb"}} {
		if code, _, errOut := run(t, args...); code != exitUsage {
			t.Errorf("%q = %d (%s), want %d", args, code, errOut, exitUsage)
		}
	}

	outDir := filepath.Join(t.TempDir(), "out")
	code, _, errOut = run(t, "batch", "--library", lib, "--template", tpl, "--recipients", rs, "--campaign", "c", "--out", outDir, "--at", at)
	if code != exitRejected {
		t.Fatalf("batch with a suppressed recipient = %d, want %d (a reject)\n%s", code, exitRejected, errOut)
	}
	rejects, _ := os.ReadFile(filepath.Join(outDir, "rejects.ndjson"))
	if !strings.Contains(string(rejects), `"id":"r1","stage":"suppressed"`) {
		t.Errorf("rejects.ndjson = %s, want r1 suppressed", rejects)
	}
	if _, err := os.Stat(filepath.Join(outDir, "messages", "r1.eml")); err == nil {
		t.Errorf("the suppressed recipient got a message")
	}
}
