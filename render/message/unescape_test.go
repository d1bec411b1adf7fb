package message

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"golang.org/x/net/html"
)

// unescapeSeeds are values with the references Handlebars writes, the
// others a parser reads, and broken ones.
var unescapeSeeds = []string{
	"", "plain", "a &amp; b", "&lt;b&gt;", "&quot;q&quot; &#x27;a&#x27; &#x3D; &#x60;", "&#39;&#34;&#61;",
	"&nbsp;&NBSP;&nbsp", "&amp", "&ampx;", "&copy;&eacute;", "&#0;&#x80;&#x9F;&#128;&#xD800;&#x110000;",
	"&#65;&#x41;&#X41;&#0065;&#00065;", "&#x7e;&#x7f;&#x1f;", "&#;&#x;&;", "x&y=z&", "&apos;&AMP;&LT;",
	"https://x.example/?u=1&amp;t=2&#x3D;3", "\u00e9&amp;\u00a0",
}

// TestAppendUnescaped checks the fast decoding of references against
// html.UnescapeString, the parser's.
func TestAppendUnescaped(t *testing.T) {
	for _, s := range unescapeSeeds {
		if got, want := string(appendUnescaped([]byte("pre"), []byte(s))), "pre"+html.UnescapeString(s); got != want {
			t.Errorf("appendUnescaped(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzAppendUnescaped(f *testing.F) {
	for _, s := range unescapeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendUnescaped(nil, []byte(s))), html.UnescapeString(s); got != want {
			t.Errorf("appendUnescaped(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestAppendFields checks appendFields against bytes.Fields joined.
func TestAppendFields(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a  b\tc\n", "\u00a0x\u0085y\u2003z ", "\xffa \xfe", "é  ü", "\v\f\r"} {
		want := string(bytes.Join(bytes.Fields([]byte(s)), []byte(" ")))
		if got := string(appendFields([]byte("pre"), []byte(s))); got != "pre"+want {
			t.Errorf("appendFields(%q) = %q, want %q", s, got, "pre"+want)
		}
	}
}

// TestAppendFieldsRandom checks appendFields, its shortcut for words one
// space apart (fieldsKept) taken or not, against bytes.Fields joined, on
// random text long enough for several words of the shortcut's eight-byte
// scan.
func TestAppendFieldsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	atoms := []string{"a", "word", "x.y", " ", "  ", "\t", "\n", "\v", "\f", "\r", "\x01", "\x7f", "\u00a0", "\u2003", "é", "\xff"}
	kept := 0
	for range 50000 {
		var b []byte
		for range r.IntN(16) {
			b = append(b, atoms[r.IntN(len(atoms))]...)
		}
		want := string(bytes.Join(bytes.Fields(b), []byte(" ")))
		if got := string(appendFields([]byte("pre"), b)); got != "pre"+want {
			t.Fatalf("appendFields(%q) = %q, want %q", b, got, "pre"+want)
		}
		if fieldsKept(b) {
			if string(b) != want {
				t.Fatalf("fieldsKept(%q), but its words joined are %q", b, want)
			}
			kept++
		}
	}
	if kept < 1000 {
		t.Errorf("the shortcut was taken for %d texts, want at least 1000", kept)
	}
}

// TestAttrRefsRead checks which terminated references read alike in an
// attribute value and in text: those decoded whole or not at all.
func TestAttrRefsRead(t *testing.T) {
	for v, want := range map[string]bool{
		"": true, "plain": true, "a &amp; b": true, "&eacute;&AMP;&notin;": true, "&#65;&#x3D;": true,
		"&foo;": true, "x&amp0;y": false, "&notit;": false, "&ampx;": false, "&amp;&copyx;": false,
	} {
		if got := attrRefsRead([]byte(v)); got != want {
			t.Errorf("attrRefsRead(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestRefsTerminated checks refsTerminated, which hops from '&' to '&',
// against a reading of every byte, on random text of references, broken
// ones and plain bytes.
func TestRefsTerminated(t *testing.T) {
	byByte := func(v []byte) bool {
		for i := 0; i < len(v); i++ {
			if v[i] != '&' {
				continue
			}
			j := i + 1
			for j < len(v) && (v[j] == '#' || 'a' <= v[j] && v[j] <= 'z' || 'A' <= v[j] && v[j] <= 'Z' || '0' <= v[j] && v[j] <= '9') {
				j++
			}
			if j == i+1 || j == len(v) || v[j] != ';' {
				return false
			}
			i = j
		}
		return true
	}
	r := rand.New(rand.NewPCG(11, 12))
	atoms := []string{"a", "Z9", "#", ";", "&", "&amp;", "&#x3D;", "&#65;", "&;", "& ", "&amp", "https://x.example/?a=1", " ", "é"}
	for range 50000 {
		var v []byte
		for range r.IntN(10) {
			v = append(v, atoms[r.IntN(len(atoms))]...)
		}
		if got, want := refsTerminated(v), byByte(v); got != want {
			t.Fatalf("refsTerminated(%q) = %v, want %v", v, got, want)
		}
	}
}
