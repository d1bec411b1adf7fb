package decide

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// step is a stage of SPEC §4 step 2 that can drop a candidate, in order.
type step int

const (
	stepStatus step = iota + 1
	stepDates
	stepContent
	stepEligibility
	stepCriterion
	stepCapped
	stepDuplicate
)

var stepNames = [...]string{"", "status", "dates", "content", "eligibility", "criterion", "capped", "duplicate"}

func (s step) String() string { return stepNames[s] }

// evalAll evaluates every candidate of a group, the reference algorithm of
// §4; with Trace it records the fate of each.
func (st *state) evalAll(pl *plan, g *groupPlan, n int) error {
	tier := st.tier[:0]
	var dropped []TraceEntry
	for _, cand := range g.cands {
		if st.inResult(cand.offer) {
			if st.req.Trace {
				dropped = append(dropped, TraceEntry{Offer: cand.offer.ID, Group: g.number, Outcome: OutcomeDropped, Step: stepDuplicate.String(),
					Reason: "already chosen for this placement by an earlier group"})
			}
			continue
		}
		r, drop, err := st.check(pl, g, cand)
		if err != nil {
			return err
		}
		if drop != nil {
			if st.req.Trace {
				dropped = append(dropped, *drop)
			}
			continue
		}
		tier = append(tier, r)
	}
	sortRanked(tier)
	start := len(st.result)
	for i, r := range tier {
		chosen := len(st.result) < n
		if chosen {
			st.result = append(st.result, Choice{ID: r.cand.offer.ID, Score: r.score, Rank: len(st.result) + 1, Offer: r.cand.offer})
		}
		if st.req.Trace {
			st.trace = append(st.trace, rankedEntry(g, r, chosen, start+i+1, n))
		}
	}
	st.trace = append(st.trace, dropped...)
	st.tier = tier[:0]
	return nil
}

// sortRanked orders by score, highest first, then by tie hash: equal scores
// are broken pseudo-randomly but reproducibly (§4.1).
func sortRanked(rs []ranked) {
	slices.SortFunc(rs, func(a, b ranked) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
}

// check runs the steps of §4 on one candidate, in the spec's order, and
// returns its score or the entry saying which step dropped it.
func (st *state) check(pl *plan, g *groupPlan, cand *candidate) (ranked, *TraceEntry, error) {
	o := cand.offer
	drop := func(s step, format string, args ...any) *TraceEntry {
		return &TraceEntry{Offer: o.ID, Group: g.number, Outcome: OutcomeDropped, Step: s.String(), Reason: fmt.Sprintf(format, args...)}
	}
	if cand.drop == stepStatus {
		return ranked{}, drop(stepStatus, "status is %s; only approved offers are decided", o.Status), nil
	}
	if !activeAt(o.Start, o.End, st.now) {
		return ranked{}, drop(stepDates, "not active at %s (%s)", st.now.Format(time.RFC3339), activeWindow(o.Start, o.End)), nil
	}
	if cand.drop == stepContent {
		return ranked{}, drop(stepContent, "no content for placement %q", pl.placement.ID), nil
	}
	if !st.cond(o.cond) {
		return ranked{}, st.ruleDrop(drop(stepEligibility, ""), o.Rule, o.cond, "eligibility", ""), nil
	}
	best, note, passed := 0.0, "", false
	var failed *Criterion
	for k, ci := range cand.crits {
		c := g.criteria[ci]
		if !st.cond(c.cond) {
			failed = c
			continue
		}
		score, why := st.score(pl, c, cand, k)
		if !passed || score > best {
			best, note = score, why
		}
		passed = true
	}
	if !passed {
		return ranked{}, st.ruleDrop(drop(stepCriterion, ""), failed.Rule, failed.cond, "criterion", " (collection "+failed.Collection+")"), nil
	}
	// A duplicate is named as such before caps are read: this message's
	// own proposal of it would otherwise read as a cap reached.
	if !pl.allowDup && st.chosenBefore(o) {
		return ranked{}, drop(stepDuplicate, "already proposed by an earlier placeholder of this message"), nil
	}
	hit, capped, err := st.capped(cand, pl.placement.ID)
	if err != nil {
		return ranked{}, nil, err
	}
	if capped {
		return ranked{}, st.capDrop(drop(stepCapped, ""), hit, o, pl.placement.ID), nil
	}
	return ranked{cand: cand, score: best, hash: tieHash(st.scopeHash, o.ID), note: note}, nil, nil
}

// score ranks cand by criterion c (the k-th of the candidate's criteria).
func (st *state) score(pl *plan, c *Criterion, cand *candidate, k int) (float64, string) {
	switch {
	case c.Rank == RankModel:
		return st.sample(pl, c, cand), ""
	case c.Rank == RankFormula && !c.formula.prog.static:
		st.ev.env["offer"] = cand.env
		return runFormula(st.ev, c.formula, cand.offer)
	}
	return cand.scores[k], cand.scoreNotes[k]
}

// runFormula evaluates a formula; when it fails or gives no number (a field
// it reads is missing), the offer's priority is its score.
func runFormula(ev *evaluator, f *Formula, o *Offer) (float64, string) {
	out, err := ev.run(f.prog.prog)
	if err != nil {
		return float64(o.Priority), fmt.Sprintf("formula %q failed (%v); scored by priority", f.ID, err)
	}
	v, ok := toFloat(out)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return float64(o.Priority), fmt.Sprintf("formula %q gave no number (a field it reads may be missing); scored by priority", f.ID)
	}
	return v, ""
}

func ptr[T any](v T) *T { return &v }
