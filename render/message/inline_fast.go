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

// inlineFast does what premailer's Transform does to root (after
// protectAtRules), with the style sheet parsed and its selectors compiled
// once per template (st) instead of once per call, and the document walked
// once. When it meets something it does not reproduce exactly, it returns
// why and leaves root untouched, for premailer to transform.
func inlineFast(root *html.Node, st *Styles) (refusal string) {
	d, why := readDocument(root)
	if why != "" {
		return why
	}
	sh := st.sheetFor(d.texts())
	if sh.refusal != "" {
		return sh.refusal
	}
	if sh.leftover != "" && len(d.heads) != 1 {
		return strconv.Itoa(len(d.heads)) + " <head> elements to receive the leftover CSS"
	}

	for _, b := range d.blocks {
		b.Parent.RemoveChild(b)
	}
	// The stylings compiled at load hold for the sheet compiled at load;
	// others are worked out once per message.
	var static map[string]*styling
	if st != nil && sh == st.sheet {
		static = st.stylings
	}
	var perMessage map[string]*styling
	m := matcher{sh: sh}
	for _, n := range d.elems {
		key, own, ok := m.match(n)
		if !ok {
			continue
		}
		sty := static[string(key)]
		if sty == nil {
			sty = perMessage[string(key)]
		}
		if sty == nil {
			sty = newStyling(m.rules(), st.styleDecls(own))
			if perMessage == nil {
				perMessage = map[string]*styling{}
			}
			perMessage[string(key)] = sty
		}
		sty.apply(n)
	}
	if sh.leftover != "" {
		style := &html.Node{Type: html.ElementNode, Data: "style", Attr: []html.Attribute{{Key: "type", Val: "text/css"}}}
		style.AppendChild(&html.Node{Type: html.TextNode, Data: sh.leftover})
		d.heads[0].AppendChild(style)
	}
	return ""
}

// document is what the fast path reads of a parsed document: its
// elements in document order (less the style blocks premailer reads and
// removes), those blocks, and its <head> elements.
type document struct {
	elems, blocks, heads []*html.Node
}

// readDocument walks root, or says why the fast path must leave it to
// premailer.
func readDocument(root *html.Node) (*document, string) {
	d := &document{}
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
					d.blocks = append(d.blocks, c)
					continue // removed before matching
				}
			case "head":
				d.heads = append(d.heads, c)
			}
			d.elems = append(d.elems, c)
			if why := walk(c); why != "" {
				return why
			}
		}
		return ""
	}
	return d, walk(root)
}

// texts returns the texts of the style blocks.
func (d *document) texts() []string {
	texts := make([]string, len(d.blocks))
	for i, b := range d.blocks {
		texts[i] = styleText(b)
	}
	return texts
}

// matcher finds the rules of a sheet that elements match.
type matcher struct {
	sh                  *sheet
	key                 []byte
	candidates, matched []int
}

// match returns the styling key of n — the rules it matches, counted,
// then its own style attribute — and that attribute; ok is false when n
// matches no rule. The key is valid until the next call.
func (m *matcher) match(n *html.Node) (key []byte, own string, ok bool) {
	m.matched = m.matched[:0]
	m.candidates = m.sh.index.candidates(n, m.candidates[:0])
	for _, i := range m.candidates {
		if m.sh.rules[i].match(n) {
			m.matched = append(m.matched, i)
		}
	}
	if len(m.matched) == 0 {
		return nil, "", false
	}
	own, _ = attrValue(n, "style")
	m.key = binary.AppendUvarint(m.key[:0], uint64(len(m.matched)))
	for _, i := range m.matched {
		m.key = binary.AppendUvarint(m.key, uint64(i))
	}
	m.key = append(m.key, own...)
	return m.key, own, true
}

// rules returns the rules the last element matched.
func (m *matcher) rules() []*sheetRule { return m.sh.matched(m.matched) }

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

// sheetKey identifies the texts of a document's style blocks: the text
// of the one block there usually is, else the texts each after its length,
// behind a NUL no single text starts with.
func sheetKey(texts []string) string {
	if len(texts) == 1 && !strings.HasPrefix(texts[0], "\x00") {
		return texts[0]
	}
	var b strings.Builder
	b.WriteString("\x00")
	for _, t := range texts {
		b.WriteString(strconv.Itoa(len(t)))
		b.WriteByte(':')
		b.WriteString(t)
	}
	return b.String()
}

// styling is what inlining does to an element's attributes: the values
// to set, in order, the style attribute last.
type styling struct {
	sets []html.Attribute
}

// newStyling writes the declarations of rules, in order, then own, those
// of the element's own style attribute, into the style attribute. Like
// premailer, a property keeps its last value and takes the place of its
// last occurrence; a width or height in px (or 0) also becomes an
// attribute.
func newStyling(rules []*sheetRule, own []decl) *styling {
	var all []decl
	for _, r := range rules {
		all = append(all, r.decls...)
	}
	all = append(all, own...)
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
