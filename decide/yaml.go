package decide

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
	suggestpkg "github.com/offermail/offermail/internal/suggest"
)

// source is one library file being read: its name, its lines (for carets)
// and the error list every problem goes to.
type source struct {
	name  string
	lines []string
	errs  *diag.List
}

func (s *source) pos(n *yaml.Node) Pos {
	return Pos{File: s.name, Line: n.Line, Col: n.Column}
}

func (s *source) line(n int) string {
	if n < 1 || n > len(s.lines) {
		return ""
	}
	return strings.TrimRight(s.lines[n-1], "\r")
}

// errAt records an error at a position of this file (col in characters),
// with its line and caret.
func (s *source) errAt(code diag.Code, line, col int, format string, args ...any) {
	s.errs.Errorf(code, s.name, line, col, format, args...).BindLine(s.line(line))
}

// errorf records an Invalid error at node n; errorc one with another code.
func (s *source) errorf(n *yaml.Node, format string, args ...any) {
	s.errAt(diag.Invalid, n.Line, n.Column, format, args...)
}

func (s *source) errorc(code diag.Code, n *yaml.Node, format string, args ...any) {
	s.errAt(code, n.Line, n.Column, format, args...)
}

// resolve follows aliases, so *anchors work wherever a value is expected.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a " + strings.TrimPrefix(n.Tag, "!!")
	}
	return "something else"
}

// field is one key of a mapping with its value.
type field struct {
	key, val *yaml.Node
}

// fields reads a mapping whose keys must be among allowed (in the order the
// fields should be documented). It reports unknown and repeated keys, and
// returns the known fields by name.
func (s *source) fields(n *yaml.Node, what string, allowed ...string) map[string]field {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		s.errorf(n, "%s must be a mapping, not %s", what, kindName(n))
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		name := k.Value
		if prev, dup := out[name]; dup {
			s.errorc(diag.Duplicate, k, "%s: %q is set twice (first at line %d)", what, name, prev.key.Line)
			continue
		}
		if !contains(allowed, name) {
			s.errorc(diag.Unknown, k, "%s: unknown field %q%s", what, name, suggest(name, allowed))
			continue
		}
		out[name] = field{k, v}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns a hint naming the closest allowed word, or the list.
func suggest(got string, allowed []string) string {
	best := suggestpkg.Closest(got, allowed, 2)
	switch {
	case best != "":
		return fmt.Sprintf(" (did you mean %q?)", best)
	case len(allowed) == 0:
		return " (none are defined)"
	case len(allowed) > 12:
		return ""
	}
	return " (expected one of: " + strings.Join(allowed, ", ") + ")"
}

// str reads a scalar as a string. Numbers and booleans are accepted as
// their text, so `name: 2026` is the name "2026".
func (s *source) str(n *yaml.Node, what string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		s.errorf(n, "%s must be a string, not %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)

// id reads an identifier.
func (s *source) id(n *yaml.Node, what string) (string, bool) {
	v, ok := s.str(n, what)
	if !ok {
		return "", false
	}
	if !idPattern.MatchString(v) {
		s.errorf(n, "%s %q is not a valid id: use letters, digits, '.', '_', ':' and '-', starting with a letter or digit", what, v)
		return "", false
	}
	return v, true
}

// integer reads an integer within [lo, hi].
func (s *source) integer(n *yaml.Node, what string, lo, hi int64) (int64, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		s.errorf(n, "%s must be a whole number, not %s", what, kindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.Value, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1e15 {
			s.errorf(n, "%s must be a whole number, not %q", what, n.Value)
			return 0, false
		}
		v = int64(f)
	}
	if v < lo || v > hi {
		if hi == math.MaxInt64 {
			s.errorf(n, "%s must be at least %d, not %d", what, lo, v)
		} else {
			s.errorf(n, "%s must be between %d and %d, not %d", what, lo, hi, v)
		}
		return 0, false
	}
	return v, true
}

func (s *source) boolean(n *yaml.Node, what string) (bool, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		s.errorf(n, "%s must be true or false, not %s", what, kindName(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		s.errorf(n, "%s must be true or false", what)
		return false, false
	}
	return b, true
}

// time reads an RFC 3339 time.
func (s *source) time(n *yaml.Node, what string) (time.Time, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		s.errorf(n, "%s must be an RFC 3339 time such as 2026-06-01T00:00:00Z, not %s", what, kindName(n))
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, n.Value)
	if err != nil {
		s.errorf(n, "%s %q is not an RFC 3339 time: write it like 2026-06-01T00:00:00Z", what, n.Value)
		return time.Time{}, false
	}
	return t, true
}

// enum reads one of a fixed set of words.
func (s *source) enum(n *yaml.Node, what string, allowed ...string) (string, bool) {
	v, ok := s.str(n, what)
	if !ok {
		return "", false
	}
	if !contains(allowed, v) {
		s.errorf(n, "%s %q is not valid: use %s", what, v, orList(allowed))
		return "", false
	}
	return v, true
}

func orList(words []string) string {
	if len(words) == 0 {
		return "nothing"
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// list calls each for every item of a sequence.
func (s *source) list(n *yaml.Node, what string, each func(*yaml.Node)) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		s.errorf(n, "%s must be a list, not %s", what, kindName(n))
		return
	}
	for _, item := range n.Content {
		each(resolve(item))
	}
}

// strings reads a list of strings.
func (s *source) strings(n *yaml.Node, what string) []string {
	var out []string
	s.list(n, what, func(item *yaml.Node) {
		if v, ok := s.str(item, what+" item"); ok {
			out = append(out, v)
		}
	})
	return out
}

// ids reads a list of ids, keeping their nodes for reference errors.
func (s *source) ids(n *yaml.Node, what string) ([]string, []*yaml.Node) {
	var out []string
	var nodes []*yaml.Node
	s.list(n, what, func(item *yaml.Node) {
		if v, ok := s.id(item, what+" item"); ok {
			out = append(out, v)
			nodes = append(nodes, item)
		}
	})
	return out, nodes
}

// value decodes any YAML value into plain Go values (maps with string keys,
// []any, string, float64, bool, nil), as JSON would.
func (s *source) value(n *yaml.Node, what string) (any, bool) {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		ok := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				s.errorf(k, "%s: keys must be strings", what)
				ok = false
				continue
			}
			v, vok := s.value(n.Content[i+1], what)
			ok = ok && vok
			m[k.Value] = v
		}
		return m, ok
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		ok := true
		for _, item := range n.Content {
			v, vok := s.value(item, what)
			ok = ok && vok
			l = append(l, v)
		}
		return l, ok
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			_ = n.Decode(&b)
			return b, true
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				s.errorf(n, "%s: %q is not a number", what, n.Value)
				return nil, false
			}
			return f, true
		}
		return n.Value, true
	}
	s.errorf(n, "%s: unsupported value", what)
	return nil, false
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// scannerProblems are the messages of yaml.v3's scanner, whose errors
// carry 1-based lines; its parser's errors carry 0-based ones.
var scannerProblems = []string{
	"block sequence entries are not allowed", "could not find expected ':'", "did not find expected alphabetic",
	"did not find expected comment", "did not find expected digit", "did not find expected hexdecimal",
	"did not find expected whitespace", "did not find the expected '>'", "found a tab character",
	"found an indentation indicator", "found character that cannot start", "found invalid Unicode",
	"found unexpected document indicator", "found unexpected end of stream", "found unexpected non-alphabetical",
	"found unknown escape", "mapping keys are not allowed", "mapping values are not allowed",
}

// syntaxError turns a YAML parser error into a positioned error. yaml.v3
// gives only a line (where the broken construct starts), so the column is 1.
func (s *source) syntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		scanner := false
		for _, p := range scannerProblems {
			scanner = scanner || strings.HasPrefix(msg, p)
		}
		if !scanner {
			line++
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	s.errAt(diag.Syntax, min(line, max(len(s.lines), 1)), 1, "invalid YAML: %s", msg)
}
