package message

import (
	"strings"
	"testing"
)

// hidden is the markup WithPreheader inserts for the escaped text esc.
func hidden(esc string) string {
	return `<div style="` + preheaderStyle + `">` + esc + preheaderFiller + `</div>`
}

func TestWithPreheaderPosition(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"after body", `<html><body class="x">Hi</body></html>`,
			`<html><body class="x">` + hidden("Sale") + `Hi</body></html>`},
		{"quoted > in body tag", `<body data-x="a>b" id='c>d'>Hi</body>`,
			`<body data-x="a>b" id='c>d'>` + hidden("Sale") + `Hi</body>`},
		{"upper-case body", "<BODY\n  bgcolor=\"#fff\">Hi</BODY>",
			"<BODY\n  bgcolor=\"#fff\">" + hidden("Sale") + "Hi</BODY>"},
		{"no body, after head", `<html><head><title>t</title></head><p>Hi</p></html>`,
			`<html><head><title>t</title></head>` + hidden("Sale") + `<p>Hi</p></html>`},
		{"no body or head, after html", `<html lang="en"><p>Hi</p></html>`,
			`<html lang="en">` + hidden("Sale") + `<p>Hi</p></html>`},
		{"only a doctype, after it", `<!doctype html><p>Hi</p>`,
			`<!doctype html>` + hidden("Sale") + `<p>Hi</p>`},
		{"fragment, at the top", `<p>Hi</p>`, hidden("Sale") + `<p>Hi</p>`},
		{"bodyguard is not body", `<bodyguard>Hi</bodyguard>`, hidden("Sale") + `<bodyguard>Hi</bodyguard>`},
	}
	for _, tt := range tests {
		if got := WithPreheader(tt.html, "Sale"); got != tt.want {
			t.Errorf("%s: WithPreheader(%q, %q)\n = %q\nwant %q", tt.name, tt.html, "Sale", got, tt.want)
		}
	}
}

func TestWithPreheaderEscapes(t *testing.T) {
	pre := "Tom & \"Jerry\" <3 'x' `=` Zoë"
	want := hidden("Tom &amp; &quot;Jerry&quot; &lt;3 &#x27;x&#x27; &#x60;&#x3D;&#x60; Zoë") + "<p>Hi</p>"
	if got := WithPreheader("<p>Hi</p>", pre); got != want {
		t.Errorf("WithPreheader(%q, %q)\n = %q\nwant %q", "<p>Hi</p>", pre, got, want)
	}
}

func TestWithPreheaderEmpty(t *testing.T) {
	for _, pre := range []string{"", " ", "\n\t"} {
		html := "<body><p>Hi</p></body>"
		if got := WithPreheader(html, pre); got != html {
			t.Errorf("WithPreheader(%q, %q) = %q, want the input unchanged", html, pre, got)
		}
	}
}

func TestWithPreheaderHiding(t *testing.T) {
	for _, want := range []string{"display:none", "max-height:0", "overflow:hidden", "mso-hide:all", "opacity:0"} {
		if !strings.Contains(preheaderStyle, want) {
			t.Errorf("preheader style %q lacks %q", preheaderStyle, want)
		}
	}
	if n := strings.Count(preheaderFiller, "&zwnj;&nbsp;"); n != 120 {
		t.Errorf("preheader filler has %d units, want 120", n)
	}
	// The preheader must not reach the plain-text part.
	text, err := PlainText(WithPreheader("<body><p>Hi</p></body>", "Secret preview"))
	if err != nil || text != "Hi\n" {
		t.Errorf("PlainText(WithPreheader(...)) = %q, %v, want %q", text, err, "Hi\n")
	}
}
