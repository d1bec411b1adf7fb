package message

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readMarkup reads a value's markup into nodes under p, the element it
// goes into, as the HTML parser would read it there within the whole
// document — or reports false. It reads only markup that leaves the
// parser no choice: tags written whole (names of letters and digits,
// attribute values quoted and their character references ended by ';',
// no attribute twice), each element closed in order, phrasing elements
// anywhere, blocks where no open <p> would be closed by them, list items
// in lists, no link in a link (anchor: one is open around the value),
// text whose '<' starts a tag and whose '&' starts an ended reference,
// comments without '-', '<', '>' or '!'. Anything else — tables, which
// the parser completes, among them — makes the message go the reference
// way.
func readMarkup(v []byte, p *html.Node, anchor bool) bool {
	if !refsTerminated(v) {
		return false
	}
	cur := p
	var stack []atom.Atom
	top := func() atom.Atom {
		if len(stack) == 0 {
			return p.DataAtom
		}
		return stack[len(stack)-1]
	}
	text := func(t []byte) {
		if len(t) == 0 {
			return
		}
		s := string(t)
		if bytes.IndexByte(t, '&') >= 0 {
			s = html.UnescapeString(s)
		}
		if last := cur.LastChild; last != nil && last.Type == html.TextNode {
			last.Data += s
			return
		}
		cur.AppendChild(&html.Node{Type: html.TextNode, Data: s})
	}
	for len(v) > 0 {
		i := bytes.IndexByte(v, '<')
		if i < 0 {
			text(v)
			return len(stack) == 0
		}
		text(v[:i])
		v = v[i+1:]
		switch {
		case bytes.HasPrefix(v, []byte("!--")):
			end := bytes.Index(v[3:], []byte("-->"))
			if end < 0 {
				return false
			}
			data := v[3 : 3+end]
			if bytes.ContainsAny(data, "-<>!") {
				return false
			}
			cur.AppendChild(&html.Node{Type: html.CommentNode, Data: string(data)})
			v = v[3+end+3:]
		case len(v) > 0 && v[0] == '/':
			name, rest := tagName(v[1:])
			if name == "" {
				return false
			}
			rest = skipSpace(rest)
			if len(rest) == 0 || rest[0] != '>' {
				return false
			}
			a := atom.Lookup([]byte(name))
			if len(stack) == 0 || stack[len(stack)-1] != a || a == 0 {
				return false
			}
			stack = stack[:len(stack)-1]
			cur = cur.Parent
			v = rest[1:]
		default:
			name, rest := tagName(v)
			if name == "" {
				return false
			}
			a := atom.Lookup([]byte(name))
			if a == 0 || !phrasing[a] && !readableBlock(a, top(), stack, p) {
				return false
			}
			n := &html.Node{Type: html.ElementNode, Data: a.String(), DataAtom: a}
			var ok, selfClosing bool
			if rest, selfClosing, ok = readAttrs(rest, n); !ok {
				return false
			}
			if selfClosing && !voidElement[a] {
				return false
			}
			if a == atom.A {
				if anchor || slicesContains(stack, atom.A) {
					return false
				}
			}
			cur.AppendChild(n)
			if !voidElement[a] {
				stack = append(stack, a)
				cur = n
			}
			v = rest
		}
	}
	return len(stack) == 0
}

// readableBlock is blockAllowed without tables.
func readableBlock(a, top atom.Atom, stack []atom.Atom, p *html.Node) bool {
	switch a {
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th:
		return false
	}
	return blockAllowed(a, top, stack, p)
}

// tagName reads a tag name of ASCII letters and digits starting with a
// letter, lower-cased, and what follows it.
func tagName(b []byte) (string, []byte) {
	i := 0
	for i < len(b) && (isLetter(b[i]) || i > 0 && '0' <= b[i] && b[i] <= '9') {
		i++
	}
	if i == 0 || i == len(b) {
		return "", b
	}
	switch b[i] {
	case ' ', '\t', '\n', '\f', '>', '/':
	default:
		return "", b
	}
	return strings.ToLower(string(b[:i])), b[i:]
}

func isLetter(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\f') {
		b = b[1:]
	}
	return b
}

// readAttrs reads the attributes of a start tag into n up to its '>',
// each name of letters, digits and '-', each value quoted.
func readAttrs(b []byte, n *html.Node) (rest []byte, selfClosing, ok bool) {
	for {
		b = skipSpace(b)
		if len(b) == 0 {
			return nil, false, false
		}
		switch {
		case b[0] == '>':
			return b[1:], false, true
		case b[0] == '/':
			if len(b) > 1 && b[1] == '>' {
				return b[2:], true, true
			}
			return nil, false, false
		}
		i := 0
		for i < len(b) && (isLetter(b[i]) || '0' <= b[i] && b[i] <= '9' || b[i] == '-' && i > 0) {
			i++
		}
		if i == 0 || !isLetter(b[0]) {
			return nil, false, false
		}
		key := strings.ToLower(string(b[:i]))
		b = skipSpace(b[i:])
		val := ""
		if len(b) > 0 && b[0] == '=' {
			b = skipSpace(b[1:])
			if len(b) == 0 || b[0] != '"' && b[0] != '\'' {
				return nil, false, false
			}
			end := bytes.IndexByte(b[1:], b[0])
			if end < 0 {
				return nil, false, false
			}
			val = string(b[1 : 1+end])
			if !attrRefsRead(b[1 : 1+end]) {
				return nil, false, false
			}
			if strings.IndexByte(val, '&') >= 0 {
				val = html.UnescapeString(val)
			}
			b = b[1+end+1:]
			if len(b) > 0 && b[0] != ' ' && b[0] != '\t' && b[0] != '\n' && b[0] != '\f' && b[0] != '>' && b[0] != '/' {
				return nil, false, false
			}
		}
		if key == markAttr {
			return nil, false, false
		}
		for _, a := range n.Attr {
			if a.Key == key {
				return nil, false, false
			}
		}
		n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
	}
}

func slicesContains(s []atom.Atom, a atom.Atom) bool {
	for _, x := range s {
		if x == a {
			return true
		}
	}
	return false
}
