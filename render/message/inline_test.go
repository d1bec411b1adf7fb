package message

import (
	"strings"
	"testing"
)

func TestInlineCSSWithoutStyleBlock(t *testing.T) {
	tests := []string{
		"",
		"<p>x</p>",
		`<p style="color:red">style attribute only</p>`,
		`<link rel="stylesheet" href="a.css"><stylesheet>not a style block</stylesheet>`,
		"<p>Caf&eacute;&nbsp;l&#x27;ami</p>",
	}
	for _, in := range tests {
		got, err := InlineCSS(in)
		if err != nil || got != in {
			t.Errorf("InlineCSS(%q) = %q, %v, want the input unchanged", in, got, err)
		}
	}
}

func TestInlineCSS(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			"class rule inlined, fragment stays a fragment",
			`<style>.a{color:red}</style><p class="a">x</p>`,
			`<p class="a" style="color:red">x</p>`,
		},
		{
			"upper-case tags",
			`<STYLE>P{color:red}</STYLE><P>x</P>`,
			`<p style="color:red">x</p>`,
		},
		{
			"inline style attribute wins over the rule",
			`<style>p{color:red;margin:0}</style><p style="color:blue">x</p>`,
			`<p style="margin:0;color:blue">x</p>`,
		},
		{
			"media query kept, its declarations made important",
			`<style>.a{color:red} @media (max-width:600px){.a{color:green}}</style><p class="a">x</p>`,
			"<style type=\"text/css\">@media (max-width:600px){\n.a {\ncolor: green !important\n}\n}\n</style>" +
				`<p class="a" style="color:red">x</p>`,
		},
		{
			"hover kept",
			`<style>a{color:red} a:hover{color:blue}</style><a href="#">x</a>`,
			"<style type=\"text/css\">a:hover {\ncolor: blue !important\n}</style>" +
				`<a href="#" style="color:red">x</a>`,
		},
		{
			"other at-rules kept verbatim",
			`<style>@import url("a.css"); @font-face { font-family: "F"; src: url(f.woff2); } p{margin:0}</style><p>x</p>`,
			"<style>@import url(\"a.css\");\n@font-face { font-family: \"F\"; src: url(f.woff2); }\n</style>" +
				`<p style="margin:0">x</p>`,
		},
		{
			"document: doctype, head, comments, entities and non-ASCII kept",
			"<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Café</title>" +
				"<!--[if mso]><xml></xml><![endif]--><style>p{margin:0}</style></head>" +
				"<body><p>Zoë&nbsp;l&#x27;été &amp; &quot;x&quot;&zwnj;&#847;</p></body></html>",
			"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"/><title>Café</title>" +
				"<!--[if mso]><xml></xml><![endif]--></head>" +
				"<body><p style=\"margin:0\">Zoë&nbsp;l&#x27;été &amp; &quot;x&quot;&zwnj;&#847;</p></body></html>",
		},
		{
			"attribute entities",
			`<style>a{color:red}</style><a href="?a=1&amp;b=&#x27;2&#x27;" title="&quot;q&quot;">x</a>`,
			`<a href="?a=1&amp;b=&#x27;2&#x27;" title="&quot;q&quot;" style="color:red">x</a>`,
		},
		{
			"style for another medium left alone",
			`<style media="screen">p{color:red}</style><p>x</p>`,
			`<style media="screen">p{color:red}</style><p>x</p>`,
		},
		{
			"broken CSS dropped, document kept",
			`<style>}}{{ @@@ ;;; p{color:</style><p>x</p>`,
			`<p>x</p>`,
		},
	}
	for _, tt := range tests {
		got, err := InlineCSS(tt.in)
		if err != nil {
			t.Errorf("%s: InlineCSS(%q) error: %v", tt.name, tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: InlineCSS(%q)\n = %q\nwant %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestInlineCSSNewsletter(t *testing.T) {
	src := newsletter(t)
	got, err := InlineCSS(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">`,
		"<!--[if mso]>",
		`@font-face { font-family: "Inter";`,
		"@media only screen and (max-width: 620px){",
		"width: 100% !important",
		"a:hover {",
		`<a class="btn" href="https://shop.example.com/summer?u=u-1042&amp;c=june-2026" style="`,
		"Trail&nbsp;&amp;&nbsp;Road",
		"won&#x27;t",
		"Hauptstraße",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("InlineCSS(newsletter) lacks %q", want)
		}
	}
	if strings.Contains(got, ignoreAttr) {
		t.Errorf("InlineCSS(newsletter) leaks the %s attribute", ignoreAttr)
	}
	if n := strings.Count(got, `class="col"`); n == 0 {
		t.Errorf("InlineCSS(newsletter) removed the classes media queries need")
	}
}

func TestSplitAtRules(t *testing.T) {
	tests := []struct {
		sheet, keep, rest string
	}{
		{"p{a:b}", "", "p{a:b}"},
		{"@MEDIA print{p{a:b}}", "", "@MEDIA print{p{a:b}}"},
		{"@import 'a.css'; p{a:b}", "@import 'a.css';\n", "p{a:b}\n"},
		{"@media x{p{a:b}} @font-face{src:url('}')}", "@font-face{src:url('}')}\n", "@media x{p{a:b}}\n"},
		{"/* } @x */ @page{margin:0} p{content:'@import ;'}", "@page{margin:0}\n", "p{content:'@import ;'}\n"},
		{`@font-face{font-family:"a\"}"} p{}`, `@font-face{font-family:"a\"}"}` + "\n", "p{}\n"},
		{"@font-face{src:url(a", "@font-face{src:url(a\n", ""},
		{"@keyframes k{from{opacity:0}to{opacity:1}}", "@keyframes k{from{opacity:0}to{opacity:1}}\n", ""},
	}
	for _, tt := range tests {
		keep, rest := splitAtRules(tt.sheet)
		if keep != tt.keep || rest != tt.rest {
			t.Errorf("splitAtRules(%q) = %q, %q, want %q, %q", tt.sheet, keep, rest, tt.keep, tt.rest)
		}
	}
}
