package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
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
	// Tracker makes the tracking tokens of offers ({{token}}): sealed with
	// a secret, readable without one (nil). With a public URL too, it
	// turns offer links into click redirects, gives {{trackingPixel}} the
	// message's open pixel, and a message without an unsubscribe of its
	// own the one-click unsubscribe URL (SPEC §10).
	Tracker *track.Tracker
	// Ledger and Entry name where the message's decision is recorded, for
	// its message token (the open pixel reads the offers there); "" for
	// both is the entry of the recipient in the campaign's ledger, as
	// batch runs record it.
	Ledger, Entry string
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
	in, messageToken, err := p.input(tpl, r, o, d)
	if err != nil {
		return nil, err
	}
	msg, err := tpl.Execute(in)
	if err != nil {
		return nil, err
	}
	if msg.Unsubscribe == "" && messageToken != "" {
		// RFC 8058 one-click: the MIME writer adds List-Unsubscribe-Post
		// for an https or http URL.
		msg.Unsubscribe = o.Tracker.UnsubscribeURL(messageToken)
	}
	return msg, nil
}

// RenderTo is Render into out, whose buffers the next call reuses
// (render.Template.ExecuteTo): a batch worker renders recipient after
// recipient into one Output.
func (p *Project) RenderTo(out *render.Output, tpl *render.Template, r render.Recipient, o Options, d *decide.Decision) error {
	in, messageToken, err := p.input(tpl, r, o, d)
	if err != nil {
		return err
	}
	if err := tpl.ExecuteTo(out, in); err != nil {
		return err
	}
	if len(out.Unsubscribe) == 0 && messageToken != "" {
		out.Unsubscribe = append(out.Unsubscribe, o.Tracker.UnsubscribeURL(messageToken)...)
	}
	return nil
}

// input is what tpl executes for one recipient, and the message's
// tracking token ("" when the run does not track).
func (p *Project) input(tpl *render.Template, r render.Recipient, o Options, d *decide.Decision) (*render.Input, string, error) {
	scopes := tpl.Scopes() // a copy: taken once
	props, err := p.Propositions(scopes, d, o, r.ID)
	if err != nil {
		return nil, "", fmt.Errorf("render %s for recipient %s: %w", tpl.Name(), r.ID, err)
	}
	in := &render.Input{
		Recipient: r, Campaign: o.Campaign, Now: o.Now, Strict: o.Strict, MaxBytes: o.MaxBytes, Propositions: props,
	}
	var messageToken string
	if o.Tracker.Tracking() {
		m := track.Message{Campaign: o.Campaign.ID, Recipient: r.ID, Ledger: o.Ledger, Entry: o.Entry}
		for _, sc := range scopes {
			m.Scopes = append(m.Scopes, track.Scope{Activity: sc.Activity, Placement: sc.Placement})
		}
		messageToken = o.Tracker.Message(m)
		in.Links, in.Pixel = o.Tracker, o.Tracker.PixelURL(messageToken)
	}
	return in, messageToken, nil
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
