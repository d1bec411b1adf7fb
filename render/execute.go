package render

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/offermail/offermail/diag"
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
func (t *Template) Execute(in *Input) (*Message, error) {
	m, html, err := t.execute(in)
	if err != nil {
		return nil, t.bind(err)
	}
	if m.HTML, m.Text, err = t.styles.Finish(html, m.Preheader); err != nil {
		return nil, fmt.Errorf("render %s: %w", t.name, err)
	}
	return m, nil
}

// execute renders everything but the final HTML, which it returns as the
// template made it: before the preheader, the CSS inlining and the plain
// text derived from it.
func (t *Template) execute(in *Input) (msg *Message, html string, err error) {
	if in == nil {
		return nil, "", errors.New("render: Execute needs an Input")
	}
	props := in.Propositions
	if err := t.checkPropositions(props); err != nil {
		return nil, "", err
	}

	s := t.pool.Get().(*state)
	defer t.pool.Put(s)
	s.reset()
	s.setRoot(in)
	s.props = props
	for len(s.items) < len(t.scopes) {
		s.items = append(s.items, nil)
	}
	s.items = s.items[:len(t.scopes)]
	s.done = append(s.done[:0], make([]bool, len(t.scopes))...)
	defer func() {
		if r := recover(); r != nil {
			msg, html = nil, ""
			if s.ncalls > 0 {
				c := s.calls[s.ncalls-1]
				err = c.expr.pos.errorc(diag.Execute, "helper %s failed: %v", c.h.name, r)
			} else {
				err = fmt.Errorf("render %s: internal error: %v", t.name, r)
			}
		}
	}()

	if html, err = t.render(s, t.body, true); err != nil {
		return nil, "", err
	}
	m := &Message{
		From: t.from, ReplyTo: t.replyTo, To: in.Recipient.Email,
		Headers:      slices.Clone(t.headers),
		Propositions: props,
		campaignID:   in.Campaign.ID, recipientID: in.Recipient.ID,
	}
	if m.Subject, err = t.renderLine(s, t.subject, "subject"); err != nil {
		return nil, "", err
	}
	if m.Preheader, err = t.render(s, t.pre, false); err != nil {
		return nil, "", err
	}
	if m.Unsubscribe, err = t.renderLine(s, t.unsub, "unsubscribe"); err != nil {
		return nil, "", err
	}
	if m.Unsubscribe != "" && !isUnsubscribeURL(m.Unsubscribe) {
		return nil, "", t.fm.fields["unsubscribe"].pos().errorc(diag.Execute, "unsubscribe renders as %q for this recipient, which is not an http(s):// URL or a mailto: address", m.Unsubscribe)
	}
	if len(s.missing) > 0 {
		m.Missing = slices.Clone(s.missing)
	}
	return m, html, nil
}

// checkPropositions makes sure the input answers the template's scopes.
func (t *Template) checkPropositions(props []Proposition) error {
	if len(props) != len(t.scopes) {
		return fmt.Errorf("render %s: Input has %d propositions for the template's %d scopes", t.name, len(props), len(t.scopes))
	}
	for i, p := range props {
		sc := t.scopes[i]
		if p.Scope.Activity != sc.Activity || p.Scope.Placement != sc.Placement {
			return fmt.Errorf("render %s: proposition %d is for %s/%s, want %s/%s",
				t.name, i+1, p.Scope.Activity, p.Scope.Placement, sc.Activity, sc.Placement)
		}
	}
	return nil
}

// bind gives an error of one recipient its source line and caret, from
// the text of the template file it is in.
func (t *Template) bind(err error) error {
	var e *diag.Error
	if errors.As(err, &e) {
		if text, ok := t.texts[e.File]; ok {
			e.Bind(text)
		}
	}
	return err
}

// render runs prog from the root and returns its output.
func (t *Template) render(s *state, prog program, html bool) (string, error) {
	if prog == nil {
		return "", nil
	}
	s.buf, s.escape = s.buf[:0], html
	err := prog.exec(s, s.root)
	s.escape = true
	if err != nil {
		return "", err
	}
	return string(s.buf), nil
}

// renderLine renders a front-matter value that becomes a header, where a
// line break would inject headers.
func (t *Template) renderLine(s *state, prog program, key string) (string, error) {
	out, err := t.render(s, prog, false)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(out, "\r\n") {
		return "", t.fm.fields[key].pos().errorc(diag.Execute, "the %s holds a line break for this recipient (from the data?), which a header cannot carry", key)
	}
	return out, nil
}
