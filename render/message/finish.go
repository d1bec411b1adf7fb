package message

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Finish turns the HTML a template rendered into the two bodies of the
// message. It returns the same as
//
//	text, err = PlainText(src)
//	htmlOut, err = InlineCSS(WithPreheader(src, preheader))
//
// so the text is derived from the HTML as written, before the preheader
// and before the <style> rules become style attributes, but it parses the
// HTML once instead of twice where it can: the preheader goes right after
// the <body> start tag, where it changes nothing else in the tree, so the
// tree of the HTML with the preheader, less the preheader, is the tree of
// the HTML without it. Where that cannot be shown (see sameTreeWithout),
// Finish parses twice. An error is PlainText's or InlineCSS's.
//
// Finish compiles the style sheet for this call alone; Styles.Finish
// inlines with a template's CSS compiled once.
func Finish(src, preheader string) (htmlOut, text string, err error) {
	return (*Styles)(nil).Finish(src, preheader)
}

// Finish is the package's Finish with what st compiled.
func (st *Styles) Finish(src, preheader string) (htmlOut, text string, err error) {
	if testHookFinish != nil {
		testHookFinish(src, preheader)
	}
	full := WithPreheader(src, preheader)
	if !hasTag(full, "style") {
		// Nothing to inline: InlineCSS would return full unparsed.
		if text, err = PlainText(src); err != nil {
			return "", "", err
		}
		return full, text, nil
	}
	root, err := html.Parse(strings.NewReader(full))
	if err != nil {
		return "", "", fmt.Errorf("plain text: %w", err)
	}
	if full == src || sameTreeWithout(root, src, preheader) {
		// The copy shares attribute slices with root; the text is done
		// before inlining writes to them.
		text, err = plainTextOf(cloneTree(root))
	} else {
		text, err = PlainText(src)
	}
	if err != nil {
		return "", "", err
	}
	htmlOut, err = inlineTree(root, st, isDocument(full), true, outputSize(full))
	if err != nil {
		return "", "", err
	}
	return htmlOut, text, nil
}

// testHookFinish, set only by tests, sees what every call of Finish is
// given, so that tests can replay what real templates produce.
var testHookFinish func(src, preheader string)

// cloneTree copies the nodes below and including n. Attribute slices are
// shared, not copied.
func cloneTree(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: n.Attr}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(cloneTree(k))
	}
	return c
}

// sameTreeWithout reports whether root, the tree of
// WithPreheader(src, preheader), is the tree of src with one more node: the
// preheader's <div>, holding only its text.
//
// That holds when the parser meets the preheader's tokens right after a
// <body> start tag (the tokenizer in its data state), turns them into that
// one element and closes it: it is then back in the state it was in after
// <body>, so it builds the rest of the document as it does without the
// preheader. The one thing a <div> changes for good is the "frameset-ok"
// flag, which only a later <frameset> reads.
func sameTreeWithout(root *html.Node, src, preheader string) bool {
	at := tagIndex(src, "body")
	if at < 0 || indexFold(src, "<frameset") >= 0 {
		return false
	}
	at = tagEnd(src, at)
	return bodyTagEndsAt(src, at) && preheaderDivIn(root, preheader)
}

// bodyTagEndsAt reports whether the last token of src[:at] is a <body>
// start tag, read as the parser reads it. The parser's tokenizer differs
// from a plain one only in foreign content (<svg>, <math>) and in
// <noscript> when scripting is off; before the body, either is refused.
func bodyTagEndsAt(src string, at int) bool {
	z := html.NewTokenizer(strings.NewReader(src[:at]))
	offset, last := 0, html.ErrorToken
	var name []byte
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		offset += len(z.Raw())
		last = tt
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			name, _ = z.TagName()
			switch string(name) {
			case "svg", "math", "noscript":
				return false
			}
		}
	}
	return offset == at && (last == html.StartTagToken || last == html.SelfClosingTagToken) && string(name) == "body"
}

// preheaderDivIn reports whether the body of root starts with the
// preheader's <div>, exactly as WithPreheader writes it, holding nothing
// but its text.
func preheaderDivIn(root *html.Node, preheader string) bool {
	body := childElement(childElement(root, atom.Html), atom.Body)
	if body == nil {
		return false
	}
	d := body.FirstChild
	if d == nil || d.Type != html.ElementNode || d.DataAtom != atom.Div || d.Namespace != "" ||
		len(d.Attr) != 1 || d.Attr[0] != (html.Attribute{Key: "style", Val: preheaderStyle}) {
		return false
	}
	t := d.FirstChild
	return t != nil && t.NextSibling == nil && t.Type == html.TextNode &&
		strings.HasPrefix(t.Data, preheader) && t.Data[len(preheader):] == preheaderFillerText
}

// preheaderFillerText is preheaderFiller as the parser reads it.
var preheaderFillerText = html.UnescapeString(preheaderFiller)

func childElement(n *html.Node, a atom.Atom) *html.Node {
	if n == nil {
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == a {
			return c
		}
	}
	return nil
}
