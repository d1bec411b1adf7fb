package message

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The plain-text alternative is compiled from a parsed document into
// TextOps, which a TextWriter runs. For a message, the document is the
// message (PlainText); for a template, it is the template's document with
// marks where recipient data goes (CompileDoc), and each stretch of ops
// between two marks runs where the message reaches that point, with the
// recipient's values written in between: the text is not derived from the
// HTML per recipient.
//
// What the ops say is how the text reads:
//
//   - hidden elements (display:none in a style attribute, the hidden
//     attribute) and elements without text (head, style, script, images'
//     own markup, forms, media) are left out;
//   - an image reads as its alt text; inline markup (b, span, em, …) is
//     unwrapped, so text runs on through it;
//   - a link reads "text (url)", or the URL alone when it has no text, or
//     the text alone when the text holds the URL or the link goes nowhere
//     (#, javascript:); mailto: is dropped from addresses. A link that is
//     only an image reads as the image's alt text when the next link of
//     the message goes to the same URL, so the URL is not printed twice;
//   - a table row reads as one line, its cells separated by " | ", unless
//     a cell holds blocks of its own (a layout table);
//   - paragraphs, lists and tables are set apart by a blank line; h1 and h2
//     are underlined and overlined with * and -, h3 underlined; list items
//     start with "* ";
//   - white space runs become one space, lines are trimmed, at most one
//     blank line follows another, no-break spaces are spaces and
//     zero-width characters are dropped; nothing is wrapped.
//
// The layout follows html2text (github.com/inbucket/html2text), which
// derived the text before and stays the reference in the tests for
// documents without tables and image links.

// textKind is what one op does.
type textKind uint8

const (
	tText       textKind = iota // s: literal text of the current run (or link, href, alt)
	tBreak                      // the current run ends: write it out
	tSpace                      // a space in a link's text, where a line break or block was
	tBr                         // a line break
	tBlock                      // a div-like block starts (a line of its own)
	tBlockEnd                   //
	tPara                       // p, ul, ol, table: set apart by blank lines
	tParaEnd                    //
	tItem                       // li: "* "
	tItemEnd                    //
	tHead                       // n: h1, h2, h3
	tHeadEnd                    //
	tPre                        // pre: white space kept
	tPreEnd                     //
	tRow                        // tr: a line, cells separated
	tRowEnd                     //
	tCell                       // td, th
	tElem                       // any other element that remains in the text's tree
	tLink                       // a: its text follows, then its href
	tHref                       // what follows, to tHrefEnd, is the href
	tHrefEnd                    //
	tLinkEnd                    //
	tImg                        // an image: its alt text follows, to tImgEnd
	tImgEnd                     //
	tMark                       // n: a mark of the template (slot or block boundary), see CompileDoc
	tMarkSilent                 // n: a mark where the text shows nothing of the value
	tTextBreak                  // s: tText then tBreak, with words: what the break writes out of s alone
	tLinkStatic                 // s: what a link of text alone reads as; words: its URL, when printed; n: 1 when s has words
)

type textOp struct {
	kind  textKind
	n     int
	b     []byte // tText, tTextBreak
	words []byte // tTextBreak: b collapsed and trimmed, as flush writes it out of a run of b alone
}

// TextOps is a compiled stretch of the text alternative. It is safe for
// concurrent use: its ops are immutable, and its plan (nil: run op by op)
// only keeps what replays of them did (replay.go).
type TextOps struct {
	ops  []textOp
	plan *replayPlan
}

// compiledOps fuses ops and plans how they replay: the stretches of a
// compiled document or shape, run for message after message.
func compiledOps(ops []textOp) TextOps {
	ops = fuse(ops)
	return TextOps{ops: ops, plan: planReplay(ops)}
}

// textCompiler walks a parsed document and appends its ops.
type textCompiler struct {
	ops    []textOp
	silent int // inside elements whose text is left out: marks only
	link   int // inside a link: its text only
	// marks says the document has a template's marks (CompileDoc).
	marks bool
	// refusal is why the text of a template cannot be compiled.
	refusal string
	// onMark, when set, sees every mark as it is compiled.
	onMark func(n int, silent bool)
}

func (c *textCompiler) op(k textKind) { c.ops = append(c.ops, textOp{kind: k}) }

// value adds the pieces of a text or attribute value: literal text, and
// the template's marks in it.
func (c *textCompiler) value(s string, silent bool) {
	text := func(t string) {
		if !silent && t != "" {
			c.ops = append(c.ops, textOp{kind: tText, b: []byte(t)})
		}
	}
	mark := func(n int) {
		k := tMark
		if silent {
			k = tMarkSilent
		}
		if c.onMark != nil {
			c.onMark(n, silent)
		}
		c.ops = append(c.ops, textOp{kind: k, n: n})
	}
	if !c.marks {
		text(s)
		return
	}
	splitMarks(s, text, mark)
}

// attrs adds the marks in n's attributes; with the one named text's
// value as text.
func (c *textCompiler) attrs(n *html.Node, text string) {
	done := false
	for _, a := range n.Attr {
		if a.Key == text && !done && c.silent == 0 && a.Namespace == "" {
			done = true
			c.value(a.Val, false)
			continue
		}
		if c.marks {
			c.value(a.Val, true)
		}
	}
}

// node adds the ops of n's children.
func (c *textCompiler) children(n *html.Node) {
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.node(k)
	}
}

func (c *textCompiler) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		c.value(n.Data, c.silent > 0)
		return
	case html.CommentNode:
		if c.marks {
			c.value(n.Data, true)
		}
		return
	case html.ElementNode:
	default:
		c.children(n)
		return
	}
	if c.silent > 0 || skipped[n.DataAtom] || c.isHidden(n) {
		c.silent++
		c.attrs(n, "")
		c.children(n)
		c.silent--
		return
	}
	switch {
	case n.DataAtom == atom.Img:
		c.op(tImg)
		c.attrs(n, "alt")
		c.op(tImgEnd)
		c.children(n)
		return
	case n.DataAtom == atom.A:
		c.op(tLink)
		c.link++
		for _, a := range n.Attr {
			if a.Key == "href" && a.Namespace == "" {
				c.op(tHref)
				c.value(a.Val, false)
				c.op(tHrefEnd)
				break
			}
		}
		c.attrsBut(n, "href")
		c.children(n)
		c.link--
		c.op(tLinkEnd)
		return
	case inline[n.DataAtom]:
		c.attrs(n, "")
		c.children(n)
		return
	}
	if c.link > 0 {
		// A link's text reads as words: a line break or the end of a
		// block is a space.
		if n.DataAtom == atom.Br {
			c.op(tSpace)
		}
		c.attrs(n, "")
		c.children(n)
		switch n.DataAtom {
		case atom.Div, atom.P:
			c.op(tSpace)
		default:
			if renamed[n.DataAtom] == atom.Div {
				c.op(tSpace)
			}
		}
		return
	}
	start, end := c.elementOps(n)
	c.op(tBreak)
	c.ops = append(c.ops, start)
	c.attrs(n, "")
	c.children(n)
	c.op(tBreak)
	if end.kind != tElem {
		c.ops = append(c.ops, end)
	}
}

// attrsBut adds the marks in n's attributes but the one named but.
func (c *textCompiler) attrsBut(n *html.Node, but string) {
	if !c.marks {
		return
	}
	skip := true
	for _, a := range n.Attr {
		if a.Key == but && skip {
			skip = false
			continue
		}
		c.value(a.Val, true)
	}
}

// elementOps returns the ops that start and end an element that stays
// in the text's tree (tElem as the end: none).
func (c *textCompiler) elementOps(n *html.Node) (start, end textOp) {
	a := n.DataAtom
	if to, ok := renamed[a]; ok {
		a = to
	}
	switch a {
	case atom.Br:
		return textOp{kind: tBr}, textOp{kind: tElem}
	case atom.H1, atom.H2, atom.H3:
		level := map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3}[a]
		return textOp{kind: tHead, n: level}, textOp{kind: tHeadEnd, n: level}
	case atom.Div:
		return textOp{kind: tBlock}, textOp{kind: tBlockEnd}
	case atom.Li:
		return textOp{kind: tItem}, textOp{kind: tItemEnd}
	case atom.P, atom.Ul, atom.Table:
		return textOp{kind: tPara}, textOp{kind: tParaEnd}
	case atom.Tr:
		return textOp{kind: tRow}, textOp{kind: tRowEnd}
	case atom.Td, atom.Th:
		return textOp{kind: tCell}, textOp{kind: tElem}
	case atom.Pre:
		return textOp{kind: tPre}, textOp{kind: tPreEnd}
	}
	return textOp{kind: tElem}, textOp{kind: tElem}
}

// isHidden reports whether an email client would not show n. A style
// attribute holding a template's mark could hide or show the element
// depending on the recipient: the text of such a template is not compiled.
func (c *textCompiler) isHidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			if c.marks && hasMark(a.Val) {
				c.refusal = "a style attribute holds recipient data, so whether the element shows in the text depends on it"
			}
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

// renamed elements read as the block named: a line of its own (div) or,
// for ordered lists, a list (ul).
var renamed = map[atom.Atom]atom.Atom{
	atom.Address: atom.Div, atom.Article: atom.Div, atom.Aside: atom.Div,
	atom.Blockquote: atom.Div, atom.Caption: atom.Div, atom.Center: atom.Div,
	atom.Dd: atom.Div, atom.Details: atom.Div, atom.Dl: atom.Div, atom.Dt: atom.Div,
	atom.Fieldset: atom.Div, atom.Figcaption: atom.Div, atom.Figure: atom.Div,
	atom.Footer: atom.Div, atom.Form: atom.Div, atom.H4: atom.Div, atom.H5: atom.Div,
	atom.H6: atom.Div, atom.Header: atom.Div, atom.Hr: atom.Div, atom.Main: atom.Div,
	atom.Nav: atom.Div, atom.Section: atom.Div, atom.Summary: atom.Div,
	atom.Ol: atom.Ul,
}

// compileText compiles the text of a parsed message.
func compileText(root *html.Node) TextOps {
	c := &textCompiler{}
	c.node(root)
	c.op(tBreak)
	return TextOps{ops: c.ops}
}
