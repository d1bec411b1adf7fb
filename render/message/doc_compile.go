package message

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// findMarks finds every mark in the parsed document root (and at the
// same place in pristine, a second parse of it) and checks that each is
// where the template put it: once, values in text or quoted attribute
// values, blocks as comments whose marks are siblings.
func (d *Doc) findMarks(root, pristine *html.Node, kinds []MarkKind, groups [][]int) *Refusal {
	seen := make([]int, len(kinds))
	comments := make([]*html.Node, len(kinds))
	var bad *Refusal
	var walk func(a, b *html.Node, anchor bool)
	walk = func(a, b *html.Node, anchor bool) {
		if bad != nil {
			return
		}
		switch a.Type {
		case html.TextNode:
			splitMarks(a.Data, func(string) {}, func(m int) {
				if bad != nil {
					return
				}
				if m >= len(kinds) || kinds[m] == MarkBlock {
					bad = refuse(-1, "a block mark in text")
					return
				}
				p := a.Parent
				if p == nil || p.Type != html.ElementNode || p.Namespace != "" || tableText[p.DataAtom] {
					bad = refuse(m, "a value where the HTML parser moves or keeps text apart")
					return
				}
				seen[m]++
				d.slots[m] = slot{kind: kinds[m], parent: b.Parent, anchor: anchor,
					bodyStart: p.DataAtom == atom.Body && strings.HasPrefix(a.Data, string(appendMarkRunes(nil, m))) && firstInBody(a)}
			})
		case html.CommentNode:
			if !hasMark(a.Data) {
				break
			}
			at, m := nextMark(a.Data)
			if at != 0 || len(a.Data) != markLen || m >= len(kinds) || kinds[m] != MarkBlock {
				bad = refuse(m, "a value in an HTML comment")
				return
			}
			seen[m]++
			comments[m] = a
			d.slots[m] = slot{kind: MarkBlock}
		case html.ElementNode:
			for _, at := range a.Attr {
				if !hasMark(at.Val) && !hasMark(at.Key) {
					continue
				}
				if hasMark(at.Key) || at.Namespace != "" || at.Key == "style" {
					m, _ := rawMark(at.Key + at.Val)
					bad = refuse(m, "a value in the name of an attribute or in a style attribute")
					return
				}
				splitMarks(at.Val, func(string) {}, func(m int) {
					if m >= len(kinds) || kinds[m] == MarkBlock {
						bad = refuse(-1, "a block mark in an attribute")
						return
					}
					seen[m]++
					d.slots[m] = slot{kind: kinds[m], inAttr: true, attr: at.Key}
				})
			}
			if a.DataAtom == atom.A {
				anchor = true
			}
		default:
			if hasMark(a.Data) {
				bad = refuse(-1, "a value in a doctype")
				return
			}
		}
		for ca, cb := a.FirstChild, b.FirstChild; ca != nil; ca, cb = ca.NextSibling, cb.NextSibling {
			walk(ca, cb, anchor)
		}
	}
	walk(root, pristine, false)
	if bad != nil {
		return bad
	}
	for m, k := range seen {
		if k != 1 {
			return refuse(m, "the HTML parser moves or repeats what the template writes here (%d times in the parsed document)", k)
		}
	}
	for _, g := range groups {
		first := comments[g[0]]
		for i, m := range g[1:] {
			if comments[m].Parent != first.Parent || !after(comments[g[i]], comments[m]) {
				return refuse(g[0], "a block whose content is not whole elements: what it opens, it does not close (or it closes what it did not open)")
			}
		}
	}
	return nil
}

// firstInBody reports whether the text node n comes first in its <body>
// (comments aside): white space at its start, before the body is open,
// goes elsewhere.
func firstInBody(n *html.Node) bool {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type != html.CommentNode {
			return false
		}
	}
	return true
}

// after reports whether b is a later sibling of a.
func after(a, b *html.Node) bool {
	for n := a.NextSibling; n != nil; n = n.NextSibling {
		if n == b {
			return true
		}
	}
	return false
}

// checkEmptyValues refuses a document whose structure changes when its
// values are empty: a value that is text (the mark) can make the parser
// reopen elements that an empty one does not.
func checkEmptyValues(full string, kinds []MarkKind) *Refusal {
	var empty strings.Builder
	splitMarksKeep(full, kinds, &empty)
	a, err1 := html.Parse(strings.NewReader(empty.String()))
	b, err2 := html.Parse(strings.NewReader(full))
	if err1 != nil || err2 != nil {
		return refuse(-1, "parse failed")
	}
	var sa, sb strings.Builder
	if html.Render(&sa, a) != nil || html.Render(&sb, b) != nil {
		return refuse(-1, "write failed")
	}
	var sbEmpty strings.Builder
	splitMarksKeep(sb.String(), kinds, &sbEmpty)
	if sa.String() != sbEmpty.String() {
		return refuse(-1, "the document's elements change when a value is empty")
	}
	return nil
}

// splitMarksKeep writes s to b without its value marks.
func splitMarksKeep(s string, kinds []MarkKind, b *strings.Builder) {
	splitMarks(s, func(t string) { b.WriteString(t) }, func(m int) {
		if m < len(kinds) && kinds[m] == MarkBlock {
			b.Write(appendMarkRunes(nil, m))
		}
	})
}

// inline inlines the CSS of the document root as InlineCSS does, with a
// sheet compiled here, after checking that no selector's matches depend
// on the recipient's values.
func (d *Doc) inline(root *html.Node, kinds []MarkKind) (*Styles, *Refusal) {
	protectAtRules(root, splitAtRules)
	doc, why := readDocument(root)
	if why != "" {
		return nil, refuse(-1, "the CSS is left to premailer: %s", why)
	}
	texts := doc.texts()
	for _, t := range texts {
		if hasMark(t) {
			return nil, refuse(-1, "a value in a <style> block")
		}
	}
	sh := compileSheet(texts)
	if sh.refusal != "" {
		return nil, refuse(-1, "the CSS is left to premailer: %s", sh.refusal)
	}
	// A block or markup in a value changes an element's siblings.
	// The preheader, a block of its own (the last three marks), is
	// inserted only when it is not blank.
	moving := -1
	for m, s := range d.slots {
		if s.kind == MarkBlock || s.kind == MarkRaw && !s.inAttr {
			moving = m
			break
		}
	}
	for _, r := range sh.rules {
		sel := r.selector
		d.structural = d.structural || structural.MatchString(sel)
		if moving >= 0 && structural.MatchString(sel) {
			return nil, &Refusal{Reason: "selector " + sel + " depends on an element's siblings, which a block or a value's markup changes", Mark: moving, Selector: sel}
		}
		for m, s := range d.slots {
			if !s.inAttr {
				continue
			}
			if s.attr == "class" && strings.Contains(sel, ".") || s.attr == "id" && strings.Contains(sel, "#") ||
				strings.Contains(sel, "["+s.attr) {
				return nil, &Refusal{Reason: "selector " + sel + " may match depending on the " + s.attr + " attribute a value writes", Mark: m, Selector: sel}
			}
		}
	}
	st := &Styles{key: sheetKey(texts), sheet: sh}
	if why := inlineFast(root, st); why != "" {
		return nil, refuse(-1, "the CSS is left to premailer: %s", why)
	}
	return st, nil
}

// cut cuts the output at its marks into pieces, checking that the marks
// come in the order the document full has them.
func (d *Doc) cut(out, full string, kinds []MarkKind) *Refusal {
	var want []int
	splitMarks(full, func(string) {}, func(m int) { want = append(want, m) })
	d.order = append(d.order[:0], -1)
	d.index = make([]int, len(kinds))
	prev, from := -1, 0
	set := func(to int) {
		p := Piece{HTML: []byte(out[from:to])}
		if prev < 0 {
			d.lead = p
		} else {
			d.after[prev] = p
		}
	}
	for rest := 0; ; {
		at, m := nextMark(out[rest:])
		if at < 0 {
			break
		}
		at += rest
		start, end := at, at+markLen
		if m < len(kinds) && kinds[m] == MarkBlock {
			if !strings.HasSuffix(out[:at], "<!--") || !strings.HasPrefix(out[end:], "-->") {
				return refuse(m, "a block mark written out of its comment")
			}
			start, end = at-4, end+3
		}
		set(start)
		if len(d.order)-1 >= len(want) || want[len(d.order)-1] != m {
			return refuse(m, "the HTML parser reorders what the template writes here")
		}
		d.index[m] = len(d.order)
		d.order = append(d.order, m)
		prev, from, rest = m, end, end
	}
	set(len(out))
	if len(d.order)-1 != len(want) {
		return refuse(-1, "marks lost in the output")
	}
	return nil
}

// compileText compiles the text alternative of the inlined document and
// cuts its ops at the marks, which must come in the order of the HTML.
func (d *Doc) compileText(root *html.Node, n int) *Refusal {
	c := &textCompiler{marks: true}
	var seen []int
	c.onMark = func(m int, silent bool) {
		seen = append(seen, m)
		if m < n {
			d.slots[m].silent = silent
			d.slots[m].link = c.link > 0
		}
	}
	c.node(root)
	c.op(tBreak)
	if c.refusal != "" {
		return refuse(-1, "%s", c.refusal)
	}
	if len(seen) != len(d.order)-1 {
		return refuse(-1, "the text alternative loses marks")
	}
	for i, m := range seen {
		if d.order[i+1] != m {
			return refuse(m, "the text alternative reads values in another order than the HTML writes them")
		}
	}
	prev, from := -1, 0
	set := func(to int) {
		ops := compiledOps(c.ops[from:to:to])
		if prev < 0 {
			d.lead.text = ops
		} else {
			d.after[prev].text = ops
		}
	}
	for i, o := range c.ops {
		if o.kind == tMark || o.kind == tMarkSilent {
			set(i)
			prev, from = o.n, i+1
		}
	}
	set(len(c.ops))
	return nil
}
