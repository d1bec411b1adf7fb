package message

import (
	"fmt"
	"strings"

	"github.com/inbucket/html2text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// plainTextReference is how the text alternative was derived before it was
// compiled (text.go): the tree rewritten (simplify), then html2text, then
// tidied. It stays as the reference the compiled text must equal on
// documents without the two things the compiled text reads better: tables
// (their rows now read as lines) and image links whose URL the next link
// repeats.
func plainTextReference(src string) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("plain text: %v", r)
		}
	}()
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", err
	}
	simplify(root)
	raw, err := html2text.FromHTMLNode(root, html2text.Options{})
	if err != nil {
		return "", err
	}
	return tidyText(raw), nil
}

// renamedBefore is renamed as it was: table cells and rows read as lines.
var renamedBefore = func() map[atom.Atom]atom.Atom {
	m := map[atom.Atom]atom.Atom{atom.Td: atom.Div, atom.Th: atom.Div, atom.Tr: atom.Div}
	for k, v := range renamed {
		m[k] = v
	}
	return m
}()

// simplify rewrites the children of n in place, as PlainText describes.
func simplify(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.CommentNode:
			n.RemoveChild(c)
		case c.Type != html.ElementNode:
		case skipped[c.DataAtom] || isHidden(c):
			n.RemoveChild(c)
		case c.DataAtom == atom.Img:
			replace(n, c, attr(c, "alt"))
		case c.DataAtom == atom.A:
			simplify(c)
			replace(n, c, linkText(c))
		case inline[c.DataAtom]:
			// Splice the children in place of c and go on from the first
			// of them, so they are simplified like any other child of n.
			first := c.FirstChild
			for gc := c.FirstChild; gc != nil; {
				gnext := gc.NextSibling
				c.RemoveChild(gc)
				n.InsertBefore(gc, c)
				gc = gnext
			}
			n.RemoveChild(c)
			if first != nil {
				next = first
			}
		default:
			if to, ok := renamedBefore[c.DataAtom]; ok {
				c.DataAtom, c.Data = to, to.String()
			}
			simplify(c)
		}
		c = next
	}
	mergeText(n)
}

// replace puts a text node holding text where c was; an empty text removes c.
func replace(parent, c *html.Node, text string) {
	if text != "" {
		parent.InsertBefore(&html.Node{Type: html.TextNode, Data: text}, c)
	}
	parent.RemoveChild(c)
}

// mergeText joins adjacent text nodes. html2text trims each text node and
// joins neighbours with a space, so "Hello <b>you</b>!" unwrapped into
// three nodes would read "Hello you !". After joining, a node of only
// white space lies between elements and html2text's trimming would print
// nothing for it; it is dropped here, sparing html2text a regular
// expression run for each of the many such nodes in a table layout.
func mergeText(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type != html.TextNode {
			c = next
			continue
		}
		for next != nil && next.Type == html.TextNode {
			c.Data += next.Data
			n.RemoveChild(next)
			next = c.NextSibling
		}
		if n.DataAtom != atom.Pre && strings.TrimSpace(c.Data) == "" {
			n.RemoveChild(c)
		}
		c = next
	}
}

// linkText renders an already simplified link as "text (url)".
func linkText(a *html.Node) string {
	text := strings.Join(strings.Fields(textContent(a)), " ")
	href := strings.TrimSpace(attr(a, "href"))
	lower := strings.ToLower(href)
	switch {
	case href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(lower, "javascript:"):
		return text
	case strings.HasPrefix(lower, "mailto:"):
		href = href[len("mailto:"):]
	}
	if text == "" || text == href {
		return href
	}
	return text + " (" + href + ")"
}

// textContent concatenates the text below n, with a space where a line
// break or block boundary was, so "<div>A</div><div>B</div>" reads "A B".
func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.Type == html.ElementNode:
				if c.DataAtom == atom.Br {
					b.WriteByte(' ')
				}
				walk(c)
				if c.DataAtom == atom.Div || c.DataAtom == atom.P {
					b.WriteByte(' ')
				}
			}
		}
	}
	walk(n)
	return b.String()
}

// isHidden reports whether an email client would not show n.
func isHidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			if hidesElement(a.Val) {
				return true
			}
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
