package render

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render/message"
)

// frontMatter is the YAML block at the top of a template.
type frontMatter struct {
	fields  map[string]*fmField // by key; absent keys are missing
	headers [][2]string
}

// fmField is a scalar value with where it sits in the file, as a source
// so Handlebars in it reports positions in the template file.
type fmField struct {
	value string
	src   *source
}

var (
	frontMatterKeys = []string{"subject", "preheader", "from", "replyTo", "layout", "headers", "unsubscribe"}
	rYAMLLine       = regexp.MustCompile(`line (\d+): (.*)`)
)

// splitFrontMatter separates the front matter (between a first line "---"
// and the next "---" line) from the body. It returns the YAML text and the
// body with the file lines they start on (yamlLine 0: no front matter).
func splitFrontMatter(file, text string, errs *diag.List) (yml string, yamlLine int, body string, bodyLine int) {
	first, rest, ok := strings.Cut(text, "\n")
	if !ok || strings.TrimRight(first, " \t\r") != "---" {
		return "", 0, text, 1
	}
	off := len(first) + 1
	for line := 2; ; line++ {
		l, next, more := strings.Cut(rest, "\n")
		if strings.TrimRight(l, " \t\r") == "---" {
			yml = text[len(first)+1 : off]
			body = text[off+len(l):]
			if more {
				body = body[1:]
			}
			return yml, 2, body, line + 1
		}
		if !more {
			break
		}
		off += len(l) + 1
		rest = next
	}
	errs.Errorf(diag.Syntax, file, 1, 1, "front matter is not closed: add a line --- after its last key")
	return "", 0, "", 0
}

// parseFrontMatter decodes the YAML of a front matter starting at file
// line yamlLine, reporting every problem.
func parseFrontMatter(file, yml string, yamlLine int, errs *diag.List) *frontMatter {
	fm := &frontMatter{fields: map[string]*fmField{}}
	if strings.TrimSpace(yml) == "" {
		return fm
	}
	at := func(n *yaml.Node) pos { return pos{file: file, line: n.Line + yamlLine - 1, col: n.Column} }
	fail := func(p pos, format string, args ...any) { errs.Add(p.errorf(format, args...)) }
	failc := func(code diag.Code, p pos, format string, args ...any) { errs.Add(p.errorc(code, format, args...)) }

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(yml), &doc); err != nil {
		line, msg := 1, err.Error()
		if m := rYAMLLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		lines := strings.Split(yml, "\n")
		if line-1 < len(lines) && (strings.Contains(lines[line-1], "{{") || line >= 2 && strings.Contains(lines[line-2], "{{")) {
			msg += `; a value with {{ }} must be quoted, as in subject: "{{profile.firstName}}, …"`
		}
		failc(diag.Syntax, pos{file: file, line: line + yamlLine - 1, col: 1}, "front matter: %s", msg)
		return fm
	}
	if len(doc.Content) == 0 {
		return fm // comments only
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		fail(at(root), "front matter must be key: value lines (%s)", strings.Join(frontMatterKeys, ", "))
		return fm
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if !contains(frontMatterKeys, key) {
			failc(diag.Unknown, at(k), "unknown front-matter key %q%s: the keys are %s", key, suggest(key, frontMatterKeys), strings.Join(frontMatterKeys, ", "))
			continue
		}
		if _, dup := fm.fields[key]; dup || key == "headers" && fm.headers != nil {
			failc(diag.Duplicate, at(k), "front-matter key %q is set twice", key)
			continue
		}
		if key == "headers" {
			fm.headers = parseHeaders(file, v, at, failc)
			continue
		}
		if v.Kind != yaml.ScalarNode {
			fail(at(v), "%s must be a string; a value that starts with {{ or [ must be quoted", key)
			continue
		}
		if v.Tag == "!!null" {
			continue
		}
		fm.fields[key] = &fmField{value: v.Value, src: scalarSource(file, yml, yamlLine, v)}
	}
	return fm
}

func parseHeaders(file string, v *yaml.Node, at func(*yaml.Node) pos, failc func(diag.Code, pos, string, ...any)) [][2]string {
	fail := func(p pos, format string, args ...any) { failc(diag.Invalid, p, format, args...) }
	headers := [][2]string{}
	if v.Kind != yaml.MappingNode {
		if v.Tag != "!!null" {
			fail(at(v), "headers must be a map of header names to values, as in\nheaders:\n  X-Campaign: winter")
		}
		return headers
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		name := k.Value
		lower := strings.ToLower(name)
		nameErr := message.CheckHeaderName(name)
		switch {
		case errors.Is(nameErr, message.ErrReservedHeader):
			fail(at(k), "header %s is written by offermail: set it with its own front-matter key or not at all", name)
			continue
		case nameErr != nil:
			fail(at(k), "%q is not a valid header name: use letters, digits and dashes, as in X-Campaign", name)
			continue
		case seen[lower]:
			failc(diag.Duplicate, at(k), "header %s is set twice", name)
			continue
		case val.Kind != yaml.ScalarNode:
			fail(at(val), "the value of header %s must be a string", name)
			continue
		case strings.ContainsAny(val.Value, "\r\n"):
			fail(at(val), "the value of header %s holds a line break, which would let it inject headers", name)
			continue
		}
		seen[lower] = true
		headers = append(headers, [2]string{name, val.Value})
	}
	return headers
}

// scalarSource maps a scalar's value back to the file. Plain and quoted
// one-line values map exactly (escapes aside); a block scalar (| or >)
// starts on the next line at its indentation.
func scalarSource(file, yml string, yamlLine int, v *yaml.Node) *source {
	line, col := v.Line+yamlLine-1, v.Column
	switch v.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		col++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		lines := strings.Split(yml, "\n")
		if v.Line < len(lines) {
			next := lines[v.Line]
			col = 1 + len(next) - len(strings.TrimLeft(next, " "))
		}
		line++
	}
	return plainSource(file, v.Value, line, col)
}

// fieldPos is the position of a front-matter value, for errors about it.
func (f *fmField) pos() pos { return f.src.pos(0) }
