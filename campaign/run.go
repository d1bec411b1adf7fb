package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
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
	// MaxBytes bounds each rendered part of a message (render.Input);
	// 0 means render.DefaultMaxBytes.
	MaxBytes int
}

// NewRequest is the decision request for one recipient and the scopes of a
// message: the one place a decide.Request is built, for dry runs
// (Engine.Decide), real runs (Reserver.Reserve) and the decisioning
// service alike.
func NewRequest(r render.Recipient, scopes []decide.Scope, o Options) *decide.Request {
	return &decide.Request{
		Campaign: o.Campaign.ID, Recipient: r.ID, Profile: r.Profile, Context: r.Context,
		Now: o.Now, Seed: o.Seed, Scopes: scopes, Counts: o.Counts, Stats: o.Stats, Trace: o.Trace,
	}
}

// Recipient is a record of a recipients file or a profile as the template
// sees it.
func Recipient(rec *recipients.Record) render.Recipient {
	r := render.Recipient{ID: rec.ID, Email: rec.Email, Profile: rec.Profile, Context: rec.Context}
	if rec.Order != nil {
		r.Order = rec.Order // a nil *KeyOrder would be a non-nil interface
	}
	return r
}

// Decide decides scopes for one recipient. It only reads counters.
func (p *Project) Decide(ctx context.Context, scopes []decide.Scope, r render.Recipient, o Options) (*decide.Decision, error) {
	return p.Engine.Decide(ctx, NewRequest(r, scopes, o))
}

// Render renders tpl for one recipient with a decision already made for
// the template's scopes (by Decide, by a decide.Reserver, or replayed from
// the ledger).
func (p *Project) Render(tpl *render.Template, r render.Recipient, o Options, d *decide.Decision) (*render.Message, error) {
	props, err := p.Propositions(tpl.Scopes(), d, o.Campaign.ID, r.ID)
	if err != nil {
		return nil, fmt.Errorf("render %s for recipient %s: %w", tpl.Name(), r.ID, err)
	}
	return tpl.Execute(&render.Input{
		Recipient: r, Campaign: o.Campaign, Now: o.Now, Strict: o.Strict, MaxBytes: o.MaxBytes, Propositions: props,
	})
}

// Preview decides and renders one recipient as a dry run: counters are
// read, never written.
func (p *Project) Preview(ctx context.Context, tpl *render.Template, r render.Recipient, o Options) (*render.Message, *decide.Decision, error) {
	d, err := p.Decide(ctx, Scopes(tpl), r, o)
	if err != nil {
		return nil, nil, err
	}
	msg, err := p.Render(tpl, r, o, d)
	if err != nil {
		return nil, d, err
	}
	return msg, d, nil
}
