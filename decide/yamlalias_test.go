package decide

import (
	"fmt"
	"strings"
	"testing"
)

// aliasBomb writes issue 13's library file: ten levels of anchors, each a
// list of ten aliases of the level below (10¹⁰ nodes once expanded).
func aliasBomb(indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sa0: &a0 [x, x, x, x, x, x, x, x, x, x]\n", indent)
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "%sa%d: &a%d [%s]\n", indent, i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	return b.String()
}

// TestAliasBomb: nested aliases are refused with an error at the alias that
// takes the file past the budget, within a memory ceiling (issue 13, item
// 2), wherever they are in the file.
func TestAliasBomb(t *testing.T) {
	offer := `placements:
  - {id: p, content: text}
offers:
  - id: o
    content: {p: {text: x}}
    attributes:
` + aliasBomb("      ")
	cycle := `placements:
  - {id: p, content: text}
offers:
  - id: o
    content: {p: {text: x}}
    attributes: &self
      again: *self
`
	tests := []struct{ name, file, want string }{
		// a0..a3 add 12,330 nodes; each *a3 adds 11,111 more: the 8th on
		// line 5 passes 100,000.
		{"top level", aliasBomb(""), "lib.yaml:5:38: alias *a3 takes the nodes aliases add to this file past 100000"},
		{"in attributes", offer, "lib.yaml:11:44: alias *a3 takes the nodes aliases add to this file past 100000"},
		{"cycle", cycle, "lib.yaml:7:14: alias *self is inside the node it names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadBounded(t, tt.file, 8<<20)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("LoadFiles = %v, want %q", err, tt.want)
			}
			wantLimit(t, err)
		})
	}
}

// TestAliasesWithinBudget: anchors that repeat a block, as a library uses
// them, load as before.
func TestAliasesWithinBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("placements:\n  - {id: p, content: text}\noffers:\n")
	b.WriteString("  - id: o0\n    content: &std {p: {text: shared}}\n    attributes: &attrs {margin: 10, tags: [a, b, c]}\n")
	for i := 1; i < 1000; i++ {
		fmt.Fprintf(&b, "  - {id: o%d, content: *std, attributes: *attrs}\n", i)
	}
	lib := mustLoad(t, "lib.yaml", b.String())
	if o := lib.Offer("o999"); o == nil || o.Content["p"].Text != "shared" || o.Attributes["margin"] != 10.0 {
		t.Fatalf("Offer(o999) = %+v, want the shared content and attributes", o)
	}
}
