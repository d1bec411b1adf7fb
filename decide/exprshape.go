package decide

import (
	"fmt"

	"github.com/offermail/offermail/diag"
)

// Limits on an expression's text, checked before it is parsed, so that
// nothing a library file holds can make the parser recurse without bound
// (expr's parser descends once per bracket). The lengths are Adobe Journey
// Optimizer's: 15 KB per decision rule, 8 KB per ranking formula.
const (
	maxRuleBytes    = 15 * 1024
	maxFormulaBytes = 8 * 1024
	// maxNesting bounds brackets — ( [ { — open at once.
	maxNesting = 64
)

// checkShape refuses an expression that is too long or nests too deep,
// before it is parsed. Positions are 1-based, columns in characters.
func checkShape(src string, kind exprKind) error {
	limit, what := maxRuleBytes, "rule"
	if kind == formulaExpr {
		limit, what = maxFormulaBytes, "formula"
	}
	if len(src) > limit {
		return &exprError{1, 1, fmt.Sprintf("this %s is %d bytes long, over the limit of %d bytes (%d KB); split it into smaller rules or formulas", what, len(src), limit, limit/1024), diag.Limit}
	}
	line, col, depth := 1, 0, 0
	var quote rune   // the open string literal's quote, or 0
	escaped := false // the previous character was a backslash in a string
	comment := ""    // "//" or "/*" while in a comment
	var prev rune
	for _, r := range src {
		col++
		switch {
		case comment == "//":
			if r == '\n' {
				comment = ""
			}
		case comment == "/*":
			if prev == '*' && r == '/' {
				comment, r = "", 0
			}
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote != '`':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case prev == '/' && (r == '/' || r == '*'):
			comment = string(prev) + string(r)
			r = 0 // "/*/" does not close the comment
		case r == '(' || r == '[' || r == '{':
			depth++
			if depth > maxNesting {
				return &exprError{line, col, fmt.Sprintf("brackets nest more than %d deep here; simplify the expression", maxNesting), diag.Limit}
			}
		case r == ')' || r == ']' || r == '}':
			depth = max(depth-1, 0)
		}
		if r == '\n' {
			line, col = line+1, 0
		}
		prev = r
	}
	return nil
}
