package render

import (
	"net/mail"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render/message"
)

// Template is a loaded email template: its body compiled (with layout and
// partials), its placeholders checked against the offer library and listed
// in document order, its front matter parsed. Loading does all the work
// that does not depend on the recipient, once.
//
// A Template is immutable and safe for concurrent use: any number of
// goroutines may call Execute at the same time.
type Template struct {
	name    string
	path    string
	body    program // the layout, with the body inside it, or the body
	subject program
	pre     program
	unsub   program
	// unsubSafe: unsub's output passes executeTo's checks for every
	// recipient (urlSafe), which then skips them.
	unsubSafe bool
	fm        *frontMatter
	from      string
	replyTo   string
	headers   [][2]string
	scopes    []Scope
	files     []string
	texts     map[string]string // of files, for the carets of errors at run time
	styles    *message.Styles   // the CSS, compiled once for inlining
	doc       *compiledDoc      // the HTML finished at load; nil: per recipient
	docErr    error             // why doc is nil
	pool      sync.Pool         // of *state
}

// Name returns the template's file name, e.g. "newsletter.hbs".
func (t *Template) Name() string { return t.name }

// Scopes returns the decisions the template needs, one per activity and
// placement, in document order of first appearance: through the layout
// (its content before {{{body}}} first) and partials.
func (t *Template) Scopes() []Scope { return slices.Clone(t.scopes) }

// Files returns every file the template depends on: itself, its layout
// and the partials it includes, for live reload.
func (t *Template) Files() []string { return slices.Clone(t.files) }

// template loads and compiles the template file name.
func (l *library) template(name string, cat Catalog) (*Template, diag.List) {
	display := l.display(name)
	text, rerr := l.read(name)
	if rerr != nil {
		return nil, diag.List{rerr}
	}
	b := newBuild(cat, l)
	b.addFile(display)

	yml, yamlLine, body, bodyLine := splitFrontMatter(display, text, &b.errs)
	fm := &frontMatter{fields: map[string]*fmField{}}
	if yamlLine > 0 {
		fm = parseFrontMatter(display, yml, yamlLine, &b.errs)
	}
	t := &Template{name: name, path: display, fm: fm, headers: fm.headers}

	// The body is compiled where the layout says {{{body}}}, so that its
	// placeholders take their place in document order.
	var bodyProg program
	compiled := false
	compileBody := func() program {
		if compiled {
			return bodyProg
		}
		compiled = true
		if bodyLine == 0 {
			return nil // unclosed front matter: no body to speak of
		}
		var src *source
		if path.Ext(name) == ".md" {
			var merr *diag.Error
			if src, merr = markdownSource(display, body, bodyLine); merr != nil {
				b.errs = append(b.errs, merr)
				return nil
			}
		} else {
			src = plainSource(display, body, bodyLine, 1)
		}
		prog, perr := parseSource(src)
		if perr != nil {
			b.errs = append(b.errs, perr)
			return nil
		}
		c := &compiler{b: b, src: src, mode: modeBody}
		bodyProg = c.compile(prog, ctxRoot)
		return bodyProg
	}

	if f := fm.fields["layout"]; f != nil {
		pf, want := l.layout(f.value)
		switch {
		case pf == nil:
			b.errs = append(b.errs, f.pos().errorc(diag.Undefined, "layout %q not found%s: create %s", f.value, l.hint("layouts", f.value), want))
			compileBody()
		case pf.err != nil:
			b.errs = append(b.errs, pf.err)
			compileBody()
		default:
			b.addFile(pf.src.file)
			c := &compiler{b: b, src: pf.src, mode: modeBody, body: compileBody}
			t.body = c.compile(pf.prog, ctxRoot)
			if !compiled {
				b.errs = append(b.errs, pf.src.pos(0).errorc(diag.Missing, "layout has no {{{body}}}: add it where the template's content goes"))
				compileBody()
			}
		}
	} else {
		t.body = compileBody()
	}

	t.subject = compileField(b, fm, "subject")
	t.pre = compileField(b, fm, "preheader")
	t.unsub = compileField(b, fm, "unsubscribe")
	t.unsubSafe = urlSafe(t.unsub)
	if f := fm.fields["unsubscribe"]; f != nil {
		static := !strings.Contains(f.value, "{{")
		switch {
		case !isUnsubscribeURL(f.value) && !strings.HasPrefix(f.value, "{{"):
			b.errs = append(b.errs, f.pos().errorf("unsubscribe must be an https:// URL or a mailto: address"))
		case static && strings.ContainsAny(f.value, urlUnsafe):
			b.errs = append(b.errs, f.pos().errorf("unsubscribe holds a quote, an angle bracket or a space, which List-Unsubscribe cannot carry: write them %%22, %%3C, %%3E, %%20"))
		case static && len("List-Unsubscribe: <>")+len(f.value) > maxHeaderLine:
			// A URL cannot be folded: it failed every recipient.
			b.errs = append(b.errs, f.pos().errorf("unsubscribe is %d octets long: its List-Unsubscribe line would pass the %d octets a header line may have", len(f.value), maxHeaderLine))
		}
	}
	t.from = checkAddress(b, fm, "from")
	t.replyTo = checkAddress(b, fm, "replyTo")

	t.scopes, t.files = b.scopes, b.files
	t.texts = make(map[string]string, len(t.files))
	for _, f := range t.files {
		t.texts[f] = l.texts[f]
	}
	t.pool.New = func() any { return new(state) }
	b.partialCycles()
	if len(b.errs) > 0 {
		return nil, b.errs
	}
	t.styles = compileStyles(t.body)
	t.doc, t.docErr = t.compileDoc()
	return t, nil
}

// urlUnsafe are the characters an unsubscribe URL cannot hold: it is
// written <URL> in List-Unsubscribe, and a quote or bracket from profile
// data could end it early (RFC 2369 wants them percent-encoded).
const urlUnsafe = "\"<> \t"

// maxHeaderLine is the longest line of a message (RFC 5322 §2.1.1).
const maxHeaderLine = 998

// maxAddress is the longest address (local@domain) a message may carry.
const maxAddress = 254

// From returns the sender of the template's front matter, "" when it has
// none (its MIME is then written from DefaultFrom, which cannot receive
// mail: sending over SMTP needs a from:).
func (t *Template) From() string { return t.from }

// compileField compiles a Handlebars front-matter value, rendered as text.
func compileField(b *build, fm *frontMatter, key string) program {
	f := fm.fields[key]
	if f == nil {
		return nil
	}
	prog, perr := parseSource(f.src)
	if perr != nil {
		b.errs = append(b.errs, perr)
		return nil
	}
	c := &compiler{b: b, src: f.src, mode: modeField, field: key}
	return c.compile(prog, ctxRoot)
}

func checkAddress(b *build, fm *frontMatter, key string) string {
	f := fm.fields[key]
	if f == nil {
		return ""
	}
	a, err := mail.ParseAddress(f.value)
	if err != nil {
		b.errs = append(b.errs, f.pos().errorf("%s %q is not an email address (%v): write it as Name <user@example.com>", key, f.value, err))
		return ""
	}
	// An address cannot be folded across lines: a longer one failed every
	// recipient when the message was written (RFC 5321 §4.5.3.1.3 allows
	// 254 octets; servers refuse more).
	if len(a.Address) > maxAddress {
		b.errs = append(b.errs, f.pos().errorf("%s address is %d octets long, over the %d mail servers accept", key, len(a.Address), maxAddress))
		return ""
	}
	return f.value
}

// urlSafe reports whether every output of prog, an unsubscribe URL,
// passes the checks executeTo makes of it: prog starts with text that
// starts as an http(s):// or mailto: URL, its text holds no line break
// and none of urlUnsafe, and the rest are {{urlencode …}} calls, whose
// output (encodeURIComponent's) holds none of them either.
func urlSafe(prog program) bool {
	if len(prog) == 0 {
		return false
	}
	if first, ok := prog[0].(*textNode); !ok || !isUnsubscribeURL(first.text) {
		return false
	}
	for _, n := range prog {
		switch n := n.(type) {
		case *textNode:
			if strings.ContainsAny(n.text, urlUnsafe+"\r\n") {
				return false
			}
		case *outputNode:
			if ce, ok := n.e.(*callExpr); !ok || ce.h.name != "urlencode" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isUnsubscribeURL[T string | []byte](s T) bool {
	return hasPrefixFold(s, "https://") || hasPrefixFold(s, "http://") || hasPrefixFold(s, "mailto:")
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix
// in any case.
func hasPrefixFold[T string | []byte](s T, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(string(s[:len(prefix)]), prefix)
}
