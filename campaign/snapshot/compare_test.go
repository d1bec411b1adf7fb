package snapshot

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompareRoundTrip follows QA's cycle: write the golden files, compare
// clean, change one character of a template, see the diff naming each file
// that changed, update, compare clean again.
func TestCompareRoundTrip(t *testing.T) {
	f := newFixture(t)
	golden := filepath.Join(t.TempDir(), "golden")

	files := f.build(t)
	diffs, err := Compare(golden, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != len(files) || diffs[0].Kind != New {
		t.Fatalf("Compare(empty dir) = %d diffs (first %v), want %d new", len(diffs), diffs[0].Kind, len(files))
	}
	res, err := Write(golden, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != len(files) || len(res.Removed) != 0 {
		t.Fatalf("Write = %d written, %d removed, want %d, 0", len(res.Written), len(res.Removed), len(files))
	}
	if diffs, _ := Compare(golden, files); len(diffs) != 0 {
		t.Fatalf("Compare after Write = %v, want none", diffs)
	}

	write(t, filepath.Join(f.dir, "offers.hbs"), strings.Replace(offersTemplate, "Hello", "Hallo", 1))
	diffs, err = Compare(golden, f.build(t))
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, d := range diffs {
		if d.Kind != Changed {
			t.Errorf("%s: kind %v, want %v", d.Path, d.Kind, Changed)
		}
		changed = append(changed, d.Path)
	}
	var want []string
	for _, p := range []string{"maya-gold-runner", "sam-new-customer", "script-injection"} {
		want = append(want, "offers.hbs/"+p+ExtEML, "offers.hbs/"+p+ExtHTML, "offers.hbs/"+p+ExtText)
	}
	if !slices.Equal(changed, want) {
		t.Fatalf("Compare after a one-character change = %v, want %v", changed, want)
	}
	html := diffs[1].String()
	for _, w := range []string{
		"changed: offers.hbs/maya-gold-runner.html\n",
		"--- " + filepath.ToSlash(golden) + "/offers.hbs/maya-gold-runner.html\n",
		"+++ got/offers.hbs/maya-gold-runner.html\n",
		"@@ -1",
		"\n-<h1>Hello Maya</h1>\n+<h1>Hallo Maya</h1>\n",
	} {
		if !strings.Contains(html, w) {
			t.Errorf("diff lacks %q:\n%s", w, html)
		}
	}

	if _, err := Write(golden, f.build(t)); err != nil {
		t.Fatal(err)
	}
	if diffs, _ := Compare(golden, f.build(t)); len(diffs) != 0 {
		t.Errorf("Compare after update = %v, want none", diffs)
	}
}

// TestCompareStaleAndMissing: a golden file nothing produces any more is
// stale, and removed by Write with its emptied directory; a golden file
// deleted by hand is new again; files that are not snapshots are left alone.
func TestCompareStaleAndMissing(t *testing.T) {
	f := newFixture(t)
	golden := t.TempDir()
	files := f.build(t)
	if _, err := Write(golden, files); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(golden, "gone.hbs", "maya-gold-runner.html"), "<p>old</p>\n")
	write(t, filepath.Join(golden, "README.md"), "QA notes\n")
	write(t, filepath.Join(golden, "offers.hbs", "notes.md"), "not a snapshot\n")
	if err := os.Remove(filepath.Join(golden, "offers.hbs", "sam-new-customer.txt")); err != nil {
		t.Fatal(err)
	}

	diffs, err := Compare(golden, files)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Kind{}
	for _, d := range diffs {
		got[d.Path] = d.Kind
	}
	want := map[string]Kind{"gone.hbs/maya-gold-runner.html": Stale, "offers.hbs/sam-new-customer.txt": New}
	if len(got) != len(want) || got["gone.hbs/maya-gold-runner.html"] != Stale || got["offers.hbs/sam-new-customer.txt"] != New {
		t.Fatalf("Compare = %v, want %v", got, want)
	}
	for _, d := range diffs {
		switch d.Kind {
		case Stale:
			if !strings.HasPrefix(d.String(), "stale: gone.hbs/maya-gold-runner.html") || !strings.Contains(d.Unified, "+++ /dev/null\n") || !strings.Contains(d.Unified, "-<p>old</p>\n") {
				t.Errorf("stale diff =\n%s", d)
			}
		case New:
			if !strings.HasPrefix(d.String(), "new: offers.hbs/sam-new-customer.txt") || !strings.Contains(d.Unified, "--- /dev/null\n") {
				t.Errorf("new diff =\n%s", d)
			}
		}
	}

	res, err := Write(golden, files)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Written, []string{"offers.hbs/sam-new-customer.txt"}) || !slices.Equal(res.Removed, []string{"gone.hbs/maya-gold-runner.html"}) {
		t.Errorf("Write = %+v, want the missing file written and the stale one removed", res)
	}
	if _, err := os.Stat(filepath.Join(golden, "gone.hbs")); !os.IsNotExist(err) {
		t.Errorf("stale template directory still there: %v", err)
	}
	for _, keep := range []string{"README.md", "offers.hbs/notes.md"} {
		if _, err := os.Stat(filepath.Join(golden, keep)); err != nil {
			t.Errorf("Write removed %s: %v", keep, err)
		}
	}
}
