package message

import (
	"fmt"
	"strings"

	"github.com/inbucket/html2text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText derives the plain-text alternative from the HTML; links are kept
// as "text (url)".
//
// html2text does the block layout (paragraphs, line breaks, list items,
// headings underlined). Before it runs, the tree is rewritten so the result
// reads like a hand-written text email:
//
//   - hidden elements (display:none in a style attribute, the hidden
//     attribute) are dropped, so the preheader and mobile-only copies do
//     not show. Call it on the output of InlineCSS, so that rules from
//     <style> blocks are in style attributes;
//   - an image becomes its alt text; an image without alt text, nothing;
//   - a link becomes "text (url)", or the URL once when the text is the URL
//     or empty; mailto: is dropped from the address; "#" and javascript:
//     links keep only their text;
//   - inline markup (b, strong, em, span, ...) is unwrapped, so no "*bold*"
//     markers and no stray spaces before punctuation after it;
//   - table cells, rows and other block elements become lines of their own
//     (html2text would otherwise run a layout table's cells together), and
//     blockquotes lose html2text's "> " prefix, the only place it wraps.
//
// The result has no line wrapping, every line trimmed, no-break spaces as
// plain spaces, zero-width characters removed, at most one blank line in a
// row, and a final newline unless it is empty.
func PlainText(src string) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("plain text: %v", r)
		}
	}()
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("plain text: %w", err)
	}
	return plainTextOf(root)
}

// plainTextOf is PlainText for an already parsed document, which it
// rewrites.
func plainTextOf(root *html.Node) (text string, err error) {
	defer func() {
		// html2text is third-party code run on recipient-dependent input.
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("plain text: %v", r)
		}
	}()
	simplify(root)
	raw, err := html2text.FromHTMLNode(root, html2text.Options{})
	if err != nil {
		return "", fmt.Errorf("plain text: %w", err)
	}
	return tidyText(raw), nil
}

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
			if to, ok := renamed[c.DataAtom]; ok {
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

// hidesElement reports whether a style attribute holds display:none, in any
// case and spacing, with or without !important.
func hidesElement(style string) bool {
	for decl := range strings.SplitSeq(style, ";") {
		prop, val, ok := strings.Cut(decl, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(prop), "display") {
			continue
		}
		val = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "!important"))
		if strings.EqualFold(val, "none") {
			return true
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

// skipped elements never show their content as text.
var skipped = map[atom.Atom]bool{
	atom.Head: true, atom.Style: true, atom.Script: true, atom.Title: true,
	atom.Noscript: true, atom.Template: true, atom.Svg: true, atom.Math: true,
	atom.Object: true, atom.Iframe: true, atom.Audio: true, atom.Video: true,
	atom.Select: true, atom.Textarea: true, atom.Input: true,
}

// inline elements only style their text; they are unwrapped.
var inline = map[atom.Atom]bool{
	atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Big: true,
	atom.Button: true, atom.Cite: true, atom.Code: true, atom.Data: true, atom.Del: true,
	atom.Dfn: true, atom.Em: true, atom.Font: true, atom.I: true, atom.Ins: true,
	atom.Kbd: true, atom.Label: true, atom.Mark: true, atom.Q: true, atom.S: true,
	atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strike: true,
	atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.Tt: true,
	atom.U: true, atom.Var: true, atom.Wbr: true,
}

// renamed elements are ones html2text does not lay out as blocks, mapped
// to the block it does know: a div (a line of its own) or, for ordered
// lists, ul (a paragraph of "* " items).
var renamed = map[atom.Atom]atom.Atom{
	atom.Address: atom.Div, atom.Article: atom.Div, atom.Aside: atom.Div,
	atom.Blockquote: atom.Div, atom.Caption: atom.Div, atom.Center: atom.Div,
	atom.Dd: atom.Div, atom.Details: atom.Div, atom.Dl: atom.Div, atom.Dt: atom.Div,
	atom.Fieldset: atom.Div, atom.Figcaption: atom.Div, atom.Figure: atom.Div,
	atom.Footer: atom.Div, atom.Form: atom.Div, atom.H4: atom.Div, atom.H5: atom.Div,
	atom.H6: atom.Div, atom.Header: atom.Div, atom.Hr: atom.Div, atom.Main: atom.Div,
	atom.Nav: atom.Div, atom.Section: atom.Div, atom.Summary: atom.Div,
	atom.Td: atom.Div, atom.Th: atom.Div, atom.Tr: atom.Div, atom.Ol: atom.Ul,
}

// tidyText trims every line, turns no-break spaces into spaces, removes
// zero-width characters and keeps at most one blank line in a row.
func tidyText(raw string) string {
	raw = invisible.Replace(raw)
	var b strings.Builder
	b.Grow(len(raw) + 1)
	blank := false
	for line := range strings.SplitSeq(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteByte('\n')
			blank = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var invisible = strings.NewReplacer(
	"\u00a0", " ",
	"\u00ad", "",
	"\u034f", "",
	"\u200b", "",
	"\u200c", "",
	"\u200d", "",
	"\u2060", "",
	"\ufeff", "",
	"\r", "",
)
