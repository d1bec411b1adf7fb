package lint

import (
	"html"
	"os"
	"regexp"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render"
)

// A problem found in the rendered message is placed where it was written
// by looking for what it is made of — an image's src, a link's href, a CSS
// declaration — in the texts the message was made from: the template, its
// partials and layout, then the content of the offers the decision chose.
// Rendering changes the markup around them (CSS inlining rewrites every
// tag's style), not these values, unless they come from data.

// position is a place in a file; line 0 is the file as a whole.
type position struct {
	file      string
	line, col int
}

// text is one text a message was made from, and how a place in it maps to
// a file.
type text struct {
	body string
	at   func(line, col int) position
}

// sources are the texts of one message.
type sources struct {
	template string // the template file
	texts    []text
}

// newSources reads the template's files and the chosen offers' content.
func newSources(tpl *render.Template, p *campaign.Project, d *decide.Decision) *sources {
	s := &sources{template: templateFile(tpl)}
	for _, f := range tpl.Files() {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // the file changed since it loaded; its problems stay unplaced
		}
		s.texts = append(s.texts, text{body: string(data), at: func(line, col int) position { return position{f, line, col} }})
	}
	if d == nil {
		return s
	}
	for _, prop := range d.Propositions {
		var offers []*decide.Offer
		for _, c := range prop.Offers {
			offers = append(offers, c.Offer)
		}
		if prop.Fallback != nil {
			offers = append(offers, prop.Fallback.Offer)
		}
		for _, o := range offers {
			if o == nil || o.Content[prop.Placement] == nil {
				continue
			}
			c := o.Content[prop.Placement]
			for field, body := range map[string]string{"html": c.HTML, "image": c.Image, "link": c.Link} {
				if body == "" {
					continue
				}
				s.texts = append(s.texts, text{body: body, at: func(line, col int) position {
					pos := c.Position(field, line, col)
					return position{pos.File, pos.Line, pos.Col}
				}})
			}
		}
	}
	return s
}

// find places a value (an attribute as rendered) at its first occurrence,
// as written or HTML-escaped; the template file as a whole when it is in
// none of the texts.
func (s *sources) find(value string) position {
	if value == "" {
		return position{file: s.template}
	}
	for _, needle := range []string{value, html.EscapeString(value), strings.ReplaceAll(value, "&", "&amp;")} {
		for _, t := range s.texts {
			if i := strings.Index(t.body, needle); i >= 0 {
				return t.place(i)
			}
		}
	}
	return position{file: s.template}
}

// findCSS places a declaration, with any spacing around its colon.
func (s *sources) findCSS(c cssFinding) position {
	pattern := `(?i)@import\b`
	if c.prop != "@import" {
		pattern = `(?i)\b` + regexp.QuoteMeta(c.prop) + `\s*:\s*` + strings.ReplaceAll(regexp.QuoteMeta(c.value), " ", `\s+`)
	}
	re := regexp.MustCompile(pattern)
	for _, t := range s.texts {
		if loc := re.FindStringIndex(t.body); loc != nil {
			return t.place(loc[0])
		}
	}
	return position{file: s.template}
}

func (t text) place(offset int) position {
	line, col := diag.Position(t.body, offset)
	return t.at(line, col)
}

// frontMatter places a key of the template's front matter; the file's
// first line when the key is not there (it is where it would be added).
func (s *sources) frontMatter(key string) position {
	if len(s.texts) == 0 {
		return position{file: s.template}
	}
	lines := strings.Split(s.texts[0].body, "\n")
	if len(lines) == 0 || strings.TrimSpace(strings.TrimPrefix(lines[0], "\uFEFF")) != "---" {
		return position{s.template, 1, 1}
	}
	for i, l := range lines[1:] {
		if strings.TrimSpace(l) == "---" {
			break
		}
		if strings.HasPrefix(l, key+":") {
			return position{s.template, i + 2, 1}
		}
	}
	return position{s.template, 1, 1}
}
