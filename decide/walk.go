package decide

import (
	"math"
)

// Without a trace a decision reads no more candidates than it must. A
// group whose scores are all known at load is read in the order of its
// scores (walkStatic); any other group in the order of the bounds of its
// candidates' scores over every recipient (walkDynamic). Both choose
// exactly what evalAll chooses (TestFastPathMatchesReference).

// walkStatic is evalAll for a group whose scores are known at load, without
// a trace: it reads entries from the highest score down and stops once the
// slots are filled and the current score tier is complete. It chooses
// exactly what evalAll would (tests check this).
func (st *state) walkStatic(pl *plan, g *groupPlan, n int) error {
	if cap(st.marks) < len(g.cands) {
		st.marks = make([]int8, len(g.cands))
	}
	marks := st.marks[:len(g.cands)]
	clear(marks)
	now := st.now.UnixNano()
	entries := g.entries
	for i := 0; i < len(entries) && len(st.result) < n; {
		score := entries[i].score
		tier := st.tier[:0]
		for ; i < len(entries) && entries[i].score == score; i++ {
			e := &entries[i]
			if marks[e.cand] != 0 {
				continue
			}
			// Cheap rejections first: dates, and conditions already known.
			if now < e.start || now >= e.end || (e.offerCond >= 0 && st.memo[e.offerCond] < 0) {
				marks[e.cand] = -1
				continue
			}
			if e.critCond >= 0 && st.memo[e.critCond] < 0 {
				continue // a lower entry of another criterion may still pass
			}
			cand := g.cands[e.cand]
			if !st.cond(g.criteria[e.crit].cond) {
				continue
			}
			ok, err := st.offerPasses(pl, cand)
			if err != nil {
				return err
			}
			if !ok {
				marks[e.cand] = -1
				continue
			}
			marks[e.cand] = 1
			tier = append(tier, ranked{cand: cand, score: score, hash: tieHash(st.scopeHash, cand.offer.ID)})
		}
		sortRanked(tier)
		for _, r := range tier {
			if len(st.result) == n {
				break
			}
			st.result = append(st.result, Choice{ID: r.cand.offer.ID, Score: r.score, Rank: len(st.result) + 1, Offer: r.cand.offer})
		}
		st.tier = tier[:0]
	}
	return nil
}

// offerPasses runs the steps that do not depend on the criterion, cheapest
// first.
func (st *state) offerPasses(pl *plan, cand *candidate) (bool, error) {
	o := cand.offer
	if st.inResult(o) || (!pl.allowDup && st.chosenBefore(o)) {
		return false, nil
	}
	if !activeAt(o.Start, o.End, st.now) || !st.cond(o.cond) {
		return false, nil
	}
	_, capped, err := st.capped(cand, pl.placement.ID)
	return !capped, err
}

// modelBound bounds a learned ranking's score, a Beta sample in [0, 1].
var modelBound = scoreBound(val{k: vInt, i: 1}, 0)

// walkDynamic is evalAll for a group where some criterion ranks by a
// formula that reads the recipient, or by a model. It reads candidates in
// the order of their scores' bounds over every recipient, and stops once
// no bound can enter the result. For each candidate that passes the cheap
// steps it bounds the score for this recipient by interpreting the split
// formula (split.go), and runs the VM only when that bound could enter the
// result; caps are read last, for a score that enters it.
func (st *state) walkDynamic(pl *plan, g *groupPlan, n int) error {
	need := n - len(st.result)
	top := st.tier[:0] // the best so far, best first, at most need
	now := st.now.UnixNano()
	for i := range g.entries {
		e := &g.entries[i]
		if len(top) == need && e.score < top[need-1].score {
			break // no candidate left can enter
		}
		if now < e.start || now >= e.end || (e.offerCond >= 0 && st.memo[e.offerCond] < 0) {
			continue
		}
		cand := g.cands[e.cand]
		o := cand.offer
		if st.inResult(o) || (!pl.allowDup && st.chosenBefore(o)) || !st.cond(o.cond) {
			continue
		}
		// Bound the score under every criterion that passes.
		bounds := st.bounds[:0]
		bound := math.Inf(-1)
		for k, ci := range cand.crits {
			b := math.Inf(-1)
			if st.cond(g.criteria[ci].cond) {
				b = st.bound(g.criteria[ci], cand, k)
			}
			bounds = append(bounds, b)
			bound = max(bound, b)
		}
		st.bounds = bounds
		if math.IsInf(bound, -1) {
			continue // no criterion passed
		}
		hash := tieHash(st.scopeHash, o.ID)
		if len(top) == need && !beats(bound, hash, top[need-1]) {
			continue
		}
		best := math.Inf(-1)
		for k, ci := range cand.crits {
			if bounds[k] > best {
				s, _ := st.score(pl, g.criteria[ci], cand, k)
				best = max(best, s)
			}
		}
		if len(top) == need && !beats(best, hash, top[need-1]) {
			continue
		}
		_, capped, err := st.capped(cand, pl.placement.ID)
		if err != nil {
			return err
		}
		if capped {
			continue
		}
		top = insertRanked(top, ranked{cand: cand, score: best, hash: hash}, need)
	}
	for _, r := range top {
		st.result = append(st.result, Choice{ID: r.cand.offer.ID, Score: r.score, Rank: len(st.result) + 1, Offer: r.cand.offer})
	}
	st.tier = top[:0]
	return nil
}

// bound bounds cand's score under criterion c (the k-th of its criteria)
// for this recipient: exact when known at load, interpreted for a formula
// that reads the recipient, modelBound for a model.
func (st *state) bound(c *Criterion, cand *candidate, k int) float64 {
	switch {
	case c.Rank == RankModel:
		return modelBound
	case c.Rank == RankFormula && !c.formula.prog.static:
		sp := c.formula.prog.split
		ip := &st.ip
		if combos := cand.combos[k]; combos != nil {
			// The recipient parts are all true or false: their combination
			// picks the bound computed at load.
			if i := ip.combo(sp); i >= 0 {
				return combos[i]
			}
		}
		ip.sp, ip.oslots, ip.base = sp, cand.offerSlots[k], sp.recipBase
		return scoreBound(ip.run(sp.root), cand.offer.Priority)
	}
	return cand.scores[k]
}

// beats reports whether a score and tie hash rank before r (sortRanked's
// order).
func beats(score float64, hash uint64, r ranked) bool {
	return score > r.score || (score == r.score && hash < r.hash)
}

// insertRanked puts r in its place in top, keeping at most n.
func insertRanked(top []ranked, r ranked, n int) []ranked {
	i := len(top)
	for i > 0 && beats(r.score, r.hash, top[i-1]) {
		i--
	}
	if len(top) < n {
		top = append(top, ranked{})
	}
	copy(top[i+1:], top[i:len(top)-1])
	top[i] = r
	return top
}
