package campaign

import (
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// Content renders the offer content of every proposition of d for one
// recipient, as the placeholders of a template would: content[i][j] is the
// j-th item (offers, then the fallback) of props[i], which adapts
// d.Propositions[i]. Channels that place offers themselves (web, app; the
// decisioning service) show these.
func (p *Project) Content(d *decide.Decision, r render.Recipient, o Options) (props []render.Proposition, content [][]render.Content, err error) {
	scopes := make([]render.Scope, len(d.Propositions))
	for i, prop := range d.Propositions {
		scopes[i] = render.Scope{Activity: prop.Activity, Placement: prop.Placement}
	}
	if props, err = p.Propositions(scopes, d, o, r.ID); err != nil {
		return nil, nil, err
	}
	in := &render.Input{Recipient: r, Campaign: o.Campaign, Now: o.Now, Strict: o.Strict, Propositions: props}
	if o.Tracker.Tracking() {
		in.Links = o.Tracker
	}
	content, err = render.RenderContent(in)
	if err != nil {
		return nil, nil, err
	}
	return props, content, nil
}
