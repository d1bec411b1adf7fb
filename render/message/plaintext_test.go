package message

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPlainText(t *testing.T) {
	words := strings.TrimSpace(strings.Repeat("lorem ipsum ", 60))
	tests := []struct {
		name, html, want string
	}{
		{"empty", "", ""},
		{"link", `<p>Visit <a href="https://x.example/a?b=1&amp;c=2">our <i>shop</i></a>.</p>`,
			"Visit our shop (https://x.example/a?b=1&c=2).\n"},
		{"link text is the URL", `<a href=" https://x.example/ ">https://x.example/</a>`, "https://x.example/\n"},
		{"mailto", `<a href="mailto:a@b.example">Mail us</a>`, "Mail us (a@b.example)\n"},
		{"mailto text is the address", `<a href="MAILTO:a@b.example">a@b.example</a>`, "a@b.example\n"},
		{"anchor and javascript links", `<a href="#top">Top</a> <a href="javascript:void(0)">Menu</a> <a>None</a>`,
			"Top Menu None\n"},
		{"image link with alt", `<a href="https://x.example/s"><img src="s.png" alt="Summer sale"></a>`,
			"Summer sale (https://x.example/s)\n"},
		{"image link without alt", `<a href="https://x.example/p"><img src="x.png" alt=""></a>`, "https://x.example/p\n"},
		{"link around blocks", `<a href="https://x.example/"><div>Shop</div><div>now</div></a>`,
			"Shop now (https://x.example/)\n"},
		{"images as alt text", `<p><img src="a.png" alt="Logo"> <img src="b.png"></p>`, "Logo\n"},
		{"entities", `<p>shown &amp; &lt;ok&gt; &#x27;q&#x27; &quot;caf&eacute;&quot;&nbsp;!&zwnj;</p>`,
			"shown & <ok> 'q' \"café\" !\n"},
		{"hidden elements", `<div style="color:red; Display : NONE !important">hidden</div><div hidden>h2</div>` +
			`<p style="display:block">shown</p>`, "shown\n"},
		{"head, style, script, comments", `<html><head><title>T</title><style>p{}</style></head>` +
			`<body><!-- note --><script>x()</script><p>body</p></body></html>`, "body\n"},
		{"inline markup unwrapped", `<p>Hello <b>world</b>, <span style="color:red"><em>you</em></span>!</p>`,
			"Hello world, you!\n"},
		{"table rows as lines", `<table><tr><th>Item</th><th>Qty</th></tr><tr><td>A</td><td></td><td>2</td></tr><tr><td>C</td></tr></table>`,
			"Item | Qty\nA | 2\nC\n"},
		{"layout table", `<table><tr><td><p>One</p></td><td><p>Two</p></td></tr></table>`, "One\n\nTwo\n"},
		{"image link, then a link to the same URL", `<a href="https://x.example/p"><img src="p.png" alt="Parka"></a> <p><a href="https://x.example/p">Shop it</a></p>`,
			"Parka\n\nShop it (https://x.example/p)\n"},
		{"image link, then a link elsewhere", `<a href="https://x.example/p"><img alt="Parka"></a> <a href="https://x.example/q">More</a>`,
			"Parka (https://x.example/p) More (https://x.example/q)\n"},
		{"image link without alt, then the same URL", `<a href="https://x.example/p"><img alt=""></a><br><a href="https://x.example/p">Shop</a>`,
			"Shop (https://x.example/p)\n"},
		{"link text holding the URL", `<a href="https://x.example/">Visit https://x.example/ today</a>`, "Visit https://x.example/ today\n"},
		{"one blank line at most", `<p>one</p><br><br><br><p>two</p><p> </p><p>&nbsp;</p><p>three</p>`,
			"one\n\ntwo\n\nthree\n"},
		{"headings and lists", `<h1>Title</h1><h4>Sub</h4><ol><li>a</li><li>b</li></ol>`,
			"*****\nTitle\n*****\n\nSub\n\n* a\n* b\n"},
		{"line breaks", `<p>Trail &amp; Road<br>Berlin</p>`, "Trail & Road\nBerlin\n"},
		{"no wrapping", "<blockquote>" + words + "</blockquote>", words + "\n"},
	}
	for _, tt := range tests {
		got, err := PlainText(tt.html)
		if err != nil {
			t.Errorf("%s: PlainText(%q) error: %v", tt.name, tt.html, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: PlainText(%q) = %q, want %q", tt.name, tt.html, got, tt.want)
		}
	}
}

func TestPlainTextNewsletter(t *testing.T) {
	html, err := InlineCSS(WithPreheader(newsletter(t), "Preview only"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := PlainText(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Trail & Road (https://shop.example.com/?utm_source=newsletter&utm_medium=email)\n",
		"Trailblazer 4\n",
		"129,00 € · Details (https://shop.example.com/p/trailblazer-4?u=u-1042&c=june-2026)\n",
		"Questions? Write to help@shop.example.com.\n",
		"© 2026 Trail & Road. All rights reserved.\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PlainText(newsletter) lacks %q", want)
		}
	}
	// The preheader and the mobile-only paragraph are display:none after
	// inlining; the title is in <head>.
	for _, unwanted := range []string{"Preview only", "Tap below", "June newsletter", "\n\n\n", " \n", "\n "} {
		if strings.Contains(text, unwanted) {
			t.Errorf("PlainText(newsletter) contains %q", unwanted)
		}
	}
}

// TestPlainTextReference compares PlainText with the way the text was
// derived before (plainTextReference: the tree rewritten, then html2text)
// on documents of the random corpus that have neither tables nor images in
// links, where the two must agree byte for byte.
func TestPlainTextReference(t *testing.T) {
	c := newCorpus(3)
	compared := 0
	for i := range 2000 {
		src := c.document()
		if strings.Contains(src, "<table") || strings.Contains(src, "<img") {
			continue
		}
		want, err := plainTextReference(src)
		if err != nil {
			continue
		}
		got, err := PlainText(src)
		if err != nil {
			t.Fatalf("document %d: PlainText error %v", i, err)
		}
		if got != want {
			t.Fatalf("document %d: PlainText differs from the reference %s\n\nsource:\n%s", i, firstDiff(got, want), src)
		}
		compared++
	}
	if compared < 500 {
		t.Errorf("compared %d documents, want at least 500", compared)
	}
}

// TestLineEnd checks lineEnd against a byte-by-byte reading, on strings
// long enough for several words of its eight-byte scan, with line breaks,
// CRs and UTF-8 anywhere in them.
func TestLineEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			s := "ab  .\n\r\t\x8a\x8d\xc3\xa9\x7f"
			b[i] = s[r.IntN(len(s))]
		}
		wantEnd, wantPlain := len(b), true
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			wantEnd = i
		}
		for _, c := range b[:wantEnd] {
			if c >= 0x80 {
				wantPlain = false
			}
		}
		if end, plain := lineEnd(b); end != wantEnd || plain != wantPlain {
			t.Fatalf("lineEnd(%q) = %d, %v, want %d, %v", b, end, plain, wantEnd, wantPlain)
		}
	}
}

// TestTidyLines checks appendTidyLines, its shortcuts on and off, against
// tidyText on random text of words, white space, line breaks, CRs, the
// characters tidying replaces or removes, the white space beyond ASCII,
// UTF-8 next to them that stays, and bytes of broken UTF-8.
func TestTidyLines(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 50000 {
		var b []byte
		for range r.IntN(24) {
			b = append(b, tidyAtoms[r.IntN(len(tidyAtoms))]...)
		}
		checkTidyLines(t, b)
	}
}

// tidyAtoms are what TestTidyLines makes text of.
var tidyAtoms = []string{
	"a", "word", "long words of text ", ".", " ", "  ", "\t", "\v", "\f", "\n", "\n\n", "\r", "\r\n",
	"\u00a0", "\u00ad", "\u034f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", // replaced or removed
	"\u0085", "\u1680", "\u2000", "\u2005", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", // spaces
	"\u00b7", "\u00a9", "\u00e9", "\u0350", "\u200e", "\u2013", "\u2014", "\u2019", "\u2026", "\u2027", "\u2030", "\u2061", "\u1681", "\u3001", "\ufffd", "\U0001f600", // stay
	"\xc2", "\xcd", "\xe2", "\xe2\x80", "\xe2\x81", "\x80", "\xa0", "\xe1", "\xef\xbb", "\xff",
}

func checkTidyLines(t *testing.T, b []byte) {
	t.Helper()
	want := "x" + tidyText(string(b))
	for _, quick := range []bool{true, false} {
		if got := string(appendTidyLines([]byte("x"), b, quick)); got != want {
			t.Fatalf("appendTidyLines(%q, quick %v)\n got %q\nwant %q (tidyText)", b, quick, got[1:], want[1:])
		}
	}
}

// FuzzTidyLines is TestTidyLines on any text.
//
//	go test ./render/message -run '^$' -fuzz FuzzTidyLines
func FuzzTidyLines(f *testing.F) {
	f.Add([]byte("\n\n a \u00b7 b\u00a0\n\n\nc\u200b\r\n"))
	f.Add([]byte("* x\n* y \u2014 z\u2028\n\f\v\n"))
	f.Fuzz(func(t *testing.T, b []byte) { checkTidyLines(t, b) })
}
