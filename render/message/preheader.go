package message

import "strings"

// preheaderStyle hides the preheader everywhere but in the inbox preview.
// display:none alone is not enough: some clients drop it (hence max-height,
// max-width, overflow and opacity), Outlook needs mso-hide:all, and the
// tiny font and line height keep it from adding space where it leaks.
const preheaderStyle = "display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;" +
	"opacity:0;overflow:hidden;mso-hide:all;"

// preheaderFiller follows the preheader text. Inbox previews show the first
// ~100–200 characters of the message text; without filler, the start of the
// visible body ("View in browser", the logo's alt text) would follow the
// preheader there. Each unit is a combining grapheme joiner, a zero-width
// non-joiner and a no-break space: whitespace a client neither collapses
// nor shows. 120 units cover the longest previews in common clients.
var preheaderFiller = strings.Repeat("&#847;&zwnj;&nbsp;", 120)

// escapeText escapes text for HTML exactly as handlebars.js does, so the
// preheader reads the same as the template's own escaped output.
var escapeText = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&quot;",
	"'", "&#x27;",
	"`", "&#x60;",
	"=", "&#x3D;",
)

// WithPreheader inserts the preheader as hidden text at the top of the body.
// An empty preheader returns html unchanged.
//
// The preheader is plain text; it is HTML-escaped here. It goes right after
// the <body> start tag. Without a <body> tag it goes where the body starts:
// after </head>, else after the <html> start tag, else after the doctype,
// else at the very top — never before the doctype, which would put the
// document in quirks mode. A preheader of only white space counts as empty:
// it would show nothing but still hide the start of the body.
func WithPreheader(html, preheader string) string {
	if strings.TrimSpace(preheader) == "" {
		return html
	}
	at := bodyStart(html)
	var b strings.Builder
	b.Grow(len(html) + len(preheader) + len(preheaderFiller) + 128)
	b.WriteString(html[:at])
	b.WriteString(`<div style="`)
	b.WriteString(preheaderStyle)
	b.WriteString(`">`)
	escapeText.WriteString(&b, preheader)
	b.WriteString(preheaderFiller)
	b.WriteString("</div>")
	b.WriteString(html[at:])
	return b.String()
}

// bodyStart returns the offset where the first content of the body goes.
func bodyStart(src string) int {
	if i := tagIndex(src, "body"); i >= 0 {
		return tagEnd(src, i)
	}
	if i := indexFold(src, "</head"); i >= 0 {
		return tagEnd(src, i)
	}
	if i := tagIndex(src, "html"); i >= 0 {
		return tagEnd(src, i)
	}
	if i := indexFold(src, "<!doctype"); i >= 0 {
		return tagEnd(src, i)
	}
	return 0
}

// tagEnd returns the index just past the '>' closing the tag that starts
// at i, skipping quoted attribute values, which may hold '>'. A quote only
// opens a value right after '=' (spaces allowed), as in the HTML tokenizer.
// An unterminated tag ends at the end of src.
func tagEnd(src string, i int) int {
	var quote, prev byte
	for ; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			if c == quote {
				quote, prev = 0, c
			}
		case (c == '"' || c == '\'') && prev == '=':
			quote = c
		case c == '>':
			return i + 1
		case c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f':
			prev = c
		}
	}
	return len(src)
}
