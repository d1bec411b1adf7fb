package render

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aymerick/raymond/lexer"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/offermail/offermail/diag"
)

// A Markdown template is converted to HTML once, when it loads. Its
// Handlebars tags are found with raymond's lexer and swapped for inert
// alphanumeric tokens first, so Markdown never sees them, then put back;
// recipient data arrives only later, and is never read as Markdown.
//
// A tag alone on its line ({{#offer …}}, {{/each}}) becomes an HTML
// comment line, which ends a paragraph rather than joining it, so the tag
// does not end up inside <p>…</p>. Inside a table (the line before starts
// with "|") it stays a plain token, which becomes a row of its own that is
// removed again, so {{#each}} can repeat table rows.

// span is a run of the body Markdown must not touch: a tag, a tag with
// the backslashes before it, or an escaped \{{. block marks the tags that
// may stand alone on a line without being text: blocks, else, comments,
// partials, raw output {{{…}}} and inline placeholders, which write HTML.
type span struct {
	start, end int
	block      bool
}

// protected is what a token stands for.
type protected struct {
	text       string
	src        int // offset of text in the body
	standalone bool
	table      bool // written as a table row
	list       bool // written as a list item
}

// segMap records that out[out:out+n] is a copy of body[src:src+n].
type segMap struct{ out, n, src int }

var (
	rRowOpen   = regexp.MustCompile(`^<tr>\s*<td[^>]*>$`)
	rRowClose  = regexp.MustCompile(`^</td>(\s*<td[^>]*></td>)*\s*$`)
	rListItem  = regexp.MustCompile(`^ {0,3}(?:[-*+]|\d{1,9}[.)])(?: +|$)`)
	rThematic  = regexp.MustCompile(`^ {0,3}([-*_])(?: *[-*_]){2,} *$`)
	rItemOpen  = regexp.MustCompile(`<li>(?:\s*<p>)?$`)
	rItemClose = regexp.MustCompile(`^(?:</p>\s*)?</li>`)
)

// markdownSource converts a Markdown body that starts at file line
// firstLine and returns the HTML, with its tags intact, as a source whose
// positions map back to the Markdown.
func markdownSource(file, body string, firstLine int) (*source, *diag.Error) {
	plain := plainSource(file, body, firstLine, 1)
	toks := lexer.Collect(body)
	if toks[len(toks)-1].Kind == lexer.TokenError {
		return nil, lexError(plain, toks)
	}
	spans := tagSpans(body, toks)

	prefix := "hbsTAG"
	for strings.Contains(body, prefix) {
		prefix += "x"
	}
	token := func(i int) string { return prefix + strconv.Itoa(i) + "Z" }

	groups, tagLines := standaloneLines(body, spans)
	var md strings.Builder
	var prot []protected
	last := 0
	tableTok := "" // the last token written for a tag line inside a table
	for i := 0; i < len(spans); {
		sp := spans[i]
		if g, ok := groups[i]; ok {
			md.WriteString(body[last:g.ls])
			tok := token(len(prot))
			p := protected{text: body[g.ls:g.le], src: g.ls, standalone: true}
			prev := lastLine(md.String())
			switch {
			case strings.HasPrefix(strings.TrimSpace(prev), "|") || tableTok != "" && prev == tableTok:
				p.table, tableTok = true, tok
				md.WriteString(tok)
			case listMarker(prev) != "":
				p.list = true
				md.WriteString(listMarker(prev) + tok)
			case listMarker(nextLine(body, g.le, tagLines)) != "":
				p.list = true
				md.WriteString(listMarker(nextLine(body, g.le, tagLines)) + tok)
			default:
				md.WriteString("<!--" + tok + "-->")
			}
			prot = append(prot, p)
			last, i = g.le, g.j+1
			continue
		}
		md.WriteString(body[last:sp.start])
		md.WriteString(token(len(prot)))
		prot = append(prot, protected{text: body[sp.start:sp.end], src: sp.start})
		last, i = sp.end, i+1
	}
	md.WriteString(body[last:])

	var out bytes.Buffer
	conv := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	if err := conv.Convert([]byte(md.String()), &out); err != nil {
		return nil, plain.pos(0).errorf("markdown: %v", err)
	}
	text, maps, seen := restoreTags(out.String(), prefix, prot)
	for i, n := range seen {
		if n == 0 {
			return nil, plain.pos(prot[i].src).errorf("this tag is lost in the Markdown conversion (is it in a link reference definition?): move it into the text")
		}
	}
	return &source{file: file, text: text, at: func(off int) (int, int) {
		k := sort.Search(len(maps), func(i int) bool { return maps[i].out > off }) - 1
		src := 0
		switch {
		case k >= 0 && off < maps[k].out+maps[k].n:
			src = maps[k].src + off - maps[k].out
		case k >= 0:
			src = maps[k].src + maps[k].n
		}
		return plain.at(src)
	}}, nil
}

// tagSpans returns the spans of the body's tags in order.
func tagSpans(body string, toks []lexer.Token) []span {
	var spans []span
	start, raw, block := -1, 0, false
	for i, t := range toks {
		end := t.Pos + len(t.Val)
		switch t.Kind {
		case lexer.TokenEOF:
			continue
		case lexer.TokenContent:
			continue // text, or the content of a raw block (inside its span)
		case lexer.TokenComment, lexer.TokenInverse:
			if start < 0 {
				spans = append(spans, span{t.Pos, end, true})
				continue
			}
		}
		if start < 0 {
			start = t.Pos
			block = t.Kind != lexer.TokenOpen || strings.Contains(t.Val, "&") ||
				i+1 < len(toks) && toks[i+1].Kind == lexer.TokenID && toks[i+1].Val == "offer"
		}
		switch t.Kind {
		case lexer.TokenOpenRawBlock:
			raw = 1
		case lexer.TokenOpenEndRawBlock:
			raw = 2
		case lexer.TokenClose, lexer.TokenCloseUnescaped:
			spans = append(spans, span{start, end, block})
			start = -1
		case lexer.TokenCloseRawBlock:
			if raw == 2 {
				spans = append(spans, span{start, end, true})
				start, raw = -1, 0
			}
		}
	}
	// Backslashes before a tag are the lexer's business (\\{{ is a
	// backslash then a tag), not Markdown's; so is an escaped \{{.
	var all []span
	prev := 0
	for _, sp := range spans {
		for sp.start > prev && body[sp.start-1] == '\\' {
			sp.start--
		}
		for gap := body[prev:sp.start]; ; {
			k := strings.Index(gap, `\{{`)
			if k < 0 {
				break
			}
			at := sp.start - len(gap) + k
			all = append(all, span{at, at + 3, false})
			gap = gap[k+3:]
		}
		all = append(all, sp)
		prev = sp.end
	}
	for gap := body[prev:]; ; {
		k := strings.Index(gap, `\{{`)
		if k < 0 {
			break
		}
		at := len(body) - len(gap) + k
		all = append(all, span{at, at + 3, false})
		gap = gap[k+3:]
	}
	return all
}

// group is a line holding only block tags (and blanks): spans[i..j],
// the line being body[ls:le].
type group struct{ j, ls, le int }

// standaloneLines finds the lines that hold only block tags, by their
// first span, and the set of their starts.
func standaloneLines(body string, spans []span) (map[int]group, map[int]bool) {
	groups, starts := map[int]group{}, map[int]bool{}
	last := 0
	for i := 0; i < len(spans); {
		sp := spans[i]
		j, allBlock := i, sp.block
		for j+1 < len(spans) && isBlank(body[spans[j].end:spans[j+1].start]) {
			j++
			allBlock = allBlock && spans[j].block
		}
		ls := strings.LastIndexByte(body[:sp.start], '\n') + 1
		le := len(body)
		if k := strings.IndexByte(body[spans[j].end:], '\n'); k >= 0 {
			le = spans[j].end + k
		}
		if allBlock && ls >= last && isBlank(body[ls:sp.start]) && isBlank(body[spans[j].end:le]) {
			groups[i] = group{j, ls, le}
			starts[ls] = true
			last, i = le, j+1
			continue
		}
		last, i = sp.end, i+1
	}
	return groups, starts
}

// lastLine is the line before the end of md (which ends a line).
func lastLine(md string) string {
	md = strings.TrimSuffix(strings.TrimSuffix(md, "\n"), "\r")
	return md[strings.LastIndexByte(md, '\n')+1:]
}

// nextLine is the first line after the one ending at le that is not a
// line of block tags.
func nextLine(body string, le int, tagLines map[int]bool) string {
	for le < len(body) {
		start := le + 1
		end := len(body)
		if k := strings.IndexByte(body[start:], '\n'); k >= 0 {
			end = start + k
		}
		if !tagLines[start] {
			return body[start:end]
		}
		le = end
	}
	return ""
}

// listMarker returns the indentation and marker of a list item line
// ("- ", "  1. "), or "".
func listMarker(line string) string {
	if rThematic.MatchString(line) {
		return ""
	}
	m := rListItem.FindString(line)
	if m != "" && !strings.HasSuffix(m, " ") {
		m += " "
	}
	return m
}

func isBlank(s string) bool { return strings.Trim(s, " \t\r") == "" }

// restoreTags puts the tags back in the converted HTML in place of their
// tokens, dropping what Markdown wrapped around a standalone tag line, and
// counts how often each token was seen.
func restoreTags(out, prefix string, prot []protected) (string, []segMap, []int) {
	var res strings.Builder
	var maps []segMap
	seen := make([]int, len(prot))
	pos := 0
	for {
		k := strings.Index(out[pos:], prefix)
		if k < 0 {
			break
		}
		at := pos + k
		digits := at + len(prefix)
		end := digits
		for end < len(out) && out[end] >= '0' && out[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(out[digits:end])
		if err != nil || end >= len(out) || out[end] != 'Z' || n >= len(prot) {
			res.WriteString(out[pos:digits])
			pos = digits
			continue
		}
		from, to := at, end+1
		p := prot[n]
		if p.standalone {
			from, to = unwrap(out, pos, from, to, p)
		}
		res.WriteString(out[pos:from])
		maps = append(maps, segMap{out: res.Len(), n: len(p.text), src: p.src})
		res.WriteString(p.text)
		seen[n]++
		pos = to
	}
	res.WriteString(out[pos:])
	return res.String(), maps, seen
}

// unwrap widens out[from:to] over the markup Markdown put around a
// standalone tag's token: an HTML comment (escaped inside code), a table
// row of empty cells, a list item, or a paragraph.
func unwrap(out string, lo, from, to int, p protected) (int, int) {
	for _, w := range [][2]string{{"<!--", "-->"}, {"&lt;!--", "--&gt;"}} {
		if from-len(w[0]) >= lo && strings.HasSuffix(out[:from], w[0]) && strings.HasPrefix(out[to:], w[1]) {
			from, to = from-len(w[0]), to+len(w[1])
			break
		}
	}
	if p.table {
		tr := strings.LastIndex(out[lo:from], "<tr>")
		closeTr := strings.Index(out[to:], "</tr>")
		if tr >= 0 && closeTr >= 0 && rRowOpen.MatchString(out[lo+tr:from]) && rRowClose.MatchString(out[to:to+closeTr]) {
			return lo + tr, to + closeTr + len("</tr>")
		}
	}
	if p.list {
		if m := rItemOpen.FindStringIndex(out[lo:from]); m != nil {
			if c := rItemClose.FindStringIndex(out[to:]); c != nil {
				return lo + m[0], to + c[1]
			}
		}
	}
	if from-3 >= lo && strings.HasSuffix(out[:from], "<p>") && strings.HasPrefix(out[to:], "</p>") {
		from, to = from-3, to+4
	}
	return from, to
}
