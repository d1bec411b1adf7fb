package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEMLDiffDecoded: the diff of a changed .eml compares decoded parts —
// headers, then each part's text — so QA reads the change as the
// recipient would, not quoted-printable; and a long unchanged line around
// the change (the preheader's filler) is an excerpt, not repeated whole.
func TestEMLDiffDecoded(t *testing.T) {
	f := newFixture(t)
	golden := filepath.Join(t.TempDir(), "golden")
	const long = `---
subject: "Hi {{profile.firstName}}"
preheader: "Winter is here"
from: Northwind <news@northwind.example>
---
<html><body>
<div class="hero">Hello {{profile.firstName}}, the sale is on</div>
<p>` + "{{profile.lastName}} " + `and a line that is long enough to be folded by quoted-printable encoding, which breaks lines at 76 characters with soft breaks</p>
`
	write(t, filepath.Join(f.dir, "offers.hbs"), long)
	if _, err := Write(golden, f.build(t)); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(f.dir, "offers.hbs"), strings.Replace(long, "the sale is on", "the sale is ON", 1))
	diffs, err := Compare(golden, f.build(t))
	if err != nil {
		t.Fatal(err)
	}
	var eml, html string
	for _, d := range diffs {
		switch d.Path {
		case "offers.hbs/maya-gold-runner.eml":
			eml = d.String()
		case "offers.hbs/maya-gold-runner.html":
			html = d.String()
		}
	}
	raw, _ := os.ReadFile(filepath.Join(golden, "offers.hbs", "maya-gold-runner.eml"))
	if !strings.Contains(string(raw), `class=3D"hero"`) {
		t.Fatalf("the golden eml is not quoted-printable as this test assumes:\n%s", raw)
	}
	for _, want := range []string{
		"(decoded)\n",
		"=== part 1: text/plain; charset=UTF-8 (quoted-printable) ===",
		"-Hello Maya, the sale is on\n+Hello Maya, the sale is ON\n",
		"=== part 2: text/html; charset=UTF-8 (quoted-printable) ===",
		`-<div class="hero">Hello Maya, the sale is on</div>` + "\n" + `+<div class="hero">Hello Maya, the sale is ON</div>` + "\n",
		// The preheader's filler, unchanged, as an excerpt.
		"… [unchanged, ",
	} {
		if !strings.Contains(eml, want) {
			t.Errorf("the eml diff lacks %q:\n%s", want, eml)
		}
	}
	// Decoded: no escaped = and no soft line break in the long line.
	if strings.Contains(eml, "=3D") || !strings.Contains(eml, "Chen and a line that is long enough to be folded by quoted-printable encoding, which breaks lines at 76 characters with soft breaks\n") {
		t.Errorf("the eml diff is not decoded:\n%s", eml)
	}
	for name, d := range map[string]string{"eml": eml, "html": html} {
		for _, l := range strings.Split(d, "\n") {
			if strings.HasPrefix(l, " ") && len([]rune(l)) > 200 {
				t.Errorf("the %s diff repeats a long unchanged line whole (%d characters): %.120s…", name, len([]rune(l)), l)
			}
		}
	}
}

// TestDecodeEML: the decoded view names headers in order with encoded
// words decoded, then each part, base64 and quoted-printable decoded.
func TestDecodeEML(t *testing.T) {
	eml := "From: a@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= from\r\n the team\r\n" +
		"Content-Type: multipart/alternative; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"SGVsbG8s\r\nIHdvcmxk\r\n" +
		"--B\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p class=3D\"x\">Hello, wo=\r\nrld</p>\r\n--B--\r\n"
	got, ok := DecodeEML([]byte(eml))
	want := "From: a@example.com\nSubject: Grüße from the team\nContent-Type: multipart/alternative; boundary=B\n\n" +
		"=== part 1: text/plain; charset=utf-8 (base64) ===\n\nHello, world\n\n" +
		"=== part 2: text/html; charset=utf-8 (quoted-printable) ===\n\n<p class=\"x\">Hello, world</p>\n"
	if !ok || got != want {
		t.Errorf("DecodeEML = %v\n%s\nwant\n%s", ok, got, want)
	}
	if _, ok := DecodeEML([]byte("no header here\n\nbody")); ok {
		t.Errorf("DecodeEML of a text that is no message = ok, want not ok (its diff is of its bytes)")
	}
}

func TestShortenContext(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct{ name, in, want string }{
		{"a long context line", "@@ -1,3 +1,4 @@\n " + long + "\n-old\n+new\n+" + long + "\n",
			"@@ -1,3 +1,4 @@\n " + strings.Repeat("é", 100) + "… [unchanged, 200 more characters]\n-old\n+new\n+" + long + "\n"},
		{"short lines stay", "--- a\n+++ b\n@@ -1 +1 @@\n short\n-x\n+y\n", "--- a\n+++ b\n@@ -1 +1 @@\n short\n-x\n+y\n"},
		{"a change inside a long line", "@@ -1 +1 @@\n-" + long + "<p>on</p>" + long + "\n+" + long + "<p>ON</p>" + long + "\n",
			// Common: 300 é and "<p>" before, "</p>" and 300 é after; 20
			// characters of each are kept around the change.
			"@@ -1 +1 @@\n-[283 unchanged characters] …" + strings.Repeat("é", 17) + "<p>on</p>" + strings.Repeat("é", 16) + "… [284 unchanged characters]\n" +
				"+[283 unchanged characters] …" + strings.Repeat("é", 17) + "<p>ON</p>" + strings.Repeat("é", 16) + "… [284 unchanged characters]\n"},
	}
	for _, tt := range tests {
		if got := ShortenContext(tt.in, 100); got != tt.want {
			t.Errorf("%s: ShortenContext =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}
