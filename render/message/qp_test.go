package message

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/offermail/offermail/internal/cputime"
)

// stdlibQP is what mime/quotedprintable.Writer writes for s.
func stdlibQP(t testing.TB, s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// crlf is s with every line break (CRLF, LF, CR) written as CRLF: what a
// quoted-printable body decodes to.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// swallowsLF reports whether mime/quotedprintable.Writer loses a line
// break of s: an LF after a CR with only bytes it encodes in between.
func swallowsLF(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\r' {
			continue
		}
		j := i + 1
		for j < len(s) && !qpPlain[s[j]] && s[j] != '\r' && s[j] != '\n' {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '\n' {
			return true
		}
	}
	return false
}

// checkQP checks appendQP(s) against mime/quotedprintable: the Writer's
// bytes (unless the Writer loses a line break of s), a round trip through
// the Reader, and lines of at most 76 octets.
func checkQP(t *testing.T, s string) {
	t.Helper()
	got := string(appendQP(nil, s))
	if !swallowsLF(s) {
		if want := stdlibQP(t, s); got != want {
			t.Fatalf("appendQP(%q)\n got %q\nwant %q (mime/quotedprintable.Writer)\n%s", s, got, want, firstDiff(got, want))
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(got)))
	if err != nil {
		t.Fatalf("appendQP(%q) = %q, which mime/quotedprintable.Reader refuses: %v", s, got, err)
	}
	if want := crlf(s); string(dec) != want {
		t.Fatalf("appendQP(%q) = %q, which decodes to %q, want %q", s, got, dec, want)
	}
	for line := range strings.SplitSeq(got, "\r\n") {
		if len(line) > qpMaxLine {
			t.Fatalf("appendQP(%q) has a line of %d octets: %q", s, len(line), line)
		}
	}
}

func TestQuotedPrintable(t *testing.T) {
	tests := []string{
		"",
		"plain ASCII text",
		"a=b, c=d",
		"Zoë Café",
		"trailing space \nand tab\t\r\nand at the end ",
		"CR\ronly, LF\nonly, CRLF\r\nand LF-CR\n\r",
		strings.Repeat("x", 75),
		strings.Repeat("x", 76),
		strings.Repeat("x", 200),
		strings.Repeat("x", 74) + " \n",
		strings.Repeat("x", 73) + "=" + strings.Repeat("y", 10),
		strings.Repeat("x", 72) + "é",
		strings.Repeat("x", 74) + "\t",
		strings.Repeat("=", 100),
		strings.Repeat("é", 100),
		"tab\tin\ttext\x7fdel\x00nul\x1bescape\xffinvalid",
		strings.Repeat("<td style=\"padding: 0 8px\">cell</td>", 20),
		"\r=\n", // the Writer swallows this LF
		"\r\xc3\xa9\n",
	}
	for _, s := range tests {
		checkQP(t, s)
	}
	// The one place the Writer differs: a line break it loses.
	if got, want := string(appendQP(nil, "a\r=\nb")), "a\r\n=3D\r\nb"; got != want {
		t.Errorf("appendQP(%q) = %q, want %q", "a\r=\nb", got, want)
	}
	if got := stdlibQP(t, "a\r=\nb"); got != "a\r\n=3Db" {
		t.Errorf("mime/quotedprintable.Writer writes %q for %q, no longer the documented %q; update the doc of qp.go", got, "a\r=\nb", "a\r\n=3Db")
	}
}

func TestPlainPrefix(t *testing.T) {
	for c := range 256 {
		for at := range 20 {
			s := strings.Repeat("a", at) + string(rune(0)) + "bbbbbbbbbbbb"
			b := []byte(s)
			b[at] = byte(c)
			want := at
			if qpPlain[c] {
				want = len(b)
			}
			if got := plainPrefix(string(b)); got != want {
				t.Fatalf("plainPrefix(%q) = %d, want %d", b, got, want)
			}
		}
	}
}

// FuzzQuotedPrintable checks appendQP against mime/quotedprintable: the
// Writer's bytes, and a round trip through the Reader.
//
//	go test ./render/message -run '^$' -fuzz FuzzQuotedPrintable
func FuzzQuotedPrintable(f *testing.F) {
	for _, s := range []string{"", "a=b\r\n", "Zoë \n", strings.Repeat("x", 80), "\r=\n", "a \t\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkQP(t, s) })
}

func BenchmarkQuotedPrintable(b *testing.B) {
	html, err := InlineCSS(newsletter(b))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2*len(html))
	b.ReportAllocs()
	b.SetBytes(int64(len(html)))
	defer cputime.Report(b)()
	for b.Loop() {
		buf = appendQP(buf[:0], html)
	}
}

func BenchmarkQuotedPrintableStdlib(b *testing.B) {
	html, err := InlineCSS(newsletter(b))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	b.ReportAllocs()
	b.SetBytes(int64(len(html)))
	defer cputime.Report(b)()
	for b.Loop() {
		out.Reset()
		w := quotedprintable.NewWriter(&out)
		io.WriteString(w, html)
		w.Close()
	}
}

func TestBoundaryHolds(t *testing.T) {
	b := boundary("<x@example.com>", "", "")
	s := string(b[:])
	for _, body := range []string{s, "x" + s, s + "y", "offermail-" + s, strings.Repeat("7", 100) + s + "z"} {
		if !holds(body, b[:]) {
			t.Errorf("holds(%q) = false", body)
		}
	}
	for _, body := range []string{"", s[:41], s[1:], "offermail-", strings.Repeat(s[20:], 3), s[:30] + "." + s[31:]} {
		if holds(body, b[:]) {
			t.Errorf("holds(%q) = true", body)
		}
	}
	if again := boundary("<x@example.com>", "a "+s, ""); again == b {
		t.Errorf("boundary in the text was taken")
	}
}
