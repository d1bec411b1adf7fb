package message

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/vanng822/css"
	"golang.org/x/net/html"
)

// markAttr is the attribute premailer tags matched elements with while it
// collects them. It never reaches the output, but a document that already
// has one crashes premailer, and a selector naming it would match
// differently, so the fast path leaves both to premailer.
const markAttr = "pr-el-id"

// Caches shared by every call. A template has one or a few distinct
// style sheets and a few dozen distinct style attributes.
var (
	sheets      = newCache[*sheet](32)
	inlineDecls = newCache[[]decl](1024)
)

// inlineFast does what premailer's Transform does to root (after
// protectAtRules), with the style sheet parsed and its selectors compiled
// once per distinct sheet instead of once per call, and the document
// walked once. When it meets something it does not reproduce exactly, it
// returns why and leaves root untouched, for premailer to transform.
func inlineFast(root *html.Node) (refusal string) {
	var (
		elems  []*html.Node
		blocks []*html.Node
		heads  []*html.Node
	)
	var walk func(*html.Node) string
	walk = func(n *html.Node) string {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if _, ok := attrValue(c, markAttr); ok {
				return "an element has a " + markAttr + " attribute"
			}
			switch c.Data {
			case "style":
				if c.FirstChild != nil && (c.FirstChild.Type != html.TextNode || c.FirstChild.NextSibling != nil) {
					return "a <style> element holds more than text"
				}
				if readByPremailer(c) {
					blocks = append(blocks, c)
					continue // removed before matching
				}
			case "head":
				heads = append(heads, c)
			}
			elems = append(elems, c)
			if why := walk(c); why != "" {
				return why
			}
		}
		return ""
	}
	if why := walk(root); why != "" {
		return why
	}
	sh := sheets.get(sheetKey(blocks), func(string) *sheet {
		texts := make([]string, len(blocks))
		for i, b := range blocks {
			texts[i] = styleText(b)
		}
		return compileSheet(texts)
	})
	if sh.refusal != "" {
		return sh.refusal
	}
	if sh.leftover != "" && len(heads) != 1 {
		return strconv.Itoa(len(heads)) + " <head> elements to receive the leftover CSS"
	}

	for _, b := range blocks {
		b.Parent.RemoveChild(b)
	}
	var (
		key        []byte
		candidates []int
		matched    []int
	)
	for _, n := range elems {
		matched = matched[:0]
		candidates = sh.index.candidates(n, candidates[:0])
		for _, i := range candidates {
			if sh.rules[i].match(n) {
				matched = append(matched, i)
			}
		}
		if len(matched) == 0 {
			continue
		}
		// The key is the matched rules, counted, then the style attribute.
		own, _ := attrValue(n, "style")
		key = binary.AppendUvarint(key[:0], uint64(len(matched)))
		for _, i := range matched {
			key = binary.AppendUvarint(key, uint64(i))
		}
		key = append(key, own...)
		sh.stylings.getBytes(key, func(string) *styling {
			return newStyling(sh.matched(matched), own)
		}).apply(n)
	}
	if sh.leftover != "" {
		style := &html.Node{Type: html.ElementNode, Data: "style", Attr: []html.Attribute{{Key: "type", Val: "text/css"}}}
		style.AppendChild(&html.Node{Type: html.TextNode, Data: sh.leftover})
		heads[0].AppendChild(style)
	}
	return ""
}

// readByPremailer reports whether premailer reads and removes the <style>
// element n: not marked to be ignored, and for all media.
func readByPremailer(n *html.Node) bool {
	if v, ok := attrValue(n, ignoreAttr); ok && v == "ignore" {
		return false
	}
	if v, ok := attrValue(n, "media"); ok && v != "all" {
		return false
	}
	return true
}

func styleText(n *html.Node) string {
	if n.FirstChild == nil {
		return ""
	}
	return n.FirstChild.Data
}

// sheetKey identifies the texts of blocks: the text of the one block
// there usually is, else the texts each after its length, behind a NUL
// no single text starts with.
func sheetKey(blocks []*html.Node) string {
	if len(blocks) == 1 && !strings.HasPrefix(styleText(blocks[0]), "\x00") {
		return styleText(blocks[0])
	}
	var b strings.Builder
	b.WriteString("\x00")
	for _, n := range blocks {
		t := styleText(n)
		b.WriteString(strconv.Itoa(len(t)))
		b.WriteByte(':')
		b.WriteString(t)
	}
	return b.String()
}

// styling is what inlining does to an element's attributes: the values
// to set, in order, the style attribute last. Elements matched by the same
// rules with the same style attribute get the same styling, so it is
// worked out once per sheet and kept (sheet.stylings).
type styling struct {
	sets []html.Attribute
}

// newStyling writes the declarations of rules, in order, then those of the
// element's own style attribute into the style attribute. Like premailer,
// a property keeps its last value and takes the place of its last
// occurrence; a width or height in px (or 0) also becomes an attribute.
func newStyling(rules []*sheetRule, own string) *styling {
	var all []decl
	for _, r := range rules {
		all = append(all, r.decls...)
	}
	if own != "" {
		all = append(all, inlineDecls.get(own, parseStyleAttr)...)
	}
	// Keep the last occurrence of each property, in order.
	final := make([]decl, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		if !hasProp(final, all[i].prop) {
			final = append(final, all[i])
		}
	}
	st := &styling{}
	var style strings.Builder
	for i := len(final) - 1; i >= 0; i-- {
		d := final[i]
		if style.Len() > 0 {
			style.WriteByte(';')
		}
		style.WriteString(d.prop)
		style.WriteByte(':')
		style.WriteString(d.value)
		if d.prop == "width" || d.prop == "height" {
			if v, ok := strings.CutSuffix(d.value, "px"); ok {
				st.sets = append(st.sets, html.Attribute{Key: d.prop, Val: v})
			} else if d.value == "0" {
				st.sets = append(st.sets, html.Attribute{Key: d.prop, Val: d.value})
			}
		}
	}
	if style.Len() > 0 {
		st.sets = append(st.sets, html.Attribute{Key: "style", Val: style.String()})
	}
	return st
}

// apply sets the attributes of st on n.
func (st *styling) apply(n *html.Node) {
	marks := len(n.Attr)
	for _, a := range st.sets {
		setAttr(n, a.Key, a.Val)
	}
	// Premailer appended its mark before these attributes and removes it
	// by moving the last attribute into its place.
	if last := len(n.Attr) - 1; last > marks {
		a := n.Attr[last]
		copy(n.Attr[marks+1:], n.Attr[marks:last])
		n.Attr[marks] = a
	}
}

func hasProp(ds []decl, prop string) bool {
	for _, d := range ds {
		if d.prop == prop {
			return true
		}
	}
	return false
}

// parseStyleAttr reads a style attribute as premailer does: with the CSS
// parser's block reader, keeping values and dropping !important.
func parseStyleAttr(s string) []decl {
	styles := css.ParseBlock(s)
	ds := make([]decl, len(styles))
	for i, st := range styles {
		ds[i] = decl{st.Property, st.Value.Text()}
	}
	return ds
}

// attrValue returns the first attribute named key, as goquery reads it.
func attrValue(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// setAttr sets the first attribute named key or appends one, as goquery
// writes it.
func setAttr(n *html.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}
