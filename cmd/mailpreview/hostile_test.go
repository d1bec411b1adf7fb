package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// hostileLibrary writes issue 13's hostile library files beside a copy of
// the sample library: an alias bomb (ten levels of ten aliases) in an
// offer's attributes, a rule of 600,000 parentheses and a rule that
// repeats a string a billion times.
func hostileLibrary(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "lib")
	copyTree(t, library, dir)
	var bomb strings.Builder
	bomb.WriteString("offers:\n  - id: bomb\n    content: {hero: {html: x}}\n    attributes:\n")
	fmt.Fprintf(&bomb, "      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&bomb, "      a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	writeFiles(t, dir, map[string]string{
		"zz-bomb.yaml":   bomb.String(),
		"zz-parens.yaml": "rules:\n  - {id: deep, when: '" + strings.Repeat("(", 600_000) + "true" + strings.Repeat(")", 600_000) + "'}\n",
		"zz-repeat.yaml": "rules:\n  - {id: big, when: 'len(repeat(repeat(string(profile.age), 1000), 1000000)) > 0'}\n",
	})
	return dir
}

// TestHostileLibrary: check and batch refuse a hostile library with an
// error at each place, exit 1, and live to say so (issue 13, items 2-4).
func TestHostileLibrary(t *testing.T) {
	lib := hostileLibrary(t)
	want := []string{
		filepath.Join(lib, "zz-bomb.yaml") + ":9:44: alias *a3 takes the nodes aliases add to this file past 100000",
		filepath.Join(lib, "zz-parens.yaml") + ":2:23: this rule is 1200004 bytes long, over the limit of 15360 bytes",
		filepath.Join(lib, "zz-repeat.yaml") + ":2:26: repeat is not allowed in rules and formulas",
	}
	commands := [][]string{
		{"check", "--library", lib, "--templates", tplDir},
		{"batch", "--library", lib, "--template", batchTemplate, "--recipients", batchSample, "--campaign", "hostile",
			"--out", filepath.Join(t.TempDir(), "out"), "--at", batchAt},
	}
	for _, args := range commands {
		code, _, errOut := run(t, args...)
		if code != exitInvalid {
			t.Errorf("%s = %d, want %d\n%.2000s", args[0], code, exitInvalid, errOut)
		}
		for _, w := range want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s output lacks %q:\n%.2000s", args[0], w, errOut)
			}
		}
	}
}
