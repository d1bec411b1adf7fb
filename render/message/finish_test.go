package message

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFinish(t *testing.T) {
	src := "<!DOCTYPE html><html><head><style>.x{display:none} p{margin:0}</style></head>" +
		"<body><p class=\"x\">Mobile only</p><p>Hello &amp; <a href=\"https://x.example/\">welcome</a></p></body></html>"
	html, text, err := Finish(src, "Sale & more")
	if err != nil {
		t.Fatal(err)
	}
	// The text is the inlined HTML's: the class rule hides "Mobile only",
	// the preheader's style hides it.
	if want := "Hello & welcome (https://x.example/)\n"; text != want {
		t.Errorf("Finish text = %q, want %q", text, want)
	}
	wantHTML := `<!DOCTYPE html><html><head></head><body><div style="` + preheaderStyle + `">Sale &amp; more` +
		preheaderFiller + `</div><p class="x" style="margin:0;display:none">Mobile only</p>` +
		`<p style="margin:0">Hello &amp; <a href="https://x.example/">welcome</a></p></body></html>`
	if html != wantHTML {
		t.Errorf("Finish html:\n%s", firstDiff(html, wantHTML))
	}
}

func TestFinishWithoutStyle(t *testing.T) {
	html, text, err := Finish("<p>Hi <b>you</b></p>", "Pre")
	if err != nil {
		t.Fatal(err)
	}
	if want := WithPreheader("<p>Hi <b>you</b></p>", "Pre"); html != want || text != "Hi you\n" {
		t.Errorf("Finish = %q, %q, want %q, %q", html, text, want, "Hi you\n")
	}
}

func TestReencodeFast(t *testing.T) {
	pieces := []string{"a", " ", "é", "€", "–", "\u00a0", "\u00ad", "\u034f", "\u200b", "\u200c", "\u200d",
		"\u2007", "\u2060", "\ufeff", "&#39;", "&#34;", "&", "&#3", "&#39", "\xc2", "\xe2\x80", "\xef\xbb", "\xcd", "&amp;"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := reencodeFast(s), reencode.Replace(s); got != want {
			t.Fatalf("reencodeFast(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestDropIgnoreMarks(t *testing.T) {
	const m = ` data-premailer="ignore"`
	for _, s := range []string{
		"", "x", m, "<style" + m + ">", m + m, "a" + m[1:] + m, m[1:], "<p title='" + m + "'>" + m,
		"  " + m + " ", "data-premailer=\"ignore" + m,
	} {
		if got, want := dropIgnoreMarks(s), strings.ReplaceAll(s, m, ""); got != want {
			t.Errorf("dropIgnoreMarks(%q) = %q, want %q", s, got, want)
		}
	}
}
