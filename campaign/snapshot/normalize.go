package snapshot

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// boundaryParam finds the boundary parameter of a Content-Type header,
// quoted or not; a folded header puts it at the start of a line.
var boundaryParam = regexp.MustCompile(`(?i)\bboundary="?([^";\s]+)"?`)

// NormalizeEML rewrites what may change between two renderings of the same
// message so that golden files only change when the message does:
//
//   - the Date header becomes "Date: <normalized>";
//   - the Message-ID keeps its domain: "<normalized@northwind.example>";
//   - MIME boundaries become BOUNDARY-1, BOUNDARY-2… in order of first
//     appearance, in Content-Type parameters and delimiter lines alike;
//   - CRLF line breaks become LF, so the file diffs and versions like text.
func NormalizeEML(eml []byte) []byte {
	s := strings.ReplaceAll(string(eml), "\r\n", "\n")
	head, body, found := strings.Cut(s, "\n\n")
	head = normalizeHeader(head)
	if found {
		s = head + "\n\n" + body
	} else {
		s = head
	}
	// Boundaries are long random-looking tokens; replacing longer ones
	// first keeps one from clobbering another that contains it.
	var names []string
	seen := map[string]bool{}
	for _, m := range boundaryParam.FindAllStringSubmatch(s, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	pairs := make([]string, 0, 2*len(names))
	order := slices.Clone(names)
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	index := map[string]int{}
	for i, n := range names {
		index[n] = i + 1
	}
	for _, n := range order {
		pairs = append(pairs, n, fmt.Sprintf("BOUNDARY-%d", index[n]))
	}
	if len(pairs) > 0 {
		s = strings.NewReplacer(pairs...).Replace(s)
	}
	return []byte(s)
}

// normalizeHeader rewrites the Date and Message-ID fields of the top-level
// header, including their folded continuation lines.
func normalizeHeader(head string) string {
	lines := strings.Split(head, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			out = append(out, line)
			continue
		}
		// Gather the folded value.
		for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
			i++
			value += "\n" + lines[i]
		}
		switch strings.ToLower(name) {
		case "date":
			out = append(out, name+": <normalized>")
		case "message-id":
			out = append(out, name+": "+normalizeMessageID(value))
		default:
			out = append(out, name+":"+value)
		}
	}
	return strings.Join(out, "\n")
}

func normalizeMessageID(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	if _, domain, ok := strings.Cut(v, "@"); ok {
		return "<normalized@" + domain + ">"
	}
	return "<normalized>"
}

// normalizeText gives every snapshot file LF line breaks and a final one,
// so that an editor or Git setting does not show up as a change.
func normalizeText(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}
