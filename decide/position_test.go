package decide

import (
	"errors"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

// TestExprErrorColumn: an expression error is reported at the character
// column of the offending token in the file, whatever comes before it on
// the line (non-ASCII text, YAML escapes, a block scalar's indentation),
// and the caret sits under that character.
func TestExprErrorColumn(t *testing.T) {
	tests := []struct {
		name, when string // the YAML after "    when: "
		line, col  int
	}{
		{"ascii", `'profile.x == "e" &&& true'`, 3, 31},
		{"non-ASCII before the error", `'profile.x == "é" &&& true'`, 3, 31},
		{"wide characters", `'profile.x == "中文" &&& true'`, 3, 32},
		{"plain scalar", `profile.x == "é" &&& true`, 3, 30},
		{"doubled quote", `'profile.x == "''" &&& true'`, 3, 32},
		{"escape in double quotes", `"profile.x == 'caf\u00e9' &&& true"`, 3, 39},
		{"escape and non-ASCII", `"profile.x == 'é\t' &&& true"`, 3, 33},
		{"literal block", "|\n      profile.x == \"é\"\n        &&& true", 5, 11},
		{"folded block", ">\n      profile.x == \"é\" &&& true", 4, 26},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "rules:\n  - id: r\n    when: " + tt.when + "\n"
			_, err := LoadFiles([]File{{Name: "rules.yaml", Data: []byte(src)}})
			var e *diag.Error
			if !errors.As(err, &e) {
				t.Fatalf("LoadFiles error = %v, want a *diag.Error", err)
			}
			if e.Line != tt.line || e.Col != tt.col || e.Code != diag.Expression {
				t.Errorf("error at %d:%d (%v), want %d:%d (expression): %v", e.Line, e.Col, e.Code, tt.line, tt.col, err)
			}
			line := strings.Split(src, "\n")[e.Line-1]
			if r := []rune(line); e.Col < 3 || e.Col > len(r) || string(r[e.Col-3:e.Col]) != "&&&" {
				t.Errorf("column %d of %q is not the third &", e.Col, line)
			}
			if e.Source != line || len([]rune(e.Caret)) != e.Col {
				t.Errorf("snippet =\n%s\nwant the line with the caret at column %d", e.Snippet(), e.Col)
			}
		})
	}
}
