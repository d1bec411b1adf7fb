package message

import (
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/vanng822/go-premailer/premailer"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ignoreAttr is premailer's own marker for a <style> block it must leave
// alone. InlineCSS uses it for at-rules premailer would mangle and removes
// it from the output, where it has no meaning.
const ignoreAttr = "data-premailer"

// InlineCSS moves the rules of <style> blocks into style attributes so
// email clients that strip <style> still show the design. Rules that cannot
// be inlined (media queries, pseudo-classes) stay in a <style> block.
//
// HTML without a <style> block is returned unchanged: premailer parses and
// re-serializes the whole document, the most expensive step per recipient.
//
// Re-serialization keeps the doctype, head, comments (including Outlook
// conditional comments) and non-ASCII text. Entities other than the
// invisible ones (see reencode) come out as UTF-8 characters, which is
// equivalent in a UTF-8 message. At-rules other than @media (@import,
// @font-face, @keyframes, ...) are kept verbatim in their own <style>
// block, because premailer's CSS printer drops their names. Declarations
// inside media queries are marked !important so they still win over the
// inlined styles. A fragment (no <html>, <head> or <body> tag) stays a
// fragment.
//
// Premailer (go-premailer) is the inliner, but it parses the style sheet
// and compiles every selector again for each recipient. The work is done
// by a fast path (inlineFast) that matches selectors compiled once per
// template (Styles) and reproduces premailer's output byte for byte; it leaves whatever it
// does not reproduce exactly to premailer, the reference it is tested
// against (diff_test.go, samples_test.go).
//
// InlineCSS compiles the style sheet for this call alone; a template's
// CSS is compiled once with CompileStyles, and its Styles.InlineCSS
// inlines each message with it.
func InlineCSS(src string) (string, error) {
	return inlineCSS(src, nil, true)
}

// inlineCSSPremailer is InlineCSS without the fast path.
func inlineCSSPremailer(src string) (string, error) {
	return inlineCSS(src, nil, false)
}

func inlineCSS(src string, st *Styles, fast bool) (out string, err error) {
	if !hasTag(src, "style") {
		return src, nil
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("inline css: %v", r)
		}
	}()
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("inline css: %w", err)
	}
	return inlineTree(root, st, isDocument(src), fast, outputSize(src))
}

// inlineTree inlines the CSS of the parsed document root with what st
// compiled and writes it out, as a whole document or as the fragment it
// was, in a buffer of size bytes to begin with.
func inlineTree(root *html.Node, st *Styles, document, fast bool, size int) (out string, err error) {
	// The CSS parser and goquery are third-party code run on
	// recipient-dependent input; a panic there must not stop a batch.
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("inline css: %v", r)
		}
	}()
	if !fast {
		protectAtRules(root, splitAtRules)
		if out, err = inlinePremailer(root, document, size); err != nil {
			return "", fmt.Errorf("inline css: %w", err)
		}
		out = strings.ReplaceAll(out, " "+ignoreAttr+`="ignore"`, "")
		return reencode.Replace(out), nil
	}
	protectAtRules(root, st.split)
	switch {
	case inlineFast(root, st) != "":
		out, err = inlinePremailer(root, document, size)
	case document:
		out, err = renderChildren(root, size)
	default:
		out, err = renderFragment(root, size)
	}
	if err != nil {
		return "", fmt.Errorf("inline css: %w", err)
	}
	return reencodeFast(dropIgnoreMarks(out)), nil
}

// inlinePremailer transforms root with premailer, the reference inliner.
func inlinePremailer(root *html.Node, document bool, size int) (string, error) {
	doc := goquery.NewDocumentFromNode(root)
	inlined, err := premailer.NewPremailer(doc, premailer.NewOptions()).Transform()
	if err != nil || document {
		return inlined, err
	}
	return renderFragment(root, size)
}

// protectAtRules moves the at-rules premailer cannot print (everything but
// @media) out of each <style> block it will process, into a block of their
// own that premailer skips. split is splitAtRules, or Styles.split with
// the template's blocks split at load.
func protectAtRules(n *html.Node, split func(string) (keep, rest string)) {
	var styles []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Style {
			styles = append(styles, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	for _, s := range styles {
		if skippedByPremailer(s) || s.FirstChild == nil {
			continue
		}
		text := s.FirstChild
		keep, rest := split(text.Data)
		if keep == "" {
			continue
		}
		text.Data = rest
		kept := &html.Node{Type: html.ElementNode, Data: "style", DataAtom: atom.Style,
			Attr: []html.Attribute{{Key: ignoreAttr, Val: "ignore"}}}
		kept.AppendChild(&html.Node{Type: html.TextNode, Data: keep})
		s.Parent.InsertBefore(kept, s)
	}
}

// skippedByPremailer mirrors premailer's own filter: a block marked ignore
// or limited to a media type other than "all" is left as it is.
func skippedByPremailer(n *html.Node) bool {
	for _, a := range n.Attr {
		switch {
		case a.Key == ignoreAttr && a.Val == "ignore":
			return true
		case a.Key == "media" && a.Val != "all":
			return true
		}
	}
	return false
}

// outputSize guesses the size of the inlined src: style attributes make it
// longer; growing the buffer as it fills would cost more than the guess.
func outputSize(src string) int { return len(src) + len(src)/2 }

// renderChildren writes the whole document, as goquery does for
// premailer, into a buffer of size bytes to begin with.
func renderChildren(root *html.Node, size int) (string, error) {
	var b strings.Builder
	b.Grow(size)
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// renderFragment writes what the parser put into <head> and <body> without
// the <html>, <head> and <body> tags it invented.
func renderFragment(root *html.Node, size int) (string, error) {
	var b strings.Builder
	b.Grow(size)
	var render func(*html.Node) error
	render = func(n *html.Node) error {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.DataAtom == atom.Html || c.DataAtom == atom.Head || c.DataAtom == atom.Body) {
				if err := render(c); err != nil {
					return err
				}
				continue
			}
			if err := html.Render(&b, c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := render(root); err != nil {
		return "", err
	}
	return b.String(), nil
}

// isDocument reports whether src spells out the document structure, so the
// output may too.
func isDocument(src string) bool {
	return hasTag(src, "html") || hasTag(src, "head") || hasTag(src, "body") ||
		indexFold(src, "<!doctype") >= 0
}

// hasTag reports whether src holds a start tag named name, in any case.
func hasTag(src, name string) bool {
	return tagIndex(src, name) >= 0
}

// tagIndex returns the index of the first start tag named name (compared
// without case), or -1. "<stylesheet" does not count as "<style".
func tagIndex(src, name string) int {
	for off := 0; ; {
		i := indexFold(src[off:], "<"+name)
		if i < 0 {
			return -1
		}
		end := off + i + 1 + len(name)
		if end == len(src) {
			return -1
		}
		switch src[end] {
		case '>', '/', ' ', '\t', '\n', '\r', '\f':
			return off + i
		}
		off = end
	}
}

// indexFold is strings.Index for a needle that starts with a non-letter
// and is otherwise ASCII lower case, ignoring the case of s, without
// allocating a lower-cased copy of a 15 KB document.
func indexFold(s, lowerNeedle string) int {
	n := len(lowerNeedle)
	for off := 0; off+n <= len(s); {
		i := strings.IndexByte(s[off:], lowerNeedle[0])
		if i < 0 || off+i+n > len(s) {
			return -1
		}
		i += off
		j := 1
		for j < n && lower(s[i+j]) == lowerNeedle[j] {
			j++
		}
		if j == n {
			return i
		}
		off = i + 1
	}
	return -1
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
