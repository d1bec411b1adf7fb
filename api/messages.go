package api

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
)

// messagesOut is the answer of POST /v1/messages: the message as
// `mailpreview render --format json` prints it, and its decision id.
type messagesOut struct {
	DecisionID        string `json:"decisionId"`
	campaign.Rendered `json:",inline"`
}

// handleMessages answers POST /v1/messages: decide the template's scopes
// for one recipient, count them unless dryRun, render the message, and
// answer it as JSON or, for Accept: message/rfc822, as MIME.
func (s *Service) handleMessages(w http.ResponseWriter, r *http.Request, c *call) error {
	var in messagesIn
	if err := readBody(r, &in); err != nil {
		return err
	}
	b := s.current()
	q := &decision{b: b, route: "messages", dryRun: in.DryRun, trace: in.Trace}
	tplName, err := name("template", in.Template)
	if err != nil {
		return err
	}
	tpl := b.templateNamed(tplName)
	if tpl == nil {
		return notFound(CodeTemplate, "template", "unknown template %q; the templates are %s", tplName, templateNames(b.templates))
	}
	q.template = tpl.Name()
	if q.recipient, err = in.Recipient.recipient(true); err != nil {
		return err
	}
	// A recipient who unsubscribed gets no message (SPEC §10), dry run
	// or not.
	suppressed, err := s.store.Suppressed(r.Context(), []string{q.recipient.ID})
	if err != nil {
		return err
	}
	if suppressed[0] {
		return &Error{Status: http.StatusConflict, Code: CodeSuppressed, Field: "recipient.id",
			Message: fmt.Sprintf("recipient %q is on the suppression list (unsubscribed, or added with mailpreview suppress): no message is made for them", q.recipient.ID)}
	}
	if q.campaign, err = s.campaignOf(in.Campaign); err != nil {
		return err
	}
	var given bool
	if q.at, given, err = decisionTime(in.At, s.now()); err != nil {
		return err
	}
	q.scopes = campaign.Scopes(tpl)
	if err := s.idempotency(r, q, &in, given); err != nil {
		return err
	}
	mimeWanted := wantsMIME(r.Header.Values("Accept"))

	res, err := s.run(r.Context(), q)
	if err != nil {
		return err
	}
	c.decisionID, c.replayed = res.id, res.replayed
	o := q.options(res.at)
	o.Ledger, o.Entry = res.ledger, res.entry
	// A dry run is recorded nowhere: its pixel finds no ledger entry and
	// counts nothing; its unsubscribe link works as any other.
	msg, err := b.project.Render(tpl, q.recipient, o, res.d)
	if err != nil {
		return s.renderFailed(r.Context(), q, res, err)
	}
	s.countPropositions(res.d)
	if mimeWanted {
		// One recipient gets many messages: each has a Message-ID of its
		// own, and its Date is the decision time, so that a retry gets
		// the same bytes.
		msg.IDKey = "api/" + res.id
		var buf bytes.Buffer
		if err := campaign.Encode(&buf, campaign.EML, msg, res.d, res.at); err != nil {
			return s.renderFailed(r.Context(), q, res, err)
		}
		h := w.Header()
		h.Set("Content-Type", "message/rfc822")
		h.Set("X-Decision-Id", res.id)
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
		return nil
	}
	writeJSON(w, http.StatusOK, messagesOut{DecisionID: res.id, Rendered: campaign.NewRendered(msg, res.d)})
	return nil
}

// wantsMIME reports whether an Accept header asks for message/rfc822
// (and does not refuse it with q=0).
func wantsMIME(accept []string) bool {
	for _, a := range accept {
		for part := range strings.SplitSeq(a, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == "message/rfc822" && params["q"] != "0" {
				return true
			}
		}
	}
	return false
}

// templateNames lists the loaded templates for an error message.
func templateNames(set *render.Set) string {
	var names []string
	for _, t := range set.Templates() {
		names = append(names, t.Name())
	}
	if len(names) == 0 {
		return "none (start the service with --templates DIR)"
	}
	return strings.Join(names, ", ")
}
