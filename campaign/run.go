package campaign

import (
	"context"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// Options are what one recipient's decision and rendering need beside the
// recipient.
type Options struct {
	// Campaign names the run; its id goes into tracking tokens and seeds
	// tie-breaks unless Seed is set.
	Campaign render.Campaign
	Seed     string
	// Now is the decision time, the same for every recipient of a run.
	Now time.Time
	// Counts reads cap counters; nil reads every counter as 0.
	Counts decide.Counts
	// Stats is the feedback learned ranking samples from; nil is none.
	Stats decide.Stats
	// Trace asks the engine to explain every decision.
	Trace bool
	// Strict makes a missing field written out by the template an error.
	Strict bool
}

// Decide decides scopes for one recipient. It only reads counters.
func (p *Project) Decide(ctx context.Context, scopes []decide.Scope, r render.Recipient, o Options) (*decide.Decision, error) {
	return p.Engine.Decide(ctx, &decide.Request{
		Campaign: o.Campaign.ID, Recipient: r.ID, Profile: r.Profile, Context: r.Context,
		Now: o.Now, Seed: o.Seed, Scopes: scopes, Counts: o.Counts, Stats: o.Stats, Trace: o.Trace,
	})
}

// Render renders tpl for one recipient with a decision already made for
// the template's scopes.
func (p *Project) Render(ctx context.Context, tpl *render.Template, r render.Recipient, o Options, d *decide.Decision) (*render.Message, error) {
	return tpl.Execute(ctx, &render.Input{
		Recipient: r, Campaign: o.Campaign, Now: o.Now, Strict: o.Strict,
		Decider: decider{p: p, d: d, campaign: o.Campaign.ID, recipient: r.ID},
	})
}

// Preview decides and renders one recipient as a dry run: counters are
// read, never written.
func (p *Project) Preview(ctx context.Context, tpl *render.Template, r render.Recipient, o Options) (*render.Message, *decide.Decision, error) {
	d, err := p.Decide(ctx, Scopes(tpl), r, o)
	if err != nil {
		return nil, nil, err
	}
	msg, err := p.Render(ctx, tpl, r, o, d)
	if err != nil {
		return nil, d, err
	}
	return msg, d, nil
}

// Rendered is a rendered message as JSON (`mailpreview render --format
// json` and batch's json format): SPEC §7's subject, preheader, html, text
// and propositions, and the profile fields the template missed.
type Rendered struct {
	Subject      string               `json:"subject"`
	Preheader    string               `json:"preheader"`
	HTML         string               `json:"html"`
	Text         string               `json:"text"`
	Propositions []decide.Proposition `json:"propositions"`
	Missing      []render.Missing     `json:"missing,omitempty"`
}

// NewRendered is the JSON form of msg, decided by d.
func NewRendered(msg *render.Message, d *decide.Decision) Rendered {
	return Rendered{Subject: msg.Subject, Preheader: msg.Preheader, HTML: msg.HTML, Text: msg.Text,
		Propositions: d.Propositions, Missing: msg.Missing}
}
