package message

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// textDoc writes a random document of what the text alternative reads:
// blocks, paragraphs, lists, tables, headings, pre, links and images, and
// text with the white space, dots and invisible characters the writer
// treats apart.
func textDoc(r *rand.Rand, b *strings.Builder, depth int) {
	pick := func(list ...string) string { return list[r.IntN(len(list))] }
	for range 1 + r.IntN(4) {
		if depth > 4 || r.IntN(3) == 0 {
			b.WriteString(pick("word", "Two words", " ", "  ", "\n", "\t", " lead", "trail ", ".", ". dot", "&nbsp;",
				"\u00a0", "\u200b", "x.y", "https://x.example/a", "a@b.example", "é", "\n\n  \n", "·", ""))
			continue
		}
		tag := pick("p", "div", "ul", "ol", "li", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "pre",
			"a", "a", "img", "br", "span", "b", "blockquote", "hidden")
		switch tag {
		case "img":
			b.WriteString(`<img alt="` + pick("", "Alt", " spaced alt ", "x.y") + `">`)
			continue
		case "br":
			b.WriteString("<br>")
			continue
		case "a":
			b.WriteString(`<a href="` + pick("", "#", "javascript:x()", "mailto:a@b.example", "mailto:", "https://x.example/a", " https://x.example/b ") + `">`)
		case "hidden":
			b.WriteString(`<div style="display:none">`)
			tag = "div"
		default:
			b.WriteString("<" + tag + ">")
		}
		textDoc(r, b, depth+1)
		b.WriteString("</" + tag + ">")
	}
}

// checkTextShortcuts runs the text ops of src, cut at random places where
// values are written, through a TextWriter with its shortcuts (the ops
// fused and planned for replay, as a compiled document has them: twice,
// the second time replaying what the first did) and one with the general
// paths only, and compares the texts.
func checkTextShortcuts(t *testing.T, src string, r *rand.Rand) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	ops := compileText(root).ops
	var general TextWriter
	general.Reset()
	general.general = true
	var segs []TextOps
	var values [][]byte
	for len(ops) > 0 {
		n := 1 + r.IntN(len(ops))
		seg := ops[:n]
		ops = ops[n:]
		v := []byte([]string{"", "Maya", " Maya ", ".", "\n\nx ", "https://x.example/a", "\u00a0", "a b"}[r.IntN(8)])
		general.Run(TextOps{ops: seg})
		general.Write(v)
		segs = append(segs, compiledOps(append([]textOp(nil), seg...)))
		values = append(values, v)
	}
	want := string(general.Finish(nil))
	for pass := range 2 {
		var fast TextWriter
		fast.Reset()
		for i, seg := range segs {
			fast.Run(seg)
			fast.Write(values[i])
		}
		if got := string(fast.Finish(nil)); got != want {
			t.Fatalf("text of %q with shortcuts (pass %d)\n got %q\nwant %q (general paths)\n%s", src, pass, got, want, firstDiff(got, want))
		}
	}
}

func TestTextShortcuts(t *testing.T) {
	for seed := range uint64(3000) {
		r := rand.New(rand.NewPCG(seed, 0x7478))
		var b strings.Builder
		textDoc(r, &b, 0)
		checkTextShortcuts(t, b.String(), r)
	}
}

// FuzzTextShortcuts is TestTextShortcuts on any document.
//
//	go test ./render/message -run '^$' -fuzz FuzzTextShortcuts
func FuzzTextShortcuts(f *testing.F) {
	f.Add("<p>a <b>b</b>.</p><ul><li>x</li></ul>", uint64(1))
	f.Add("<table><tr><td>a</td><td> b </td></tr></table><h1> h </h1><pre> p\n q </pre>", uint64(2))
	f.Add(`<a href="https://x/"><img alt="i"></a> <a href="https://x/">t</a>`, uint64(3))
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		checkTextShortcuts(t, src, rand.New(rand.NewPCG(seed, 0x7478)))
	})
}

// TestAppendCollapsed checks appendCollapsed against a regular expression
// on strings of letters, white space, other control bytes and UTF-8.
func TestAppendCollapsed(t *testing.T) {
	ws := regexp.MustCompile(`[ \r\n\t]+`)
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		b := make([]byte, r.IntN(48)) // past three words of the eight-byte scan
		for i := range b {
			s := "ab  \t\r\n\f\xc2\xa0."
			b[i] = s[r.IntN(len(s))]
		}
		got, want := string(appendCollapsed([]byte("x"), b)), "x"+ws.ReplaceAllString(string(b), " ")
		if got != want {
			t.Fatalf("appendCollapsed(%q) = %q, want %q", b, got[1:], want[1:])
		}
	}
}
