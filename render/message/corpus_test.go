package message

import (
	"math/rand/v2"
	"strings"
)

// corpus writes random email-like documents and style sheets for the
// differential tests: the constructs an email template uses (tables,
// classes, ids, existing style attributes, entities, Outlook comments)
// and the CSS premailer treats in its own ways (specificity ties,
// !important, media queries, pseudo-classes, at-rules, width and height,
// broken CSS, selectors cascadia rejects), drawn from small vocabularies so
// that selectors often match.
type corpus struct{ r *rand.Rand }

func newCorpus(seed uint64) *corpus { return &corpus{rand.New(rand.NewPCG(seed, 0x6f6d))} }

func (c *corpus) pick(list ...string) string { return list[c.r.IntN(len(list))] }

func (c *corpus) chance(p float64) bool { return c.r.Float64() < p }

var (
	corpusClasses = []string{"a", "b", "hero", "btn", "col", "card", "lead", "x-y", "Mixed", "_u"}
	corpusIDs     = []string{"main", "top", "f1"}
	corpusTags    = []string{"div", "p", "span", "a", "td", "table", "h1", "h2", "li", "img", "strong", "em", "center", "font", "section"}
)

func (c *corpus) selector() string {
	simple := func() string {
		switch c.r.IntN(9) {
		case 0, 1:
			return "." + c.pick(corpusClasses...)
		case 2:
			return "#" + c.pick(corpusIDs...)
		case 3:
			return c.pick(corpusTags...) + "." + c.pick(corpusClasses...)
		case 4:
			return strings.ToUpper(c.pick(corpusTags...)[:1]) + c.pick(corpusTags...)[1:]
		default:
			return c.pick(corpusTags...)
		}
	}
	s := simple()
	for c.chance(0.35) {
		s += c.pick(" ", " > ", ">", "  ", "\n", " + ", " ~ ") + simple()
	}
	switch c.r.IntN(24) {
	case 6, 7:
		s += c.pick("[class]", "[style]", "[align]", "[href]", "[id]")
	case 0:
		s += c.pick(":hover", ":focus", "::before", ":after", ":visited", ":active", ":first-line")
	case 1:
		s += c.pick(":first-child", ":last-child", ":nth-child(2)", ":nth-child(2n+1)", ":not(.a)", ":empty", ":only-child")
	case 2:
		s += c.pick("[align]", `[width="600"]`, "[class~=b]", `[href^="https"]`, "[style]", "[data-premailer]", "[bgcolor]")
	case 3:
		s = c.pick("*", "* p", ".a *", "p:checked", "a:LINK", "td:lang(en)", ":root", "::selection", "html", "body", "head", "style", "title")
	case 4:
		s += c.pick("!", ":unknown-pseudo", "[", "..a", "#", ":nth-child(", " >")
	case 5:
		s = c.pick(`[pr-el-id]`, `.a\:b`, "div:not([pr-el-id])", "p:has(a)", ":is(p, td)", "td.a:not(.b, .c)")
	}
	return s
}

func (c *corpus) declaration() string {
	if c.chance(0.4) {
		// Few properties, so that rules often compete for one.
		return c.pick("color", "width", "margin", "display") + ":" + c.pick(" red", "blue", " 0", " 600px", " none", " #ABCDEF")
	}
	d := c.pick(
		"color: red", "color:#1D4D3A", "margin: 0 auto", "margin:0", "padding: 10px 18px",
		"width: 600px", "width:100%", "width: 0", "height: 32px", "height:auto", "WIDTH: 10px",
		"width: 600px !important", "background-color: #fff", "background: url(a.png) no-repeat",
		"font-family: \"Helvetica Neue\", Arial, sans-serif", "font-size: 16px", "display: none",
		"display:block", "line-height: 1.5", "text-align: center", "content: \"x;y\"",
		"border: 1px solid #dde3e8", "mso-hide: all", "color: rgb(0, 0, 0)", "font: 12px/1.4 'Inter'",
		"text-decoration:none", "border-radius: 4px", "vertical-align: top", "max-width: 600px",
	)
	if c.chance(0.15) {
		d += c.pick(" !important", "!important", " ! important", " !IMPORTANT")
	}
	return d
}

func (c *corpus) block() string {
	var decls []string
	for range 1 + c.r.IntN(4) {
		decls = append(decls, c.declaration())
	}
	end := c.pick(";", "", "; ", ";;")
	return "{ " + strings.Join(decls, c.pick("; ", ";", ";\n  ")) + end + " }"
}

func (c *corpus) rule() string {
	sel := c.selector()
	for c.chance(0.25) {
		sel += c.pick(", ", ",", ",\n") + c.selector()
	}
	return sel + " " + c.block()
}

// sheet returns the text of a <style> block.
func (c *corpus) sheet() string {
	var b strings.Builder
	for range 1 + c.r.IntN(9) {
		switch c.r.IntN(20) {
		case 0:
			b.WriteString("@media " + c.pick("only screen and (max-width: 620px)", "print", "(max-width:600px)", "screen") + " {\n")
			for range 1 + c.r.IntN(3) {
				b.WriteString("  " + c.rule() + "\n")
			}
			b.WriteString("}")
		case 1:
			b.WriteString(c.pick(
				`@import url("https://fonts.example.com/css?family=Inter");`,
				`@font-face { font-family: "Inter"; src: url(f.woff2) format("woff2"); }`,
				"@keyframes k { from { opacity: 0 } to { opacity: 1 } }",
				`@charset "utf-8";`, "@page { margin: 0 }", "@supports (display:grid) { .a { display: grid } }",
				"@MEDIA print { p { color: red } }", "@-webkit-keyframes k { 0% { top: 0 } }",
			))
		case 2:
			b.WriteString(c.pick("/* comment */", "<!--", "-->", "/* } .a { color: red } */", "}", "{", ";", "@x;"))
		default:
			b.WriteString(c.rule())
		}
		b.WriteString(c.pick("\n", " ", "", "\n\n  "))
	}
	return b.String()
}

func (c *corpus) text() string {
	return c.pick("Hello", "Zoë Müller", "won&#x27;t", "Trail&nbsp;&amp;&nbsp;Road", "a &lt;b&gt; &quot;c&quot;",
		"x&#x3D;1 &#x60;y&#x60;", "129,00 €", "日本語", "caf&eacute;", "&zwnj;&#847;&nbsp;", "  ", "\n",
		"Tap below", "it's \"quoted\"", "a=b`c", "&copy; 2026", "Straße", "&shy;soft", "\u00a0nbsp\u200b")
}

func (c *corpus) attrs(tag string) string {
	var b strings.Builder
	if c.chance(0.6) {
		cls := c.pick(corpusClasses...)
		if c.chance(0.3) {
			cls += c.pick(" ", "  ", "\t") + c.pick(corpusClasses...)
		}
		b.WriteString(` class="` + cls + `"`)
	}
	if c.chance(0.15) {
		b.WriteString(` id="` + c.pick(corpusIDs...) + `"`)
	}
	if c.chance(0.3) {
		b.WriteString(` style="` + c.pick("color:blue", "margin: 0; padding: 4px", "width: 50px", "",
			"display:none", "color: green !important", "font-family: &quot;A&quot;, B", "height:0;width:1px", "color:") + `"`)
	}
	if c.chance(0.2) {
		b.WriteString(" " + c.pick(`width="600"`, `height="20"`, `align="center"`, `bgcolor="#ffffff"`, `valign="top"`, "hidden", `role="presentation"`))
	}
	switch tag {
	case "a":
		b.WriteString(` href="` + c.pick("https://shop.example/?a=1&amp;b=2", "#top", "mailto:a@b.example", "https://x.example/&#x27;q&#x27;") + `"`)
	case "img":
		b.WriteString(` src="i.png" alt="` + c.pick("Logo", "", "Zoë &amp; co") + `"`)
	}
	return b.String()
}

func (c *corpus) content(depth int) string {
	var b strings.Builder
	for range c.r.IntN(4) {
		switch n := c.r.IntN(14); {
		case n < 4 || depth > 4:
			b.WriteString(c.text())
		case n == 4:
			b.WriteString(c.pick("<!-- note -->", "<!--[if mso]><table><tr><td><![endif]-->", "<!--[if mso]></td></tr></table><![endif]-->", "<br>", "<hr>"))
		case n == 5:
			b.WriteString("<table" + c.attrs("table") + "><tr" + c.attrs("tr") + "><td" + c.attrs("td") + ">" +
				c.content(depth+1) + "</td><td" + c.attrs("td") + ">" + c.content(depth+1) + "</td></tr></table>")
		case n == 6:
			b.WriteString("<img" + c.attrs("img") + ">")
		case n == 7 && c.chance(0.2):
			b.WriteString("<style>" + c.sheet() + "</style>")
		default:
			tag := c.pick(corpusTags...)
			if tag == "img" || tag == "td" || tag == "table" {
				tag = "div"
			}
			b.WriteString("<" + tag + c.attrs(tag) + ">" + c.content(depth+1) + "</" + tag + ">")
		}
	}
	return b.String()
}

// document returns an HTML document (or fragment) with one or more <style>
// blocks.
func (c *corpus) document() string {
	style := func() string {
		attr := ""
		if c.chance(0.15) {
			attr = c.pick(` media="all"`, ` media="screen"`, ` type="text/css"`, ` data-premailer="ignore"`, ` MEDIA="all"`)
		}
		return "<style" + attr + ">" + c.sheet() + "</style>"
	}
	body := c.content(0)
	if c.chance(0.1) {
		body += c.pick(`<p pr-el-id="1">marked</p>`, "<svg><style>.a{color:red}</style></svg>",
			"<svg><style><b>x</b></style></svg>", "<frameset></frameset>", "<!-- <body> -->",
			"<xmp><b>raw</b></xmp>", "<template><p class=a>t</p></template>", "<head><title>x</title></head>")
	}
	if c.chance(0.25) {
		return style() + body
	}
	var b strings.Builder
	if c.chance(0.7) {
		b.WriteString(c.pick("<!DOCTYPE html>\n", `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">`+"\n", "<!doctype html>"))
	}
	b.WriteString(c.pick("<html>", `<html lang="en">`, "<HTML>", ""))
	b.WriteString("<head><meta charset=\"utf-8\"><title>" + c.pick("T", "Café &amp; co") + "</title>")
	for range 1 + c.r.IntN(2) {
		b.WriteString(style())
	}
	b.WriteString(c.pick("</head>", "</head>\n", ""))
	b.WriteString(c.pick("<body>", `<body class="a" style="margin:0">`, "<BODY>\n", "", "<body bgcolor=\"#fff\">"))
	b.WriteString(body)
	if c.chance(0.2) {
		b.WriteString(style())
	}
	b.WriteString(c.pick("</body></html>", "</body>\n</html>\n", ""))
	return b.String()
}

// preheader returns a preheader text, often empty.
func (c *corpus) preheader() string {
	return c.pick("", "", " ", "Up to 40% off", "Hello & <you>", `"quoted" 'too'`, "x=1 `y`", "Zoë\u00a0M", "line\r\nbreak", "nul\x00")
}
