package lint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render"
)

// Level says whether a problem stops a send (error) or deserves a look
// (warning).
type Level string

// Levels of a problem.
const (
	Error   Level = "error"
	Warning Level = "warning"
)

// Codes of the checks, for callers that filter them.
const (
	CodeSize        = "size"
	CodeImgAlt      = "img-alt"
	CodeSubject     = "subject"
	CodePreheader   = "preheader"
	CodeLink        = "link"
	CodeUnsubscribe = "unsubscribe"
	CodeCSS         = "css"
	CodeText        = "text"
	CodeRender      = "render"
)

// MaxHTML is the size of HTML above which Gmail clips a message.
const MaxHTML = 102 * 1024

// Problem is one finding, where it was written when that is known (Line 0
// otherwise).
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Level   Level  `json:"level"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// String is the problem as mailpreview prints it: file:line:col: level:
// message (file: level: message without a position).
func (p Problem) String() string {
	at := p.File
	if p.Line > 0 {
		at = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
	return fmt.Sprintf("%s: %s: %s", at, p.Level, p.Message)
}

// Check renders tpl for one recipient as a dry run (counters are read
// through o.Counts, never written) and checks the message. profile names
// the recipient in messages about this rendering alone. The error is not
// a finding: the context ended, or the store could not be read.
func Check(ctx context.Context, p *campaign.Project, tpl *render.Template, profile string, r render.Recipient, o campaign.Options) ([]Problem, error) {
	msg, d, err := p.Preview(ctx, tpl, r, o)
	if err != nil {
		if errors.Is(err, decide.ErrStoreUnavailable) || ctx.Err() != nil {
			return nil, err
		}
		return []Problem{renderProblem(tpl, profile, err)}, nil
	}
	return Message(p, tpl, profile, msg, d), nil
}

// renderProblem is a template that does not render for a profile, at the
// position of its error when it has one.
func renderProblem(tpl *render.Template, profile string, err error) Problem {
	pr := Problem{File: templateFile(tpl), Level: Error, Code: CodeRender}
	var e *diag.Error
	if errors.As(err, &e) && e.File != "" {
		pr.File, pr.Line, pr.Col, pr.Message = e.File, e.Line, e.Col, fmt.Sprintf("does not render for profile %s: %s", profile, e.Msg)
		return pr
	}
	pr.Message = fmt.Sprintf("does not render for profile %s: %v", profile, err)
	return pr
}

// Message checks a message rendered from tpl with decision d.
func Message(p *campaign.Project, tpl *render.Template, profile string, msg *render.Message, d *decide.Decision) []Problem {
	src := newSources(tpl, p, d)
	var out []Problem
	add := func(pos position, level Level, code, format string, args ...any) {
		out = append(out, Problem{File: pos.file, Line: pos.line, Col: pos.col, Level: level, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	whole := position{file: src.template}

	if strings.TrimSpace(msg.Subject) == "" {
		add(src.frontMatter("subject"), Error, CodeSubject, "the subject is empty for profile %s", profile)
	}
	if strings.TrimSpace(msg.Preheader) == "" {
		add(src.frontMatter("preheader"), Error, CodePreheader, "the preheader is empty for profile %s: set preheader: in the front matter (inbox preview text)", profile)
	}
	if n := len(msg.HTML); n > MaxHTML {
		add(whole, Error, CodeSize, "the HTML is %.1f KB for profile %s; Gmail clips messages over 102 KB", float64(n)/1024, profile)
	}
	if msg.Unsubscribe == "" {
		add(src.frontMatter("unsubscribe"), Warning, CodeUnsubscribe, "no unsubscribe: set unsubscribe: in the front matter (a URL or mailto), so that the message has List-Unsubscribe")
	}

	page := scanHTML(msg.HTML)
	for _, img := range page.imgs {
		where := src.find(img)
		if img == "" {
			add(where, Error, CodeImgAlt, "an <img> without src has no alt attribute")
			continue
		}
		add(where, Error, CodeImgAlt, "<img src=%q> has no alt attribute: add alt text (alt=\"\" for a decorative image)", img)
	}
	for _, href := range page.links {
		add(src.find(href), Error, CodeLink, "link %q is not http(s) or mailto", shorten(href))
	}
	for _, c := range page.css {
		add(src.findCSS(c), Warning, CodeCSS, "%s: %s", c.text, c.why)
	}
	if htmlWords, textWords := page.words, words(msg.Text); htmlWords >= 20 && textWords*2 < htmlWords {
		add(whole, Warning, CodeText, "the plain-text part has %d words, the HTML %d, for profile %s: write the text so that it says what the HTML says", textWords, htmlWords, profile)
	}
	return dedupe(out)
}

// dedupe drops a problem printed the same as an earlier one (an image used
// twice, a declaration inlined into many elements).
func dedupe(ps []Problem) []Problem {
	seen := map[string]bool{}
	out := ps[:0]
	for _, p := range ps {
		if s := p.String(); !seen[s] {
			seen[s] = true
			out = append(out, p)
		}
	}
	return out
}

func templateFile(tpl *render.Template) string {
	if files := tpl.Files(); len(files) > 0 {
		return files[0]
	}
	return tpl.Name()
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}

// words counts the words of a text.
func words(s string) int { return len(strings.Fields(s)) }
