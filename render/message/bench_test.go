package message

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/offermail/offermail/internal/cputime"
)

// newsletter returns testdata/newsletter.html, a ~15 KB table layout with
// a <style> block, media queries, Outlook comments and entities.
func newsletter(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/newsletter.html")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// BenchmarkInlineCSS inlines with the style sheet compiled ahead, as a
// template does at load.
func BenchmarkInlineCSS(b *testing.B) {
	src := newsletter(b)
	st := CompileStyles([]string{src})
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := st.InlineCSS(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInlineCSSUncompiled is InlineCSS without a template: the style
// sheet parsed and its selectors compiled for each call.
func BenchmarkInlineCSSUncompiled(b *testing.B) {
	src := newsletter(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := InlineCSS(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainText(b *testing.B) {
	src, err := InlineCSS(newsletter(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := PlainText(src); err != nil {
			b.Fatal(err)
		}
	}
}

// newsletterMessage is the sample newsletter as a Message.
func newsletterMessage(b *testing.B) Message {
	html, err := InlineCSS(newsletter(b))
	if err != nil {
		b.Fatal(err)
	}
	text, err := PlainText(html)
	if err != nil {
		b.Fatal(err)
	}
	return Message{
		From: "Trail & Road <news@shop.example.com>", To: "zoe@example.org",
		Subject: "Zoë, summer is here: trail shoes from 119 €", Date: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC),
		MessageID:   MessageID("june-2026\x00u-1042", "news@shop.example.com"),
		Unsubscribe: "https://shop.example.com/unsubscribe?u=u-1042&c=june-2026",
		Headers:     [][2]string{{"X-Campaign", "june-2026"}},
		HTML:        html, Text: text,
	}
}

// BenchmarkWriteTo writes the newsletter's MIME message to a writer.
func BenchmarkWriteTo(b *testing.B) {
	m := newsletterMessage(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(m.HTML) + len(m.Text)))
	defer cputime.Report(b)()
	for b.Loop() {
		if _, err := m.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendTo writes it into a reused buffer, as a batch does.
func BenchmarkAppendTo(b *testing.B) {
	m := newsletterMessage(b)
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(m.HTML) + len(m.Text)))
	defer cputime.Report(b)()
	for b.Loop() {
		var err error
		if buf, err = m.AppendTo(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInlineCSSPremailer(b *testing.B) {
	src := newsletter(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := inlineCSSPremailer(src); err != nil {
			b.Fatal(err)
		}
	}
}
