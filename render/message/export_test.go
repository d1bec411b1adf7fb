package message

import (
	"strings"

	"golang.org/x/net/html"
)

// InlineCSSPremailer is the reference the fast path is checked against.
var InlineCSSPremailer = inlineCSSPremailer

// CaptureFinish makes f see the arguments of every Finish call until
// restore is called.
func CaptureFinish(f func(src, preheader string)) (restore func()) {
	testHookFinish = f
	return func() { testHookFinish = nil }
}

// FastPathRefusal returns why InlineCSS(src) leaves the document to
// premailer, or "" when the fast path inlines it.
func FastPathRefusal(src string) string { return fastPathRefusal(src) }

func fastPathRefusal(src string) string {
	if !hasTag(src, "style") {
		return "no <style> block: nothing to inline"
	}
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return err.Error()
	}
	protectAtRules(root, splitAtRules)
	return inlineFast(root, nil)
}

// FirstDiff shows where got and want part.
var FirstDiff = firstDiff

// LegacyEncode is what the go-mail encoder the writer replaced wrote.
func (m *Message) LegacyEncode() ([]byte, error) { return m.legacyEncode() }

// FieldNames lists the fields WriteTo writes for m, in order.
var FieldNames = fieldNames
