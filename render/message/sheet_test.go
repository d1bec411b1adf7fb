package message

import (
	"strings"
	"sync"
	"testing"
)

func TestSelectorRank(t *testing.T) {
	tests := []struct {
		sel  string
		want [5]int
	}{
		{"p", [5]int{0, 0, 0, 0, 1}},
		{" div  p", [5]int{0, 0, 0, 0, 2}},
		{".a p", [5]int{0, 0, 1, 0, 1}},
		{"#x .a td[align]", [5]int{0, 1, 1, 1, 1}},
		{"div>p", [5]int{0, 0, 0, 0, 1}},
		{"\ntd.a.b", [5]int{0, 0, 2, 0, 1}},
		{"_x é", [5]int{0, 0, 0, 0, 1}},
	}
	for _, tt := range tests {
		if got := selectorRank(tt.sel); got != tt.want {
			t.Errorf("selectorRank(%q) = %v, want %v", tt.sel, got, tt.want)
		}
	}
}

func TestKeptAside(t *testing.T) {
	tests := []struct {
		sel  string
		want bool
	}{
		{"a:hover", true}, {"A:HOVER", true}, {"p::before", true}, {"a:link", true},
		{"input:checked", true}, {"p:lang(en)", true}, {"*", true}, {".a *", true}, {"@x", true},
		{"p", false}, {"p:first-child", false}, {"p:not(.a)", false}, {"td[align]", false},
	}
	for _, tt := range tests {
		if got := keptAside(tt.sel); got != tt.want {
			t.Errorf("keptAside(%q) = %v, want %v", tt.sel, got, tt.want)
		}
	}
}

func TestSubjectName(t *testing.T) {
	tests := []struct {
		sel        string
		kind, name string
	}{
		{".hero", ".", "hero"},
		{"td.a", ".", "a"},
		{"div > P", "t", "p"},
		{" #main .b ", ".", "b"},
		{".a #f1", "#", "f1"},
		{"p a.b#c", ".", "b"},
		{"a#c", "#", "c"},
		{"h1 + p", "t", "p"},
		{"a:hover", "", ""},
		{"[align]", "", ""},
		{"p[x]", "", ""},
		{`.a\:b`, "", ""},
		{"p,a", "", ""},
	}
	for _, tt := range tests {
		kind, name := subjectName(tt.sel)
		if string(rune(kind)) != tt.kind && !(kind == 0 && tt.kind == "") || name != tt.name {
			t.Errorf("subjectName(%q) = %q, %q, want %q, %q", tt.sel, kind, name, tt.kind, tt.name)
		}
	}
}

func TestCompileSheet(t *testing.T) {
	sh := compileSheet([]string{
		"p { color: red; margin: 0 !important } .a, a:hover { color: blue } @media print { p { color: green } }",
		"#x { width: 10px } p:nth-child( { color: red }",
	})
	var got []string
	for _, r := range sh.rules {
		got = append(got, r.selector+"→"+r.decls[0].prop+":"+r.decls[0].value)
	}
	// Ordered by importance, then ids, classes, attributes and types; the
	// selector cascadia rejects is gone.
	want := []string{"p→color:red", ".a→color:blue", "#x→width:10px", "p→margin:0"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("compileSheet rules = %q, want %q", got, want)
	}
	wantLeft := "a:hover {\ncolor: blue !important\n}@media print{\np {\ncolor: green !important\n}\n}\n"
	if sh.leftover != wantLeft {
		t.Errorf("compileSheet leftover = %q, want %q", sh.leftover, wantLeft)
	}
	if sh.refusal != "" {
		t.Errorf("compileSheet refused: %s", sh.refusal)
	}
	for _, sel := range []string{"[pr-el-id]", `.a\:b`} {
		if sh := compileSheet([]string{sel + "{color:red}"}); sh.refusal == "" {
			t.Errorf("compileSheet(%q) accepted a selector that may see premailer's marks", sel)
		}
	}
}

// TestInlineCSSConcurrent inlines documents sharing style sheets from many
// goroutines (run it with -race) and checks each result against the one
// computed alone.
func TestInlineCSSConcurrent(t *testing.T) {
	c := newCorpus(3)
	docs := []string{newsletter(t)}
	for range 30 {
		docs = append(docs, c.document())
	}
	want := make([]string, len(docs))
	for i, d := range docs {
		want[i], _ = inlineCSSPremailer(d)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range docs {
				i := (i + g) % len(docs)
				if got, _ := InlineCSS(docs[i]); got != want[i] {
					t.Errorf("InlineCSS(document %d) from goroutine %d differs from premailer: %s", i, g, firstDiff(got, want[i]))
				}
			}
		})
	}
	wg.Wait()
}
