// Package suggest finds the known word closest to a mistyped one, for the
// "did you mean …?" hints of error messages in the library loader, the
// template compiler and the recipient readers.
package suggest

import (
	"strconv"
	"strings"
)

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to word, ignoring case, if it is
// at most maxDist edits away and is not word itself; otherwise "". Of
// equally near candidates the first wins.
func Closest(word string, candidates []string, maxDist int) string {
	best, bestD := "", maxDist+1
	lower := strings.ToLower(word)
	for _, c := range candidates {
		if d := Distance(lower, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == word {
		return ""
	}
	return best
}

// DidYouMean is the hint of an error message about a mistyped word:
// ` (did you mean "X"?)` for the candidate nearest to it (at most one edit
// per four characters, and one), or "" when none is that near.
func DidYouMean(word string, candidates []string) string {
	best := Closest(word, candidates, 1+len(word)/4)
	if best == "" {
		return ""
	}
	return " (did you mean " + strconv.Quote(best) + "?)"
}
