package message

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// Finish turns the HTML a template rendered into the two bodies of the
// message: the HTML with its preheader and its CSS inlined,
//
//	htmlOut, err = InlineCSS(WithPreheader(src, preheader))
//
// and the text alternative of that HTML (PlainText), taken from the tree
// the inlining parsed, so the HTML is parsed once. Hidden elements are
// judged with the CSS inlined, so the preheader and what a class hides are
// left out of the text. An error is InlineCSS's.
//
// Finish compiles the style sheet for this call alone; Styles.Finish
// inlines with a template's CSS compiled once. A template whose text is
// compiled at load (CompileDoc) does not need Finish at all.
func Finish(src, preheader string) (htmlOut, text string, err error) {
	return (*Styles)(nil).Finish(src, preheader)
}

// Finish is the package's Finish with what st compiled.
func (st *Styles) Finish(src, preheader string) (htmlOut, text string, err error) {
	if testHookFinish != nil {
		testHookFinish(src, preheader)
	}
	full := WithPreheader(src, preheader)
	root, err := html.Parse(strings.NewReader(full))
	if err != nil {
		return "", "", fmt.Errorf("inline css: %w", err)
	}
	htmlOut = full // nothing to inline without a <style> block
	if hasTag(full, "style") {
		if htmlOut, err = inlineTree(root, st, isDocument(full), true, outputSize(full)); err != nil {
			return "", "", err
		}
	}
	var w TextWriter
	if text, err = plainTextOf(root, &w); err != nil {
		return "", "", err
	}
	return htmlOut, text, nil
}

// plainTextOf is PlainText of a parsed document. Third-party code has
// rewritten the tree (the CSS inliners): a panic on it is an error.
func plainTextOf(root *html.Node, w *TextWriter) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("plain text: %v", r)
		}
	}()
	return string(appendPlainText(nil, root, w)), nil
}

// testHookFinish, set only by tests, sees what every call of Finish is
// given, so that tests can replay what real templates produce.
var testHookFinish func(src, preheader string)
