package decide

import (
	"math"
	"sort"
	"time"
)

// plan is what Load precomputes for one activity placement (a scope), so a
// decision does only per-recipient work: dates, rules, dynamic scores, caps.
type plan struct {
	activity  *Activity
	ap        *ActivityPlacement
	placement *Placement
	items     int
	allowDup  bool
	fallback  *Offer
	// fallbackRef is the Ref every decision that falls back shares.
	fallbackRef *Ref
	groups      []*groupPlan
}

// groupPlan is one criteria group of a plan.
type groupPlan struct {
	number   int
	criteria []*Criterion
	// cands is the union of the criteria's collections, sorted by offer id.
	cands []*candidate
	// static: every criterion ranks by priority or by a formula that reads
	// only the offer, so entries are sorted by score at load and a decision
	// can stop reading as soon as its slots are filled. Otherwise entries
	// hold one entry per candidate with the bound of its score over every
	// recipient, sorted by it (walk.go).
	static  bool
	entries []entry
}

// candidate is one offer in one group.
type candidate struct {
	offer *Offer
	env   *offerEnv
	// crits are the indexes of the group's criteria whose collection holds
	// the offer, and scores their static scores (when the group is static).
	crits  []int
	scores []float64
	// scoreNotes explains a static formula that could not score the offer.
	scoreNotes []string
	// offerSlots holds, for a criterion ranked by a formula that reads the
	// recipient, the formula's offer slots for this offer, and combos the
	// bounds of its score for each combination of boolean recipient slots
	// (split.go).
	offerSlots [][]val
	combos     [][]float64
	// drop is a step that fails whatever the recipient (status, content).
	drop step
}

// entry is one (candidate, criterion) pair with its static score — or, in
// a group that is not static, one candidate with the bound of its score —
// and copies of what most often rejects it, so a walk rarely touches the
// candidate itself.
type entry struct {
	cand, crit int
	score      float64
	// offerCond and critCond index the memo of conditions, -1 for none.
	offerCond, critCond int32
	// start and end bound the offer's dates in Unix nanoseconds.
	start, end int64
}

func condIndex(c *condition) int32 {
	if c == nil {
		return -1
	}
	return int32(c.index)
}

func unixBounds(start, end time.Time) (int64, int64) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !start.IsZero() {
		lo = start.UnixNano()
	}
	if !end.IsZero() {
		hi = end.UnixNano()
	}
	return lo, hi
}

// capSlot is one counter an offer keeps in a placement: caps with the same
// scope, window and placement setting share it, with the lowest limit.
type capSlot struct {
	cap   Cap
	limit int64
}

// build precomputes the plans of every activity placement.
func (lib *Library) build() {
	lib.plans = map[scopeKey]*plan{}
	envs := map[*Offer]*offerEnv{}
	for _, id := range lib.offerIDs {
		o := lib.offers[id]
		envs[o] = newOfferEnv(o)
		o.slots = capSlots(o)
	}
	for _, id := range lib.activityIDs {
		a := lib.activities[id]
		for _, ap := range a.Placements {
			p := lib.placements[ap.Placement]
			pl := &plan{activity: a, ap: ap, placement: p, items: p.Items, allowDup: a.AllowDuplicates}
			if ap.Items > 0 {
				pl.items = ap.Items
			}
			if ap.AllowDuplicates != nil {
				pl.allowDup = *ap.AllowDuplicates
			}
			if a.Fallback != "" {
				pl.fallback = lib.fallbacks[a.Fallback]
				if pl.fallback != nil {
					pl.fallbackRef = &Ref{ID: pl.fallback.ID, Offer: pl.fallback}
				}
			}
			pl.groups = buildGroups(ap, p, envs)
			lib.plans[scopeKey{a.ID, p.ID}] = pl
		}
	}
}

type scopeKey struct{ activity, placement string }

func buildGroups(ap *ActivityPlacement, p *Placement, envs map[*Offer]*offerEnv) []*groupPlan {
	byNumber := map[int]*groupPlan{}
	var groups []*groupPlan
	for _, c := range ap.Criteria {
		g := byNumber[c.Group]
		if g == nil {
			g = &groupPlan{number: c.Group, static: true}
			byNumber[c.Group] = g
			groups = append(groups, g)
		}
		g.criteria = append(g.criteria, c)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].number < groups[j].number })
	ev := newEvaluator()
	for _, g := range groups {
		index := map[*Offer]*candidate{}
		for ci, c := range g.criteria {
			if c.Rank == RankModel || (c.Rank == RankFormula && !c.formula.prog.static) {
				g.static = false
			}
			for _, o := range c.collection.members {
				cand := index[o]
				if cand == nil {
					cand = &candidate{offer: o, env: envs[o]}
					switch {
					case o.Status != OfferApproved:
						cand.drop = stepStatus
					case o.Content[p.ID] == nil:
						cand.drop = stepContent
					}
					index[o] = cand
					g.cands = append(g.cands, cand)
				}
				cand.crits = append(cand.crits, ci)
			}
		}
		sort.Slice(g.cands, func(i, j int) bool { return g.cands[i].offer.ID < g.cands[j].offer.ID })
		for i, cand := range g.cands {
			cand.scores = make([]float64, len(cand.crits))
			cand.scoreNotes = make([]string, len(cand.crits))
			lo, hi := unixBounds(cand.offer.Start, cand.offer.End)
			bound := math.Inf(-1)
			for k, ci := range cand.crits {
				c := g.criteria[ci]
				switch {
				case c.Rank == RankPriority || (c.Rank == RankFormula && c.formula.prog.static):
					cand.scores[k], cand.scoreNotes[k] = staticScore(ev, c, cand)
					bound = max(bound, cand.scores[k])
				case c.Rank == RankModel:
					bound = max(bound, modelBound)
				default:
					sp := c.formula.prog.split
					if cand.offerSlots == nil {
						cand.offerSlots = make([][]val, len(cand.crits))
						cand.combos = make([][]float64, len(cand.crits))
					}
					cand.offerSlots[k] = sp.offerSlots(cand.env)
					cand.combos[k] = sp.combos(cand.offerSlots[k], cand.offer.Priority)
					if cand.combos[k] == nil {
						bound = math.Inf(1)
					} else {
						bound = max(bound, slicesMax(cand.combos[k]))
					}
				}
				if g.static && cand.drop == 0 {
					g.entries = append(g.entries, entry{cand: i, crit: ci, score: cand.scores[k],
						offerCond: condIndex(cand.offer.cond), critCond: condIndex(c.cond), start: lo, end: hi})
				}
			}
			if !g.static && cand.drop == 0 {
				g.entries = append(g.entries, entry{cand: i, crit: -1, score: bound,
					offerCond: condIndex(cand.offer.cond), critCond: -1, start: lo, end: hi})
			}
		}
		// Highest score (or bound) first; equal scores keep offer order, and
		// ties are broken per recipient while walking. Among equal bounds
		// (unbounded ones, when a formula reads a number from the profile)
		// higher priorities first: formulas mostly add to the priority, and
		// a walk that meets high scores early scores fewer with the VM.
		sort.SliceStable(g.entries, func(i, j int) bool {
			a, b := &g.entries[i], &g.entries[j]
			if a.score != b.score || g.static {
				return a.score > b.score
			}
			return g.cands[a.cand].offer.Priority > g.cands[b.cand].offer.Priority
		})
	}
	return groups
}

// staticScore computes a score that does not depend on the recipient.
func staticScore(ev *evaluator, c *Criterion, cand *candidate) (float64, string) {
	if c.Rank == RankPriority {
		return float64(cand.offer.Priority), ""
	}
	ev.env["offer"] = cand.env
	return runFormula(ev, c.formula, cand.offer)
}

// capSlots returns the distinct counters of an offer's caps.
func capSlots(o *Offer) []capSlot {
	var slots []capSlot
next:
	for _, c := range o.Caps {
		for i := range slots {
			s := &slots[i].cap
			if s.Scope == c.Scope && s.Every == c.Every && s.PerPlacement == c.PerPlacement {
				slots[i].limit = min(slots[i].limit, c.Limit)
				continue next
			}
		}
		slots = append(slots, capSlot{cap: c, limit: c.Limit})
	}
	return slots
}
