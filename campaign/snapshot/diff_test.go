package snapshot

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	// Expected outputs were checked against GNU diff -u on the same input.
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one line changed, far hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
			"1\n2\nX\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nY\n15\n16",
			"--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+X\n 4\n 5\n 6\n@@ -12,5 +12,6 @@\n 12\n 13\n 14\n+Y\n 15\n-16\n+16\n\\ No newline at end of file\n"},
		{"close changes share a hunk", "a\nb\nc\nd\ne\nf\ng\nh\n", "b\nc\nq\nd\nf\ng\nh\nz\n",
			"--- a\n+++ b\n@@ -1,8 +1,8 @@\n-a\n b\n c\n+q\n d\n-e\n f\n g\n h\n+z\n"},
		{"new file", "", "x\ny\n", "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{"deleted file", "x\ny\n", "", "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-x\n-y\n"},
		{"one character", "<p>Hello</p>\n", "<p>Hallo</p>\n", "--- a\n+++ b\n@@ -1 +1 @@\n-<p>Hello</p>\n+<p>Hallo</p>\n"},
	}
	for _, tt := range tests {
		if got := Unified("a", "b", []byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("%s: Unified =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

// TestDiffLinesMinimal checks on random input that the script turns a into
// b, and that it is as short as the longest common subsequence allows.
func TestDiffLinesMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		n := rng.IntN(12)
		s := make([]string, n)
		for i := range s {
			s[i] = string(rune('a'+rng.IntN(3))) + "\n"
		}
		return s
	}
	for i := 0; i < 2000; i++ {
		a, b := gen(), gen()
		script := diffLines(a, b)
		checkScript(t, a, b, script)
		edits := 0
		for _, o := range script {
			if o.kind != ' ' {
				edits++
			}
		}
		if want := len(a) + len(b) - 2*lcs(a, b); edits != want {
			t.Fatalf("diffLines(%q, %q) makes %d edits, want %d", a, b, edits, want)
		}
	}
}

// TestDiffLinesBeyondLimit: inputs differing in more lines than the search
// bound still get a correct script.
func TestDiffLinesBeyondLimit(t *testing.T) {
	var a, b []string
	for i := 0; i < maxEdits; i++ {
		a = append(a, "a\n", "same\n")
		b = append(b, "b\n", "same\n")
	}
	checkScript(t, a, b, diffLines(a, b))
}

func checkScript(t *testing.T, a, b []string, script []op) {
	t.Helper()
	var gotA, gotB []string
	for _, o := range script {
		switch o.kind {
		case ' ':
			if a[o.a] != b[o.b] {
				t.Fatalf("script keeps a[%d]=%q as b[%d]=%q", o.a, a[o.a], o.b, b[o.b])
			}
			gotA, gotB = append(gotA, a[o.a]), append(gotB, b[o.b])
		case '-':
			gotA = append(gotA, a[o.a])
		case '+':
			gotB = append(gotB, b[o.b])
		}
	}
	if strings.Join(gotA, "") != strings.Join(a, "") || strings.Join(gotB, "") != strings.Join(b, "") {
		t.Fatalf("script does not rebuild its inputs:\na %q\nb %q\nscript %v", a, b, script)
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}
