package campaign

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/internal/suggest"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

// Catalog returns the library as render's loader sees it.
func (p *Project) Catalog() render.Catalog { return catalog{p.Library} }

type catalog struct{ lib *decide.Library }

func (c catalog) PlacementType(activity, placement string) (render.ContentType, error) {
	a := c.lib.Activity(activity)
	if a == nil {
		return "", fmt.Errorf("%w %q%s", render.ErrUnknownActivity, activity, suggest.DidYouMean(activity, c.lib.ActivityIDs()))
	}
	pl := c.lib.Placement(placement)
	if pl == nil {
		return "", fmt.Errorf("%w %q%s", render.ErrUnknownPlacement, placement, suggest.DidYouMean(placement, c.lib.PlacementIDs()))
	}
	if a.ActivityPlacement(placement) == nil {
		var used []string
		for _, ap := range a.Placements {
			used = append(used, strconv.Quote(ap.Placement))
		}
		return "", fmt.Errorf("%w: activity %q does not use placement %q (it uses %s)", render.ErrPlacementNotInActivity, activity, placement, strings.Join(used, ", "))
	}
	return render.ContentType(pl.Content), nil
}

// DefaultItems is how many offers a placement of an activity shows when a
// placeholder does not say: the activity's items, or the placement's.
func (c catalog) DefaultItems(activity, placement string) int {
	a, pl := c.lib.Activity(activity), c.lib.Placement(placement)
	if a == nil || pl == nil {
		return 0
	}
	if ap := a.ActivityPlacement(placement); ap != nil && ap.Items > 0 {
		return ap.Items
	}
	return pl.Items
}

// LoadTemplates loads every template of dir against the library.
func (p *Project) LoadTemplates(dir string) (*render.Set, error) {
	return render.LoadDir(dir, p.Catalog())
}

// LoadTemplate loads one template file against the library.
func (p *Project) LoadTemplate(path string) (*render.Template, error) {
	return render.LoadFile(path, p.Catalog())
}

// Scopes converts a template's scopes to the engine's.
func Scopes(tpl *render.Template) []decide.Scope {
	in := tpl.Scopes()
	out := make([]decide.Scope, len(in))
	for i, s := range in {
		out[i] = decide.Scope{Activity: s.Activity, Placement: s.Placement, Items: s.Items}
	}
	return out
}

// Propositions adapts a decision to what render takes as data: one
// render.Proposition per scope, in the order given (a template's Scopes()),
// its items carrying the compiled offer content and the tracking token of
// the campaign of o and recipient (sealed when o.Tracker has a secret). It
// is the one place a decide.Decision becomes render input, for dry runs,
// real runs and replayed decisions alike.
func (p *Project) Propositions(scopes []render.Scope, d *decide.Decision, o Options, recipient string) ([]render.Proposition, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	if d == nil {
		return nil, errors.New("no decision for the template's scopes")
	}
	out := make([]render.Proposition, len(scopes))
	// The items of every scope share one array, and their tokens one
	// string: a message costs three allocations here however many offers
	// it shows.
	n := 0
	for _, sc := range scopes {
		prop := find(d, sc)
		if prop == nil {
			return nil, fmt.Errorf("no decision for %s/%s", sc.Activity, sc.Placement)
		}
		n += len(prop.Offers)
		if prop.Fallback != nil {
			n++
		}
	}
	var items []render.Item
	if n > 0 {
		items = make([]render.Item, 0, n)
	}
	var tokenBuf [1024]byte
	var endBuf [16]int
	tokens, ends := tokenBuf[:0], endBuf[:0]
	for i, sc := range scopes {
		prop := find(d, sc)
		pl := p.Library.Placement(sc.Placement)
		rp := render.Proposition{Scope: sc, Type: render.ContentType(pl.Content)}
		first := len(items)
		for _, c := range prop.Offers {
			items = append(items, p.item(c.Offer, sc, c.Rank, false))
			tokens = appendToken(tokens, c.Offer, sc, o, recipient)
			ends = append(ends, len(tokens))
		}
		if prop.Fallback != nil {
			items = append(items, p.item(prop.Fallback.Offer, sc, 1, true))
			tokens = appendToken(tokens, prop.Fallback.Offer, sc, o, recipient)
			ends = append(ends, len(tokens))
		}
		if len(items) > first {
			rp.Items = items[first:len(items):len(items)]
		}
		out[i] = rp
	}
	all, start := string(tokens), 0
	for k, end := range ends {
		items[k].Token, start = all[start:end], end
	}
	return out, nil
}

func find(d *decide.Decision, sc render.Scope) *decide.Proposition {
	for i := range d.Propositions {
		p := &d.Propositions[i]
		if p.Activity == sc.Activity && p.Placement == sc.Placement {
			return p
		}
	}
	return nil
}

// item is the render item of offer o in scope sc, without its token
// (see appendToken).
func (p *Project) item(o *decide.Offer, sc render.Scope, rank int, fallback bool) render.Item {
	it := render.Item{ID: o.ID, Name: o.Name, Attributes: o.Attributes, Tags: o.Tags, IsFallback: fallback, Rank: rank}
	if s := p.content[contentKey{o, sc.Placement}]; s != nil {
		it.Content, it.Link, it.Image, it.Alt = s.content, s.link, s.image, s.alt
	}
	if c := o.Content[sc.Placement]; c != nil {
		it.JSON = c.JSON
	}
	return it
}

// appendToken appends the tracking token of offer of in scope sc.
func appendToken(dst []byte, of *decide.Offer, sc render.Scope, o Options, recipient string) []byte {
	return o.Tracker.AppendProposition(dst, track.Proposition{
		Campaign: o.Campaign.ID, Recipient: recipient, Activity: sc.Activity, Placement: sc.Placement, Offer: of.ID})
}
