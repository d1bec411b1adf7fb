package render

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render/message"
)

// Execute renders the message for one recipient with the propositions
// in.Propositions gives for its scopes: the body in its layout, the
// subject, preheader and unsubscribe URL; then it derives the plain text
// from the HTML, inserts the preheader and inlines the CSS. Execute only
// computes: it neither blocks nor calls back.
//
// An error in the recipient's data (a missing field in strict mode, a
// value a helper cannot format, a line break in the subject) is a
// *diag.Error (code diag.Execute) at the template position concerned, with
// its source line and caret; a panic in a helper is one too.
//
// Execute returns a Message of its own; ExecuteTo renders into buffers
// the caller reuses, which a batch does.
func (t *Template) Execute(in *Input) (*Message, error) {
	out := outputs.Get().(*Output)
	defer outputs.Put(out)
	if err := t.ExecuteTo(out, in); err != nil {
		return nil, err
	}
	m := out.Message()
	m.Propositions = in.Propositions
	return m, nil
}

// outputs are the buffers of Execute, which copies the message out of them.
var outputs = sync.Pool{New: func() any { return new(Output) }}

// ExecuteTo is Execute into out, whose buffers it reuses: give the same
// Output to the next call and rendering allocates nearly nothing. The
// previous content of out is overwritten. On an error, out holds nothing
// usable.
func (t *Template) ExecuteTo(out *Output, in *Input) error {
	if t.doc != nil {
		err := t.executeTo(out, in, t.doc)
		if !errors.Is(err, errReference) {
			return t.bind(err)
		}
	}
	return t.executeReference(out, in)
}

// executeReference is ExecuteTo the reference way: the message rendered,
// then parsed to inline its CSS and derive its text (message.Finish).
func (t *Template) executeReference(out *Output, in *Input) error {
	if err := t.executeTo(out, in, nil); err != nil {
		return t.bind(err)
	}
	html, text, err := t.styles.Finish(string(out.HTML), string(out.Preheader))
	if err != nil {
		return fmt.Errorf("render %s: %w", t.name, err)
	}
	out.HTML = append(out.HTML[:0], html...)
	out.Text = append(out.Text[:0], text...)
	return nil
}

// executeTo renders the message. With doc nil, out.HTML is left as the
// template made it, before the preheader, the CSS inlining and the plain
// text derived from it; with the template's compiled document, out.HTML
// and out.Text are final, or the error is errReference.
func (t *Template) executeTo(out *Output, in *Input, doc *compiledDoc) (err error) {
	if in == nil {
		return errors.New("render: Execute needs an Input")
	}
	props := in.Propositions
	if err := t.checkPropositions(props); err != nil {
		return err
	}

	s := t.pool.Get().(*state)
	defer t.pool.Put(s)
	s.reset()
	s.setRoot(in)
	s.props = props
	if in.MaxBytes > 0 {
		s.maxBytes = in.MaxBytes
	}
	n := len(t.scopes)
	if cap(s.items) < n {
		s.items = append(s.items[:cap(s.items)], make([][]itemData, n-cap(s.items))...)
	}
	s.items = s.items[:n] // the item slices of earlier executions, reused
	if cap(s.done) < n {
		s.done = make([]bool, n)
	}
	s.done = s.done[:n]
	clear(s.done)
	defer func() {
		if r := recover(); r != nil {
			if s.ncalls > 0 {
				c := s.calls[s.ncalls-1]
				err = c.expr.pos.errorc(diag.Execute, "helper %s failed: %v", c.h.name, r)
			} else {
				err = fmt.Errorf("render %s: internal error: %v", t.name, r)
			}
		}
		s.drop()
	}()
	return t.run(s, out, in, doc)
}

// run is executeTo's work once the state is ready, apart from it so that
// executeTo has few returns and the compiler open-codes its defers, which
// it does not for a function of many returns.
func (t *Template) run(s *state, out *Output, in *Input, doc *compiledDoc) (err error) {
	body := t.body
	out.pieces = out.pieces[:0]
	if doc != nil {
		if s.dw == nil {
			s.dw = new(message.DocWriter)
		}
		s.doc, s.preAt, body = doc.doc, -1, doc.body
		s.dw.Reset(doc.doc)
	}
	if out.HTML, err = t.render(s, out.HTML, body, true); err != nil {
		return err
	}
	out.From, out.ReplyTo, out.To = t.from, t.replyTo, in.Recipient.Email
	out.Headers = t.headers
	out.campaignID, out.recipientID = in.Campaign.ID, in.Recipient.ID
	if out.Subject, err = t.renderLine(s, out.Subject, t.subject, "subject"); err != nil {
		return err
	}
	if out.Preheader, err = t.render(s, out.Preheader, t.pre, false); err != nil {
		return err
	}
	if t.unsubSafe {
		// Made of text checked at load and urlencode's output.
		if out.Unsubscribe, err = t.render(s, out.Unsubscribe, t.unsub, false); err != nil {
			return err
		}
	} else if err = t.checkUnsubscribe(s, out); err != nil {
		return err
	}
	if doc != nil {
		var ok bool
		if s.preAt < 0 {
			return errReference
		}
		if out.HTML, ok = s.dw.Preheader(out.HTML, s.preAt, out.Preheader); !ok {
			return errReference
		}
		out.Text = s.dw.Text(out.Text[:0])
		out.pieces = s.dw.AppendPieces(out.pieces[:0])
	}
	out.Missing = append(out.Missing[:0], s.missing...)
	return nil
}

// checkUnsubscribe renders the unsubscribe URL into out and checks it:
// one line, an http(s):// or mailto: URL, nothing List-Unsubscribe
// cannot carry.
func (t *Template) checkUnsubscribe(s *state, out *Output) error {
	var err error
	if out.Unsubscribe, err = t.renderLine(s, out.Unsubscribe, t.unsub, "unsubscribe"); err != nil {
		return err
	}
	if len(out.Unsubscribe) > 0 && !isUnsubscribeURL(out.Unsubscribe) {
		return t.fm.fields["unsubscribe"].pos().errorc(diag.Execute, "unsubscribe renders as %q for this recipient, which is not an http(s):// URL or a mailto: address", out.Unsubscribe)
	}
	if containsURLUnsafe(out.Unsubscribe) {
		return t.fm.fields["unsubscribe"].pos().errorc(diag.Execute, "unsubscribe renders as %q for this recipient, with a quote, an angle bracket or a space, which List-Unsubscribe cannot carry: urlencode the data put in it", out.Unsubscribe)
	}
	return nil
}

// execute renders in as executeTo does and returns the message with the
// HTML as the template made it: Handlebars' output, for the tests that
// compare it with handlebars.js.
func (t *Template) execute(in *Input) (*Message, string, error) {
	var out Output
	if err := t.executeTo(&out, in, nil); err != nil {
		return nil, "", err
	}
	m := out.Message()
	m.Propositions = in.Propositions
	return m, string(out.HTML), nil
}

// checkPropositions makes sure the input answers the template's scopes.
func (t *Template) checkPropositions(props []Proposition) error {
	if len(props) != len(t.scopes) {
		return fmt.Errorf("render %s: Input has %d propositions for the template's %d scopes", t.name, len(props), len(t.scopes))
	}
	for i := range props {
		p, sc := &props[i], &t.scopes[i] // not copied: this runs per recipient
		if p.Scope.Activity != sc.Activity || p.Scope.Placement != sc.Placement {
			return fmt.Errorf("render %s: proposition %d is for %s/%s, want %s/%s",
				t.name, i+1, p.Scope.Activity, p.Scope.Placement, sc.Activity, sc.Placement)
		}
	}
	return nil
}

// containsURLUnsafe is bytes.ContainsAny(b, urlUnsafe), by a table.
func containsURLUnsafe(b []byte) bool {
	for _, c := range b {
		if urlUnsafeByte[c] {
			return true
		}
	}
	return false
}

var urlUnsafeByte = func() (t [256]bool) {
	for i := range len(urlUnsafe) {
		t[urlUnsafe[i]] = true
	}
	return t
}()

// bind gives an error of one recipient its source line and caret, from
// the text of the template file it is in.
func (t *Template) bind(err error) error {
	if err == nil {
		return nil
	}
	var e *diag.Error
	if errors.As(err, &e) {
		if text, ok := t.texts[e.File]; ok {
			e.Bind(text)
		}
	}
	return err
}

// render runs prog from the root, appending its output to dst[:0].
func (t *Template) render(s *state, dst []byte, prog program, html bool) ([]byte, error) {
	s.buf, s.escape = dst[:0], html
	var err error
	if prog != nil {
		err = prog.exec(s, s.root)
	}
	if err == errOverLimit {
		at := pos{file: t.path, line: 1, col: 1}
		if s.overAt != nil {
			at = *s.overAt
		}
		err = s.overLimit(at)
	}
	out := s.buf
	s.buf, s.escape = nil, true
	return out, err
}

// renderLine renders a front-matter value that becomes a header, where a
// line break would inject headers.
func (t *Template) renderLine(s *state, dst []byte, prog program, key string) ([]byte, error) {
	out, err := t.render(s, dst, prog, false)
	if err != nil {
		return out, err
	}
	if bytes.IndexByte(out, '\r') >= 0 || bytes.IndexByte(out, '\n') >= 0 {
		return out, t.fm.fields[key].pos().errorc(diag.Execute, "the %s holds a line break for this recipient (from the data?), which a header cannot carry", key)
	}
	return out, nil
}
