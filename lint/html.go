package lint

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// page is what the checks find in a rendered HTML body.
type page struct {
	imgs  []string // src of each <img> without alt
	links []string // each href that is not http(s) or mailto
	css   []cssFinding
	words int // visible words, the hidden preheader left out
}

// cssFinding is a declaration (or at-rule) the major clients drop.
type cssFinding struct {
	prop, value string
	text        string // as it reads: "display: flex", "@import"
	why         string
}

// droppedCSS finds the declarations the checks warn about: a property and
// its value, in a style attribute or a <style> block.
var droppedCSS = regexp.MustCompile(`(?i)(?:^|[;{\s])(position|display|transform|transition|animation)\s*:\s*([^;}!]*)`)

var atImport = regexp.MustCompile(`(?i)@import\b`)

// cssWhy says why a declaration is a problem, or "" when it is not one.
func cssWhy(prop, value string) string {
	prop, value = strings.ToLower(prop), strings.ToLower(strings.TrimSpace(value))
	switch prop {
	case "position":
		if value != "static" && value != "" {
			return "Gmail and Outlook drop position; lay out with tables"
		}
	case "display":
		switch value {
		case "flex", "inline-flex", "grid", "inline-grid":
			return "Outlook and several webmail clients ignore flexbox and grid; lay out with tables"
		}
	case "transform", "transition", "animation":
		if value != "none" && value != "" {
			return "most email clients drop " + prop
		}
	}
	return ""
}

// scanCSS adds the dropped declarations of a style attribute or block.
func (p *page) scanCSS(css string) {
	for _, m := range droppedCSS.FindAllStringSubmatch(css, -1) {
		value := strings.TrimSpace(m[2])
		if why := cssWhy(m[1], value); why != "" {
			p.css = append(p.css, cssFinding{prop: strings.ToLower(m[1]), value: value, text: strings.ToLower(m[1]) + ": " + value, why: why})
		}
	}
	if atImport.MatchString(css) {
		p.css = append(p.css, cssFinding{prop: "@import", text: "@import", why: "Gmail drops <style> blocks that @import other stylesheets"})
	}
}

// goodLink reports whether an href is one every client follows.
func goodLink(href string) bool {
	h := strings.ToLower(strings.TrimSpace(href))
	return strings.HasPrefix(h, "https://") || strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "mailto:")
}

// scanHTML tokenizes a rendered body once for every check.
func scanHTML(body string) page {
	var p page
	z := html.NewTokenizer(strings.NewReader(body))
	var skip []string // elements whose text is not read: style, script, title, the hidden preheader
	depth := map[string]int{}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return p
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			attrs := map[string]string{}
			has := map[string]bool{}
			for _, a := range t.Attr {
				attrs[a.Key], has[a.Key] = a.Val, true
			}
			if style, ok := attrs["style"]; ok {
				p.scanCSS(style)
			}
			switch t.Data {
			case "img":
				if !has["alt"] {
					p.imgs = append(p.imgs, attrs["src"])
				}
			case "a", "area":
				if href, ok := attrs["href"]; ok && !goodLink(href) {
					p.links = append(p.links, href)
				}
			}
			if tt == html.SelfClosingTagToken {
				continue
			}
			hidden := t.Data == "div" && strings.Contains(strings.ReplaceAll(strings.ToLower(attrs["style"]), " ", ""), "display:none")
			switch {
			case t.Data == "style", t.Data == "script", t.Data == "title", t.Data == "head", t.Data == "template", hidden:
				skip = append(skip, t.Data)
				depth[t.Data]++
			case len(skip) > 0 && skip[len(skip)-1] == t.Data:
				depth[t.Data]++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			if len(skip) > 0 && skip[len(skip)-1] == n {
				if depth[n]--; depth[n] <= 0 {
					skip = skip[:len(skip)-1]
				}
			}
		case html.TextToken:
			text := string(z.Text())
			if len(skip) > 0 && skip[len(skip)-1] == "style" {
				p.scanCSS(text)
			}
			if len(skip) == 0 {
				p.words += words(text)
			}
		}
	}
}
