package api

import (
	"fmt"
	"net/http"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// decisionsOut is the answer of POST /v1/decisions.
type decisionsOut struct {
	DecisionID   string           `json:"decisionId"`
	Propositions []propositionOut `json:"propositions"`
}

type propositionOut struct {
	Activity  string              `json:"activity"`
	Placement string              `json:"placement"`
	Offers    []offerOut          `json:"offers"`
	Fallback  *fallbackOut        `json:"fallback"`
	Trace     []decide.TraceEntry `json:"trace,omitempty"`
}

type offerOut struct {
	ID      string  `json:"id"`
	Score   float64 `json:"score"`
	Rank    int     `json:"rank"`
	Token   string  `json:"token"`
	Content any     `json:"content"`
}

type fallbackOut struct {
	ID      string `json:"id"`
	Token   string `json:"token"`
	Content any    `json:"content"`
}

// imageOut is the content of an image placement.
type imageOut struct {
	URL  string `json:"url"`
	Alt  string `json:"alt"`
	Link string `json:"link"`
}

// handleDecisions answers POST /v1/decisions: decide the scopes asked for
// one recipient, count them unless dryRun, and answer the offers with
// their content rendered for the recipient.
func (s *Service) handleDecisions(w http.ResponseWriter, r *http.Request, c *call) error {
	var in decisionsIn
	if err := readBody(r, &in); err != nil {
		return err
	}
	b := s.current()
	q, err := s.decisionsRequest(r, &in, b)
	if err != nil {
		return err
	}
	res, err := s.run(r.Context(), q)
	if err != nil {
		return err
	}
	c.decisionID, c.replayed = res.id, res.replayed
	props, content, err := b.project.Content(res.d, q.recipient, q.options(res.at))
	if err != nil {
		return s.renderFailed(r.Context(), q, res, err)
	}
	out := decisionsOut{DecisionID: res.id, Propositions: make([]propositionOut, len(res.d.Propositions))}
	for i, p := range res.d.Propositions {
		po := propositionOut{Activity: p.Activity, Placement: p.Placement, Offers: make([]offerOut, 0, len(p.Offers)), Trace: p.Trace}
		for j, o := range p.Offers {
			po.Offers = append(po.Offers, offerOut{ID: o.ID, Score: o.Score, Rank: o.Rank,
				Token: props[i].Items[j].Token, Content: contentValue(props[i].Type, &props[i].Items[j], content[i][j])})
		}
		if p.Fallback != nil {
			j := len(p.Offers)
			po.Fallback = &fallbackOut{ID: p.Fallback.ID, Token: props[i].Items[j].Token,
				Content: contentValue(props[i].Type, &props[i].Items[j], content[i][j])}
		}
		out.Propositions[i] = po
	}
	s.countPropositions(res.d)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// decisionsRequest checks a decisions request against the library.
func (s *Service) decisionsRequest(r *http.Request, in *decisionsIn, b *loaded) (*decision, error) {
	q := &decision{b: b, route: "decisions", dryRun: in.DryRun, trace: in.Trace}
	var err error
	if q.recipient, err = in.Recipient.recipient(false); err != nil {
		return nil, err
	}
	if q.campaign, err = s.campaignOf(in.Campaign); err != nil {
		return nil, err
	}
	var given bool
	if q.at, given, err = decisionTime(in.At, s.now()); err != nil {
		return nil, err
	}
	switch n := len(in.PropositionRequests); {
	case n == 0:
		return nil, invalid("propositionRequests", `missing; ask for at least one {"activity", "placement"}`)
	case n > maxScopes:
		return nil, invalid("propositionRequests", "%d scopes; at most %d in one request", n, maxScopes)
	}
	lib := b.project.Library
	for i, sr := range in.PropositionRequests {
		field := fmt.Sprintf("propositionRequests[%d]", i)
		activity, err := name(field+".activity", sr.Activity)
		if err != nil {
			return nil, err
		}
		placement, err := name(field+".placement", sr.Placement)
		if err != nil {
			return nil, err
		}
		if err := scopeError(lib, activity, placement, field); err != nil {
			return nil, err
		}
		sc := decide.Scope{Activity: activity, Placement: placement}
		if sr.Items != nil {
			if *sr.Items < 1 || *sr.Items > maxItems {
				return nil, invalid(field+".items", "%d; want 1 to %d", *sr.Items, maxItems)
			}
			sc.Items = *sr.Items
		}
		q.scopes = append(q.scopes, sc)
	}
	if err := s.idempotency(r, q, in, given); err != nil {
		return nil, err
	}
	return q, nil
}

// contentValue is an offer's content as SPEC §9 answers it: a string for
// html and text, {"url", "alt", "link"} for an image, the value for json.
func contentValue(typ render.ContentType, it *render.Item, c render.Content) any {
	switch typ {
	case render.ContentImage:
		return imageOut{URL: c.Image, Alt: c.Alt, Link: c.Link}
	case render.ContentJSON:
		return it.JSON
	}
	return c.Content
}

// countPropositions feeds the fallback metric.
func (s *Service) countPropositions(d *decide.Decision) {
	for _, p := range d.Propositions {
		if p.Fallback != nil {
			s.metrics.fallbacks.WithLabelValues(p.Activity, p.Placement).Inc()
		}
	}
}
