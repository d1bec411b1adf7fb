package message

import (
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"testing"
)

// firstDiff shows where got and want part, with some context.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return "at byte " + strconv.Itoa(i) + "\n got: …" + clip(got[from:], 240) + "\nwant: …" + clip(want[from:], 240)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// sameAsReference runs the fast and the reference path on src and
// preheader and reports the first difference, or "".
func sameAsReference(tb testing.TB, src, preheader string) string {
	tb.Helper()
	full := WithPreheader(src, preheader)
	want, wantErr := inlineCSSPremailer(full)
	got, gotErr := InlineCSS(full)
	if msg := compare("InlineCSS", got, gotErr, want, wantErr); msg != "" {
		return msg
	}
	// The reference for Finish's text is the text of the inlined HTML.
	wantText := ""
	if wantErr == nil {
		var err error
		if wantText, err = PlainText(want); err != nil {
			want, wantErr = "", err
		}
	}
	gotHTML, gotText, gotErr := Finish(src, preheader)
	if msg := compare("Finish html", gotHTML, gotErr, want, wantErr); msg != "" {
		return msg
	}
	if wantErr != nil {
		wantText = ""
	}
	if msg := compare("Finish text", gotText, gotErr, wantText, wantErr); msg != "" {
		return msg
	}
	// With the CSS compiled ahead from the document as a template would
	// give it: whole, and cut in three where recipient data might go.
	third := len(src) / 3
	for _, frags := range [][]string{{src}, {src[:third], src[third : 2*third], src[2*third:]}} {
		gotHTML, gotText, gotErr = CompileStyles(frags).Finish(src, preheader)
		if msg := compare("Styles.Finish html", gotHTML, gotErr, want, wantErr); msg != "" {
			return msg
		}
		if msg := compare("Styles.Finish text", gotText, gotErr, wantText, wantErr); msg != "" {
			return msg
		}
	}
	return ""
}

func compare(what, got string, gotErr error, want string, wantErr error) string {
	switch {
	case (gotErr == nil) != (wantErr == nil):
		return what + ": error " + errString(gotErr) + ", reference error " + errString(wantErr)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		return what + ": error " + errString(gotErr) + ", reference error " + errString(wantErr)
	case got != want:
		return what + " differs from the reference " + firstDiff(got, want)
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strconv.Quote(err.Error())
}

// TestFastPathMatchesPremailer compares the fast path with premailer (and
// Finish with PlainText) on a seeded random corpus. It also requires most
// documents to go through the fast path, or the comparison would only be
// premailer against itself.
func TestFastPathMatchesPremailer(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	c := newCorpus(1)
	refused := map[string]int{}
	fast := 0
	for i := range n {
		src, preheader := c.document(), c.preheader()
		if msg := sameAsReference(t, src, preheader); msg != "" {
			t.Fatalf("document %d (preheader %q):\n%s\n\nsource:\n%s", i, preheader, msg, src)
		}
		if why := fastPathRefusal(WithPreheader(src, preheader)); why != "" {
			refused[firstWords(why)]++
		} else {
			fast++
		}
	}
	t.Logf("fast path took %d of %d documents; refusals: %v", fast, n, refused)
	if fast < n*3/4 {
		t.Errorf("fast path took %d of %d documents, want at least 3/4", fast, n)
	}
}

func firstWords(s string) string {
	if i := strings.IndexAny(s, `"0123456789`); i > 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// fuzzSeeds are the sample newsletter, documents from the random corpus
// and the shapes the tests above pin down.
func fuzzSeeds(f *testing.F, add func(src, preheader string)) {
	add(newsletter(f), "Up to 40% off")
	c := newCorpus(7)
	for range 24 {
		add(c.document(), c.preheader())
	}
	for _, src := range []string{
		`<style>.a{color:red}</style><p class="a">x</p>`,
		`<style>p{color:red;margin:0}</style><p style="color:blue">x</p>`,
		`<style>a{color:red} a:hover{color:blue} @media (max-width:600px){.a{color:green}}</style><a class="a" href="#">x</a>`,
		`<style>@import url("a.css"); @font-face { font-family: "F"; } td{width:600px;height:0}</style><table><tr><td>x</td></tr></table>`,
		"<!DOCTYPE html><html><head><style>p{margin:0}</style></head><body><p>Zoë&nbsp;l&#x27;été</p></body></html>",
		`<style>}}{{ @@@ ;;; p{color:</style><p>x</p>`,
	} {
		add(src, "")
	}
}

// FuzzInlineCSS checks that the fast path gives premailer's output, or
// premailer's error, for any document.
func FuzzInlineCSS(f *testing.F) {
	fuzzSeeds(f, func(src, _ string) { f.Add(src) })
	f.Fuzz(func(t *testing.T, src string) {
		want, wantErr := inlineCSSPremailer(src)
		got, gotErr := InlineCSS(src)
		if msg := compare("InlineCSS", got, gotErr, want, wantErr); msg != "" {
			t.Fatalf("%s\nsource: %q", msg, src)
		}
	})
}

// FuzzFinish checks Finish against PlainText and premailer for any
// document and preheader.
func FuzzFinish(f *testing.F) {
	fuzzSeeds(f, func(src, preheader string) { f.Add(src, preheader) })
	f.Fuzz(func(t *testing.T, src, preheader string) {
		if msg := sameAsReference(t, src, preheader); msg != "" {
			t.Fatalf("%s\nsource: %q\npreheader: %q", msg, src, preheader)
		}
	})
}

// TestMain silences the log of premailer's CSS parser, which reports every
// at-rule it skips; the corpus and fuzz tests feed it many.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}
