package message

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Styles is a template's CSS compiled once, when the template is loaded:
// its <style> blocks split around the at-rules premailer cannot print,
// parsed, their selectors compiled and their rules ordered (a sheet), and
// its style attributes parsed. Inlining a recipient's message then only
// matches the compiled selectors against the message's elements.
//
// What Styles holds is found in the parts of the template that are the
// same for every recipient. A message whose style blocks or attributes
// differ from them (written by recipient data, or inside a conditional
// block) is still inlined correctly: what Styles does not hold is
// compiled for that message alone. The nil *Styles compiles everything per
// message. Styles is immutable and safe for concurrent use.
type Styles struct {
	// splits maps the text of a <style> block to the at-rules kept aside
	// and the rest (splitAtRules).
	splits map[string][2]string
	// key and sheet are the compiled sheet of the blocks premailer reads,
	// all of them in document order, and its sheetKey.
	key   string
	sheet *sheet
	// decls maps a style attribute to its declarations (parseStyleAttr).
	decls map[string][]decl
	// stylings are the stylings of the template's own elements, by their
	// matcher key: what inlining sets on an element matched by the same
	// rules with the same style attribute.
	stylings map[string]*styling
}

// CompileStyles compiles the CSS of a template from fragments of its HTML
// that are the same for every recipient, in document order: the text
// between the places where recipient data goes. A <style> block or style
// attribute cut by such a place is left for each message to compile.
func CompileStyles(fragments []string) *Styles {
	st := &Styles{splits: map[string][2]string{}, decls: map[string][]decl{}}
	var read []string // the texts premailer reads, after protectAtRules
	for _, frag := range fragments {
		scanStyles(frag, func(attr string) {
			if _, ok := st.decls[attr]; !ok {
				st.decls[attr] = parseStyleAttr(attr)
			}
		}, func(text string) {
			rest := text
			if text != "" {
				keep, r := splitAtRules(text)
				st.splits[text] = [2]string{keep, r}
				rest = r
			}
			read = append(read, rest)
		})
	}
	if len(read) > 0 {
		st.key = sheetKey(read)
		st.sheet = compileSheet(read)
		st.compileStylings(strings.Join(fragments, ""))
	}
	return st
}

// compileStylings works out the stylings of the elements the template
// writes for everyone, from its fragments read as one document: the
// elements of a message are mostly these.
func (st *Styles) compileStylings(doc string) {
	if st.sheet.refusal != "" {
		return
	}
	defer func() {
		// Third-party code on a template's text: a panic here only means
		// nothing is compiled ahead; the message inliner reports it.
		if recover() != nil {
			st.stylings = nil
		}
	}()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return
	}
	protectAtRules(root, st.split)
	d, why := readDocument(root)
	if why != "" {
		return
	}
	st.stylings = map[string]*styling{}
	m := matcher{sh: st.sheet}
	for _, n := range d.elems {
		if key, own, ok := m.match(n); ok && st.stylings[string(key)] == nil {
			st.stylings[string(key)] = newStyling(m.rules(), st.styleDecls(own))
		}
	}
}

// Covers reports whether inlining the document doc uses the sheet st
// compiled, rather than compiling one for it: whether doc's style blocks
// are the template's.
func (st *Styles) Covers(doc string) bool {
	var read []string
	scanStyles(doc, func(string) {}, func(text string) {
		_, rest := st.split(text)
		read = append(read, rest)
	})
	return st != nil && st.sheet != nil && sheetKey(read) == st.key
}

// scanStyles calls attr with every style attribute of the HTML fragment
// frag and block with the text of every <style> block premailer reads, in
// order. A block counts once its end tag is seen: a fragment may end
// inside one.
func scanStyles(frag string, attr func(string), block func(text string)) {
	z := html.NewTokenizer(strings.NewReader(frag))
	inStyle, readStyle, pending := false, false, ""
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range tok.Attr {
				if a.Key == "style" && a.Namespace == "" {
					attr(a.Val)
				}
			}
			if tok.DataAtom == atom.Style && tt == html.StartTagToken {
				n := &html.Node{Type: html.ElementNode, DataAtom: atom.Style, Data: "style", Attr: tok.Attr}
				inStyle, readStyle, pending = true, !skippedByPremailer(n), ""
			}
		case html.TextToken:
			if inStyle {
				pending = tok.Data
			}
		case html.EndTagToken:
			if inStyle && tok.DataAtom == atom.Style && readStyle {
				block(pending)
			}
			inStyle, pending = false, ""
		}
	}
}

// split is splitAtRules, compiled at load for the template's own blocks.
func (st *Styles) split(text string) (keep, rest string) {
	if st != nil {
		if kr, ok := st.splits[text]; ok {
			return kr[0], kr[1]
		}
	}
	return splitAtRules(text)
}

// sheetFor returns the sheet of the blocks whose texts are texts.
func (st *Styles) sheetFor(texts []string) *sheet {
	if st != nil && st.sheet != nil && sheetKey(texts) == st.key {
		return st.sheet
	}
	return compileSheet(texts)
}

// styleDecls returns the declarations of a style attribute.
func (st *Styles) styleDecls(attr string) []decl {
	if attr == "" {
		return nil
	}
	if st != nil {
		if ds, ok := st.decls[attr]; ok {
			return ds
		}
	}
	return parseStyleAttr(attr)
}

// InlineCSS is the package's InlineCSS with what st compiled.
func (st *Styles) InlineCSS(src string) (string, error) {
	return inlineCSS(src, st, true)
}
