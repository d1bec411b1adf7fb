package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const adobeExport = "../../testdata/adobe/export"

func adobeFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(adobeExport, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample export in %s: %v", adobeExport, err)
	}
	return files
}

// TestImportAdobeSample imports the sample export, checks the library as
// mailpreview check does, and asks decide for every scope of its decisions
// and three profiles: the offers are those a reader of the export picks
// by hand (worked out in the comments).
func TestImportAdobeSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "lib")
	code, stdout, stderr := run(t, append(append([]string{"import", "adobe"}, adobeFiles(t)...), "--out", out)...)
	if code != exitOK {
		t.Fatalf("import = %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{"check: ok", "not translated", "decisionRules[7].condition.value", "offers[7].xdm:selectionConstraint.xdm:segmentIdentities"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import output lacks %q:\n%s", want, stdout)
		}
	}
	if code, stdout, stderr := run(t, "check", "--library", out, "--templates", out); code != exitOK {
		t.Fatalf("check = %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	profiles := "../../testdata/adobe/profiles/"
	type want struct {
		offers   string // comma-separated ids, or ""
		fallback string
	}
	for _, tc := range []struct {
		profile, activity, placement string
		want
	}{
		// Maya: gold (any case) with 12,840 points and a phone, a runner in
		// Oregon, and it rains.
		// Hero: the loyalty criterion comes first; double points qualify.
		{"maya-gold-runner", "winter-newsletter", "email-hero", want{"gold-double-points", ""}},
		// Sidebar: weather boost, rain shell 40+50 beats jacket 60.
		{"maya-gold-runner", "winter-newsletter", "email-sidebar", want{"rain-shell", ""}},
		// Banner: priority, jacket 60 beats shell 40 (Canada offer not eligible).
		{"maya-gold-runner", "winter-newsletter", "email-banner", want{"winter-jacket-30-off", ""}},
		// App: trail shoes end within 7 days: 55*2 beats the shell's 40.
		{"maya-gold-runner", "runner-app-card", "app-card", want{"trail-shoes", ""}},
		// Winter and running: only the rain shell, outside Quebec.
		{"maya-gold-runner", "sidebar-classic", "email-sidebar", want{"rain-shell", ""}},
		// Lukas: silver, no phone, Montréal (QC), skis, it snows.
		// Hero: no phone, so the winter picks: jacket 60+50 beats Canada 70.
		{"lukas-montreal-skier", "winter-newsletter", "email-hero", want{"winter-jacket-30-off", ""}},
		{"lukas-montreal-skier", "winter-newsletter", "email-sidebar", want{"winter-jacket-30-off", ""}},
		// Banner: by priority, Canada's free shipping 70 beats the jacket.
		{"lukas-montreal-skier", "winter-newsletter", "email-banner", want{"canada-free-shipping", ""}},
		// Not a runner, and in Quebec: nothing qualifies.
		{"lukas-montreal-skier", "runner-app-card", "app-card", want{"", "app-default-card"}},
		{"lukas-montreal-skier", "sidebar-classic", "email-sidebar", want{"", "winter-collection"}},
		// Sam: an empty profile. The jacket is the one unconditional offer.
		{"sam-new-customer", "winter-newsletter", "email-hero", want{"winter-jacket-30-off", ""}},
		{"sam-new-customer", "winter-newsletter", "email-sidebar", want{"winter-jacket-30-off", ""}},
		{"sam-new-customer", "winter-newsletter", "email-banner", want{"winter-jacket-30-off", ""}},
		{"sam-new-customer", "runner-app-card", "app-card", want{"", "app-default-card"}},
		{"sam-new-customer", "sidebar-classic", "email-sidebar", want{"", "winter-collection"}},
	} {
		code, stdout, stderr := run(t, "decide", "--library", out, "--activity", tc.activity, "--placement", tc.placement,
			"--profile", profiles+tc.profile+".json", "--at", "2026-12-02T09:00:00Z")
		if code != exitOK {
			t.Fatalf("decide %s %s %s = %d: %s", tc.profile, tc.activity, tc.placement, code, stderr)
		}
		var d struct {
			Propositions []struct {
				Offers   []struct{ ID string }
				Fallback *struct{ ID string }
			}
		}
		if err := json.Unmarshal([]byte(stdout), &d); err != nil || len(d.Propositions) != 1 {
			t.Fatalf("decide output: %v\n%s", err, stdout)
		}
		var got want
		var ids []string
		for _, o := range d.Propositions[0].Offers {
			ids = append(ids, o.ID)
		}
		got.offers = strings.Join(ids, ",")
		if fb := d.Propositions[0].Fallback; fb != nil {
			got.fallback = fb.ID
		}
		if got != tc.want {
			t.Errorf("Decide(%s, %s, %s) = %+v, want %+v", tc.profile, tc.activity, tc.placement, got, tc.want)
		}
	}
}

// TestImportAdobeBadInput: a malformed export is exit 1 with the file,
// line, column and JSON path, and nothing is written.
func TestImportAdobeBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "offers.json")
	writeFiles(t, dir, map[string]string{"offers.json": `{"_embedded": {"results": [
  {"_instance": {"@id": "xcore:personalized-offer:1", "xdm:name": "A", "xdm:status": "approved",
    "xdm:rank": {"xdm:priority": "high"}, "xdm:representations": []}}
]}}`})
	out := filepath.Join(dir, "lib")
	code, _, stderr := run(t, "import", "adobe", bad, "--out", out)
	if code != exitInvalid {
		t.Fatalf("import = %d, want %d\n%s", code, exitInvalid, stderr)
	}
	want := bad + ":3:34: _embedded.results[0]._instance.xdm:rank.xdm:priority: priority must be a number, not a string"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was written after an error (stat: %v)", out, err)
	}
}

func TestImportAdobeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"import", "adobe", "--out", t.TempDir()},
		{"import", "adobe", "x.json"},
	} {
		if code, _, stderr := run(t, args...); code != exitUsage {
			t.Errorf("%q = %d, want %d\n%s", args, code, exitUsage, stderr)
		}
	}
	// A directory someone else's files are in is not replaced.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"notes.txt": "mine"})
	if code, _, stderr := run(t, append(append([]string{"import", "adobe"}, adobeFiles(t)...), "--out", dir)...); code != exitUsage || !strings.Contains(stderr, "no import wrote") {
		t.Errorf("import into a foreign directory = %d, want %d\n%s", code, exitUsage, stderr)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(data) != "mine" {
		t.Errorf("notes.txt = %q, %v after a refused import", data, err)
	}
	if code, _, stderr := run(t, "import", "adobe", filepath.Join(t.TempDir(), "missing.json"), "--out", filepath.Join(t.TempDir(), "lib")); code != exitInvalid {
		t.Errorf("import of a missing file = %d, want %d\n%s", code, exitInvalid, stderr)
	}
}
