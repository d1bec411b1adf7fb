package recipients

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/offermail/offermail/diag"
)

// This file gives CSV columns their meaning: which column is the id, which
// the email, where every other one goes in the record, and what type a cell
// has.

// Where a column's cells go.
const (
	toID = iota
	toEmail
	toProfile
	toContext
)

type column struct {
	header string   // as written, without surrounding spaces
	target int      // toID, toEmail, toProfile or toContext
	path   []string // the nested field in the profile or context
}

// parseHeader reads the header row. pos gives the line and character
// column of cell i for errors. Every problem is an error, since a wrong header would
// misplace a field in every row.
func parseHeader(cells []string, pos func(int) (int, int), name string) (cols []column, idCol, emailCol int, err error) {
	fail := func(i int, code diag.Code, format string, args ...any) ([]column, int, int, error) {
		line, col := pos(i)
		return nil, 0, 0, &diag.Error{Code: code, File: name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	idCol, emailCol = -1, -1
	// One tree of field names per target: a header costs time and memory
	// in proportion to its length, however deep it nests (a key per
	// prefix was quadratic in the depth).
	fields := [2]*fieldNode{newFieldNode(-1), newFieldNode(-1)}
	for i, cell := range cells {
		h := strings.TrimSpace(cell)
		if !utf8.ValidString(h) {
			return fail(i, diag.Syntax, "header of column %d is not valid UTF-8; save the file as UTF-8", i+1)
		}
		if h == "" {
			return fail(i, diag.Missing, "column %d has no name in the header; name it or delete the column", i+1)
		}
		c := column{header: h, target: toProfile}
		switch h {
		case "id":
			if idCol >= 0 {
				return fail(i, diag.Duplicate, `column "id" appears twice (columns %d and %d)`, idCol+1, i+1)
			}
			c.target, idCol = toID, i
			cols = append(cols, c)
			continue
		case "email":
			if emailCol >= 0 {
				return fail(i, diag.Duplicate, `column "email" appears twice (columns %d and %d)`, emailCol+1, i+1)
			}
			c.target, emailCol = toEmail, i
			cols = append(cols, c)
			continue
		}
		// Checked before splitting, so a hostile header is refused
		// without building its path.
		first, _, _ := strings.Cut(h, ".")
		depth := strings.Count(h, ".") + 1
		if first == "profile" || first == "context" {
			depth--
		}
		if depth > maxHeaderDepth {
			return fail(i, diag.Limit, "column %d names a field %d levels deep; at most %d levels are allowed (records nest at most %d deep, the record itself included)",
				i+1, depth, maxHeaderDepth, maxDepth)
		}
		c.path = strings.Split(h, ".")
		// "profile.age" is the same field as "age", and "context.weather"
		// fills the context, which CSV has no other way to give.
		switch c.path[0] {
		case "profile", "context":
			if len(c.path) == 1 {
				return fail(i, diag.Invalid, "column %s needs a field name, like %s.tier", quote(h), h)
			}
			if c.path[0] == "context" {
				c.target = toContext
			}
			c.path = c.path[1:]
		}
		for _, part := range c.path {
			if part == "" {
				return fail(i, diag.Invalid, "column %s has an empty name between dots", quote(h))
			}
		}

		if j, isValue := fields[c.target-toProfile].add(c.path, i); j >= 0 {
			if isValue {
				return fail(i, diag.Duplicate, "columns %s and %s set the same field; keep one", quote(cols[j].header), quote(h))
			}
			return fail(i, diag.Invalid, "column %s conflicts with %s: a field cannot hold both a value and nested fields",
				quote(h), quote(cols[j].header))
		}
		cols = append(cols, c)
	}
	if idCol < 0 {
		return fail(0, diag.Missing, `missing id column; the header needs a column named "id"%s`, caseHint(cells, "id"))
	}
	if emailCol < 0 {
		return fail(0, diag.Missing, `missing email column; the header needs a column named "email"%s`, caseHint(cells, "email"))
	}
	return cols, idCol, emailCol, nil
}

// maxHeaderDepth bounds the names in a dotted header so that a CSV record
// nests no deeper than a JSON record may (maxDepth counts the record
// object itself).
const maxHeaderDepth = maxDepth - 1

// fieldNode is one name of the dotted headers seen so far: a value set by
// column col, or an object whose fields were first named by column col.
type fieldNode struct {
	col    int
	value  bool
	fields map[string]*fieldNode
}

func newFieldNode(col int) *fieldNode { return &fieldNode{col: col} }

// add records that column col sets the field at path. When that field is
// already set (isValue: a duplicate), or something on the way is a value,
// or the field is already an object, it returns the column in the way;
// otherwise -1.
func (n *fieldNode) add(path []string, col int) (conflict int, isValue bool) {
	for _, name := range path {
		if n.value {
			return n.col, false
		}
		next, ok := n.fields[name]
		if !ok {
			if n.fields == nil {
				n.fields = make(map[string]*fieldNode)
			}
			next = newFieldNode(col)
			n.fields[name] = next
		}
		n = next
	}
	if n.value {
		return n.col, true
	}
	if n.fields != nil {
		return n.col, false
	}
	n.value, n.col = true, col
	return -1, false
}

// caseHint points out a header that differs from want only in case.
func caseHint(cells []string, want string) string {
	for i, c := range cells {
		if strings.EqualFold(strings.TrimSpace(c), want) {
			return fmt.Sprintf(" (column %d is %s; names are case-sensitive)", i+1, quote(strings.TrimSpace(c)))
		}
	}
	return ""
}

// typeCell gives a non-empty cell its type: a boolean, a number, or else
// the string as written.
//
// Booleans are true, True, TRUE, false, False and FALSE (spreadsheets write
// TRUE). A number is written the way a person writes a quantity:
// an optional minus, then 0 or digits not starting with 0, then optionally
// a point and one or more digits, with at most 15 digits in all so that
// float64 holds it exactly. Everything else stays a string: 02134 and 007
// (a leading zero is part of a code), +1, 1e3, 1,000, .5, 5., " 5", NaN
// and -0.
func typeCell(s string) any {
	switch s {
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if !isPlainNumber(s) {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || (f == 0 && s[0] == '-') {
		return s
	}
	return f
}

func isPlainNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits := i - start
	if intDigits == 0 || (intDigits > 1 && s[start] == '0') {
		return false
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			fracDigits++
		}
		if fracDigits == 0 {
			return false
		}
	}
	return i == len(s) && intDigits+fracDigits <= 15
}

// setPath stores v at path inside m, creating the objects on the way. The
// header checks guarantee that nothing on the way is a value.
func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = make(map[string]any)
			m[k] = sub
		}
		m = sub
	}
	m[path[len(path)-1]] = v
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
