package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign/snapshot"
)

// snapshotTemplate is a template the snapshot tests own, so that they do
// not depend on the wording of the sample templates.
const snapshotTemplate = `---
subject: "Hi {{profile.firstName}}"
from: Northwind <news@northwind.example>
---
<h1>Hello {{profile.firstName}}</h1>
{{offer "winter-sale" placement="hero"}}
`

// snapshotProject makes a templates directory with the sample library and
// one template, and a profiles directory with two sample profiles.
func snapshotProject(t *testing.T) (tpl, lib, profs string) {
	t.Helper()
	dir := t.TempDir()
	tpl, profs = filepath.Join(dir, "templates"), filepath.Join(dir, "profiles")
	lib = filepath.Join(tpl, "library")
	copyTree(t, library, lib)
	writeFiles(t, tpl, map[string]string{"offers.hbs": snapshotTemplate})
	for _, name := range []string{"maya-gold-runner.json", "sam-new-customer.json"} {
		data, err := os.ReadFile(filepath.Join(profiles, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, profs, map[string]string{name: string(data)})
	}
	return tpl, lib, profs
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != src && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // a library's own store
			}
			return nil
		}
		rel, _ := filepath.Rel(src, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		writeFiles(t, dst, map[string]string{rel: string(data)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotCycle: a clean run passes, a one-character change to the
// template fails with a diff naming each file, --update makes it pass.
func TestSnapshotCycle(t *testing.T) {
	tpl, lib, profs := snapshotProject(t)
	golden := filepath.Join(t.TempDir(), "golden")
	args := []string{"snapshot", "--library", lib, "--templates", tpl, "--profiles", profs, "--golden", golden, "--at", at}

	code, out, errOut := run(t, append(args, "--update")...)
	if code != exitOK || !strings.Contains(out, "8 files written, 0 removed") {
		t.Fatalf("snapshot --update = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = run(t, args...)
	if code != exitOK || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("snapshot after --update = %d, want %d\nstdout: %s\nstderr: %s", code, exitOK, out, errOut)
	}

	writeFiles(t, tpl, map[string]string{"offers.hbs": strings.Replace(snapshotTemplate, "Hello", "Hallo", 1)})
	code, out, errOut = run(t, args...)
	if code != exitInvalid {
		t.Fatalf("snapshot after a change = %d, want %d\nstdout: %s\nstderr: %s", code, exitInvalid, out, errOut)
	}
	for _, want := range []string{
		"changed: offers.hbs/maya-gold-runner.html\n--- " + filepath.ToSlash(golden) + "/offers.hbs/maya-gold-runner.html\n+++ got/offers.hbs/maya-gold-runner.html\n@@ -1,",
		"-<h1>Hello Maya</h1>\n+<h1>Hallo Maya</h1>\n",
		"changed: offers.hbs/sam-new-customer.txt\n",
		"changed: offers.hbs/sam-new-customer.eml\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("snapshot diff lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "decisions.json") {
		t.Errorf("snapshot reports decisions as changed by a text edit:\n%s", out)
	}
	if !strings.Contains(errOut, "6 file(s) differ") || !strings.Contains(errOut, "--update") {
		t.Errorf("snapshot stderr = %q, want the count and a hint to --update", errOut)
	}

	if code, out, errOut = run(t, append(args, "--update")...); code != exitOK || !strings.Contains(out, "6 files written") {
		t.Fatalf("snapshot --update = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if code, out, errOut = run(t, args...); code != exitOK {
		t.Fatalf("snapshot after the second --update = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	// A profile that is gone leaves stale golden files.
	if err := os.Remove(filepath.Join(profs, "sam-new-customer.json")); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, args...)
	if code != exitInvalid || !strings.Contains(out, "stale: offers.hbs/sam-new-customer.html") {
		t.Errorf("snapshot without a profile = %d, want %d and stale files:\n%s", code, exitInvalid, out)
	}
	if code, out, _ = run(t, append(args, "--update")...); code != exitOK || !strings.Contains(out, "removed offers.hbs/sam-new-customer.eml") {
		t.Errorf("snapshot --update = %d, want the stale files removed:\n%s", code, out)
	}
}

func TestSnapshotErrors(t *testing.T) {
	tpl, lib, profs := snapshotProject(t)
	broken := t.TempDir()
	writeFiles(t, broken, map[string]string{"bad.hbs": "<p>\n{{#if profile.vip}}\n"})
	golden := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no golden", []string{"--templates", tpl, "--profiles", profs, "--at", at}, exitUsage, "needs --golden"},
		{"bad time", []string{"--templates", tpl, "--profiles", profs, "--golden", golden, "--at", "tomorrow"}, exitUsage, `--at "tomorrow" is not an RFC 3339 time`},
		{"no profiles dir", []string{"--templates", tpl, "--profiles", filepath.Join(tpl, "nope"), "--golden", golden, "--at", at}, exitInvalid, "profiles directory"},
		{"broken template", []string{"--templates", broken, "--profiles", profs, "--golden", golden, "--at", at}, exitInvalid, filepath.Join(broken, "bad.hbs") + ":2:1: "},
		{"no time, no record", []string{"--templates", tpl, "--profiles", profs, "--golden", golden}, exitInvalid, "warning: no --at and no recorded time"},
	}
	for _, tt := range tests {
		code, _, errOut := run(t, append([]string{"snapshot", "--library", lib}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: snapshot = %d, stderr %q; want %d and %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
}

// TestSnapshotRecordsTime: --update without --at records the time it
// decided at, and a later comparison without --at decides at that time, so
// it matches even though the clock moved (traces name the decision time).
func TestSnapshotRecordsTime(t *testing.T) {
	tpl, lib, profs := snapshotProject(t)
	golden := t.TempDir()
	args := []string{"snapshot", "--library", lib, "--templates", tpl, "--profiles", profs, "--golden", golden}
	if code, out, errOut := run(t, append(args, "--update")...); code != exitOK {
		t.Fatalf("snapshot --update = %d\n%s%s", code, out, errOut)
	}
	meta, ok, err := snapshot.ReadMeta(golden)
	if err != nil || !ok || meta.At.IsZero() || meta.Campaign != "preview" {
		t.Fatalf("ReadMeta = %+v, %v, %v; want the recorded time and campaign", meta, ok, err)
	}
	// Move the recorded time a month back: the comparison must use it, so
	// it now differs only if it ignored the record.
	meta.At = meta.At.AddDate(0, -1, 0)
	if err := snapshot.WriteMeta(golden, meta); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, append(args, "--update", "--at", meta.At.Format(time.RFC3339))...); code != exitOK {
		t.Fatalf("snapshot --update --at = %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, args...); code != exitOK || strings.Contains(errOut, "warning") {
		t.Errorf("snapshot without --at after --update = %d\n%s%s; want 0 and no warning", code, out, errOut)
	}
}

// TestSnapshotProject is the check CI runs: the project's own templates and
// profiles render as testdata/golden says. After an intended change,
// regenerate with
//
//	go run ./cmd/mailpreview snapshot --golden testdata/golden --at 2026-12-02T09:00:00Z --update
func TestSnapshotProject(t *testing.T) {
	code, out, errOut := run(t, "snapshot", "--library", library, "--templates", tplDir, "--profiles", profiles,
		"--golden", "../../testdata/golden", "--at", at)
	if code != exitOK {
		t.Fatalf("snapshot of the project = %d, want %d\n%s%s", code, exitOK, out, errOut)
	}
}
