package render

import (
	"strings"
	"testing"
)

// escapeByByte is handlebars.js escapeExpression spelled out a byte at a
// time, the reference appendEscaped and escapeAt are held to.
func escapeByByte(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#x27;")
		case '`':
			b.WriteString("&#x60;")
		case '=':
			b.WriteString("&#x3D;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestAppendEscaped: every byte handlebars.js replaces is replaced where it
// stands, before, inside and after a run of eight bytes, and the rest is
// copied as it is.
func TestAppendEscaped(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"exactly8", "exactly8"},
		{"sixteen bytes ok", "sixteen bytes ok"},
		{"a&b", "a&amp;b"},
		{`<p class="x">`, "&lt;p class&#x3D;&quot;x&quot;&gt;"},
		{"it's `code`", "it&#x27;s &#x60;code&#x60;"},
		{"12345678&", "12345678&amp;"},
		{"1234567&", "1234567&amp;"},
		{"&12345678", "&amp;12345678"},
		{"https://northwind.example/sale?u=u-1001&t=t-hero", "https://northwind.example/sale?u&#x3D;u-1001&amp;t&#x3D;t-hero"},
		{"é & ü", "é &amp; ü"},
	} {
		if got := string(appendEscaped([]byte("<>"), c.in)); got != "<>"+c.want {
			t.Errorf("appendEscaped(%q) = %q, want %q", c.in, got, "<>"+c.want)
		}
		if got := escapeByByte(c.in); got != c.want {
			t.Errorf("escapeByByte(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzAppendEscaped holds appendEscaped and escapeAt to the byte-at-a-time
// reference.
func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{"", "a&b", "12345678<", "plain text of some length", `"'=` + "`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendEscaped(nil, s)), escapeByByte(s); got != want {
			t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, want)
		}
		want := strings.IndexAny(s, "&<>\"'`=")
		if got := escapeAt(s); got != want {
			t.Fatalf("escapeAt(%q) = %d, want %d", s, got, want)
		}
		if got := escapeAt([]byte(s)); got != want {
			t.Fatalf("escapeAt([]byte(%q)) = %d, want %d", s, got, want)
		}
	})
}
