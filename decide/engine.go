package decide

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Engine decides which offers fill a message's placeholders. It is safe for
// concurrent use by any number of goroutines; scratch space for a decision
// is pooled, so a decision allocates little besides its result.
type Engine struct {
	lib  *Library
	pool sync.Pool
}

// New returns an engine over a loaded library.
func New(lib *Library) *Engine {
	e := &Engine{lib: lib}
	e.pool.New = func() any { return newState(lib) }
	return e
}

// Library returns the engine's library.
func (e *Engine) Library() *Library { return e.lib }

// Scope names one decision placeholder: an activity and one of its
// placements.
type Scope struct {
	Activity  string
	Placement string
	// Items overrides the number of offers; 0 keeps the activity's
	// setting, or else the placement's default.
	Items int
}

// Counts reads cap counters during a decision. A nil Counts reads every
// counter as 0.
type Counts interface {
	Count(ctx context.Context, key string) (int64, error)
}

// Stats gives the feedback a learned ranking (model:<id>) samples from.
// A nil Stats is no feedback at all.
type Stats interface {
	// Feedback is the statistics of offer in placement as model (the id
	// of model:<id>) counts them: over its window, or all time.
	Feedback(model, offer, placement string) (impressions, clicks int64)
}

// Request is one recipient's decision for one message.
type Request struct {
	Campaign  string
	Recipient string
	Profile   map[string]any
	Context   map[string]any
	// Now is the decision time, the same for every recipient of a run.
	Now time.Time
	// Seed breaks ties and seeds learned ranking; "" means Campaign.
	Seed string
	// Scopes in document order of the message; an offer chosen for one is
	// not chosen for a later one unless duplicates are allowed (§4.3).
	Scopes []Scope
	Counts Counts
	Stats  Stats
	// Trace asks for the fate of every candidate (§4.6); a decision
	// without a trace stops reading candidates once its slots are filled.
	Trace bool
	// Entry is where Reserver records the decision of a real run; nil
	// is one entry per (Campaign, Recipient). Engine.Decide ignores it.
	Entry *Entry
}

// Decision is the result of a Request: one proposition per scope, in order.
type Decision struct {
	Propositions []Proposition `json:"propositions"`
	// Counters are the cap counters this decision increments; a real run
	// reserves them with Store.Reserve.
	Counters []Counter `json:"-"`
}

// Proposition is the decision for one scope: offers, or the fallback, or
// nothing at all — never offers and the fallback together.
type Proposition struct {
	Activity  string       `json:"activity"`
	Placement string       `json:"placement"`
	Offers    []Choice     `json:"offers"`
	Fallback  *Ref         `json:"fallback"` // shared by the library's decisions: read only
	Trace     []TraceEntry `json:"trace,omitempty"`
}

// Choice is a chosen offer.
type Choice struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
	Rank  int     `json:"rank"` // 1-based
	Offer *Offer  `json:"-"`
}

// Ref names the fallback offer.
type Ref struct {
	ID    string `json:"id"`
	Offer *Offer `json:"-"`
}

// ErrUnknownScope is wrapped by Decide for an activity or placement that
// the library does not have.
var ErrUnknownScope = errors.New("unknown decision scope")

// ScopeError returns an error naming what is wrong with a scope, or nil when
// the library can decide it.
func (lib *Library) ScopeError(activity, placement string) error {
	a := lib.activities[activity]
	if a == nil {
		return fmt.Errorf("%w: unknown activity %q%s", ErrUnknownScope, activity, suggest(activity, lib.activityIDs))
	}
	if lib.plans[scopeKey{activity, placement}] == nil {
		if lib.placements[placement] == nil {
			return fmt.Errorf("%w: unknown placement %q%s", ErrUnknownScope, placement, suggest(placement, lib.placementIDs))
		}
		var used []string
		for _, ap := range a.Placements {
			used = append(used, ap.Placement)
		}
		return fmt.Errorf("%w: activity %q does not use placement %q (it uses %s)", ErrUnknownScope, activity, placement, orList(used))
	}
	return nil
}

// Decide chooses the offers of every scope of the request. It only reads
// counters; a real run reserves Decision.Counters afterwards.
func (e *Engine) Decide(ctx context.Context, req *Request) (*Decision, error) {
	if req.Now.IsZero() {
		return nil, errors.New("decide: the decision time (Request.Now) is not set")
	}
	st := e.pool.Get().(*state)
	defer e.pool.Put(st)
	st.reset(ctx, req)

	st.plans = st.plans[:0]
	for _, sc := range req.Scopes {
		st.plans = append(st.plans, e.lib.plans[scopeKey{sc.Activity, sc.Placement}])
	}
	d := st.newDecision(req.Scopes)
	for k, sc := range req.Scopes {
		key := scopeKey{sc.Activity, sc.Placement}
		if i := st.scopeIndex(key); i >= 0 {
			// Two placeholders naming one scope show one decision.
			d.Propositions = append(d.Propositions, d.Propositions[st.scopeAt[i]])
			continue
		}
		pl := st.plans[k]
		if pl == nil {
			return nil, e.lib.ScopeError(sc.Activity, sc.Placement)
		}
		p, err := st.decideScope(pl, sc.Items)
		if err != nil {
			return nil, fmt.Errorf("decide %s/%s: %w", sc.Activity, sc.Placement, err)
		}
		st.scopes = append(st.scopes, key)
		st.scopeAt = append(st.scopeAt, len(d.Propositions))
		d.Propositions = append(d.Propositions, p)
	}
	if len(st.pending) > 0 {
		d.Counters = append([]Counter(nil), st.pending...)
	}
	st.spare = nil
	return d, nil
}

// activeAt reports whether t is inside [start, end); zero bounds are open.
func activeAt(start, end, t time.Time) bool {
	return (start.IsZero() || !t.Before(start)) && (end.IsZero() || t.Before(end))
}

// decideScope runs SPEC §4 for one scope.
func (st *state) decideScope(pl *plan, items int) (Proposition, error) {
	p := Proposition{Activity: pl.activity.ID, Placement: pl.placement.ID, Offers: st.choices(0)}
	a := pl.activity
	if a.Status != ActivityLive {
		st.traceInactive(&p, fmt.Sprintf("activity %q is %s; only live activities decide", a.ID, a.Status))
		return p, nil
	}
	if !activeAt(a.Start, a.End, st.now) {
		st.traceInactive(&p, fmt.Sprintf("activity %q is not running at %s (%s)", a.ID, st.now.Format(time.RFC3339), activeWindow(a.Start, a.End)))
		return p, nil
	}
	n := pl.items
	if items > 0 {
		n = items
	}
	st.beginScope(pl)
	st.result = st.result[:0]
	for _, g := range pl.groups {
		if len(st.result) >= n {
			if st.req.Trace {
				st.traceSkipped(g, n)
			}
			continue
		}
		var err error
		switch {
		case st.req.Trace:
			err = st.evalAll(pl, g, n)
		case g.static:
			err = st.walkStatic(pl, g, n)
		default:
			err = st.walkDynamic(pl, g, n)
		}
		if err != nil {
			return p, err
		}
		// A cancelled decision evaluates nothing more; what it chose so
		// far is not a decision.
		if st.ev.cancelled != nil {
			return p, st.ev.cancelled
		}
	}
	if len(st.result) == 0 {
		if pl.fallback != nil {
			p.Fallback = pl.fallbackRef
		}
		st.traceFallback(pl)
	} else {
		p.Offers = append(st.choices(len(st.result)), st.result...)
		for _, c := range st.result {
			st.choose(pl, c.Offer)
		}
	}
	if st.req.Trace {
		p.Trace = st.takeTrace()
	}
	return p, nil
}

func activeWindow(start, end time.Time) string {
	switch {
	case start.IsZero():
		return "it ends " + end.Format(time.RFC3339)
	case end.IsZero():
		return "it starts " + start.Format(time.RFC3339)
	}
	return "it runs from " + start.Format(time.RFC3339) + " to " + end.Format(time.RFC3339)
}
