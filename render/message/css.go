package message

import "strings"

// splitAtRules separates a style sheet into the at-rules premailer cannot
// print (keep: @import, @font-face, @keyframes, @supports, ... verbatim, in
// their original order) and everything else (rest: style rules and @media
// blocks, which premailer inlines or re-prints correctly). Comments between
// statements are dropped, as premailer would drop them.
//
// This is a statement scanner, not a CSS parser: it knows comments,
// strings, escapes and nested braces, which is enough to find where each
// top-level statement ends. Unterminated input ends the statement at the
// end of the sheet, the way a browser recovers.
func splitAtRules(sheet string) (keep, rest string) {
	var k, r strings.Builder
	for i := 0; i < len(sheet); {
		i = skipSpaceAndComments(sheet, i)
		if i >= len(sheet) {
			break
		}
		end := statementEnd(sheet, i)
		stmt := sheet[i:end]
		if sheet[i] == '@' && !strings.EqualFold(atKeyword(stmt), "media") {
			k.WriteString(stmt)
			k.WriteByte('\n')
		} else {
			r.WriteString(stmt)
			r.WriteByte('\n')
		}
		i = end
	}
	if k.Len() == 0 {
		return "", sheet
	}
	return k.String(), r.String()
}

// atKeyword returns the name of the at-rule stmt starts with, without "@".
func atKeyword(stmt string) string {
	i := 1
	for i < len(stmt) && isNameByte(stmt[i]) {
		i++
	}
	return stmt[1:i]
}

func isNameByte(c byte) bool {
	return c == '-' || c == '_' || c >= 0x80 ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func skipSpaceAndComments(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f':
			i++
		case strings.HasPrefix(s[i:], "/*"):
			i = commentEnd(s, i)
		default:
			return i
		}
	}
	return i
}

// statementEnd returns the index just past the statement starting at i: a
// ';' outside any block (an at-rule without a body, such as @import), or
// the '}' that closes its first block.
func statementEnd(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == '\\':
			i += 2
			continue
		case c == '"' || c == '\'':
			i = stringEnd(s, i)
			continue
		case strings.HasPrefix(s[i:], "/*"):
			i = commentEnd(s, i)
			continue
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth <= 0 {
				return i + 1
			}
		case c == ';' && depth == 0:
			return i + 1
		}
		i++
	}
	return len(s)
}

func commentEnd(s string, i int) int {
	if j := strings.Index(s[i+2:], "*/"); j >= 0 {
		return i + 2 + j + 2
	}
	return len(s)
}

// stringEnd returns the index just past the quoted string starting at i.
// A newline ends an unterminated string, as in CSS.
func stringEnd(s string, i int) int {
	q := s[i]
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i + 1
		case '\n':
			return i
		}
	}
	return len(s)
}
