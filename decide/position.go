package decide

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
)

// Errors inside a scalar's value — an expression in a rule, Handlebars in
// offer content — come with a line and column in the value; these map them
// to the file, in characters like every column (see package diag).

// scalarPosition maps a 1-based line and character column inside the value
// of scalar n to its line and character column in the file. It is exact for
// single-line plain and quoted scalars (an escape counts as the character
// it stands for) and for literal blocks (|); for folded and multi-line flow
// scalars it points at the right line when it can.
func scalarPosition(s *source, n *yaml.Node, line, col int) (int, int) {
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		first := n.Line + 1
		indent := 0
		for l := first; l <= len(s.lines); l++ {
			text := s.line(l)
			if strings.TrimSpace(text) == "" {
				continue
			}
			indent = len(text) - len(strings.TrimLeft(text, " "))
			first = l
			break
		}
		if n.Style == yaml.FoldedStyle {
			return foldedPosition(s, first, indent, col)
		}
		return first + line - 1, indent + col
	}
	if line > 1 {
		return n.Line + line - 1, col
	}
	raw := s.line(n.Line)
	start := diag.Offset(raw, n.Column) // yaml.v3 columns count characters
	if start >= len(raw) {
		return n.Line, n.Column
	}
	quote := byte(0)
	if n.Style == yaml.SingleQuotedStyle || n.Style == yaml.DoubleQuotedStyle {
		quote = raw[start]
		start++
	}
	i := start
	for decoded := 0; i < len(raw) && decoded < col-1; decoded++ {
		i += rawLen(raw[i:], quote)
	}
	return n.Line, diag.Column(raw, i)
}

// rawLen is the length in bytes of the text that the first character of a
// scalar's value is written with at the start of raw: an escape in a
// double-quoted scalar, a doubled quote in a single-quoted one, or the
// character itself.
func rawLen(raw string, quote byte) int {
	switch {
	case quote == '\'' && strings.HasPrefix(raw, "''"):
		return 2
	case quote == '"' && raw[0] == '\\' && len(raw) > 1:
		switch raw[1] {
		case 'x':
			return min(4, len(raw))
		case 'u':
			return min(6, len(raw))
		case 'U':
			return min(10, len(raw))
		}
		return 2
	}
	_, size := utf8.DecodeRuneInString(raw)
	return size
}

// foldedPosition finds decoded column col in a folded block whose content
// starts at line first with the given indent (lines are joined by spaces).
func foldedPosition(s *source, first, indent, col int) (int, int) {
	remaining := col - 1
	for l := first; l <= len(s.lines); l++ {
		text := s.line(l)
		if len(text) < indent || strings.TrimSpace(text[:indent]) != "" {
			break
		}
		n := utf8.RuneCountInString(text[indent:])
		if remaining <= n {
			return l, indent + remaining + 1
		}
		remaining -= n + 1
	}
	return first, indent + 1
}
