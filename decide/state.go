package decide

import (
	"context"
	"time"
)

// state is the scratch space of one decision. Engines pool them.
type state struct {
	lib  *Library
	ctx  context.Context
	req  *Request
	now  time.Time
	seed string
	ev   *evaluator
	// ip interprets split formulas (split.go) with the recipient slots
	// this decision computed so far.
	ip interp

	// memo holds each condition's result for this recipient: 0 not yet
	// evaluated, 1 true, -1 false; memoErr the reason a condition failed.
	memo    []int8
	memoErr map[int]string

	plans   []*plan    // of the request's scopes, nil for an unknown one
	scopes  []scopeKey // decided so far, in order
	scopeAt []int      // where each of scopes is in the decision's propositions
	chosen  []*Offer   // offers proposed so far in this message
	pending []Counter  // counters this message increments
	// pendingAt names each of pending's counters by slot, for ownZero.
	pendingAt []slotKey
	// ownZero: the request's Counts reads every counter of the recipient's
	// own as 0 (a Reserver's first round), so a cap of the profile scope
	// is checked against what this message adds, without making its key.
	ownZero bool
	counts  []countedKey
	// windows are the cap windows at windowsAt, by Every, computed when
	// first needed; keys the counter keys made at windowsAt. Both outlive a
	// decision: the decisions of a run share their time, and most counters
	// (total caps) their keys. A key that names the recipient is kept for
	// the decision numbered serial only.
	windows   [4]window
	windowsAt time.Time
	keys      map[slotKey]cachedKey
	serial    uint64

	// spare is room for the decision's offers (result.go).
	spare []Choice

	// Per scope.
	scopeHash uint64
	result    []Choice
	marks     []int8 // per candidate of the current group
	tier      []ranked
	bounds    []float64 // per criterion of the current candidate
	trace     []TraceEntry

	// readPaths caches, for traces, the fields each condition reads.
	readPaths map[*condition][]string
}

// window is a cap window's label and end.
type window struct {
	label string
	end   time.Time
}

var everyIndex = map[Every]int{EveryLifetime: 0, EveryDay: 1, EveryWeek: 2, EveryMonth: 3}

// slotKey names the counter a cap slot of an offer keeps in a placement.
type slotKey struct {
	slot      *capSlot
	placement string
}

// cachedKey is a counter key made for the decision numbered serial.
type cachedKey struct {
	key    string
	expire time.Time
	serial uint64
}

// key returns the counter key of a cap slot of offer at the decision time.
func (st *state) key(s *capSlot, offer, placement string) (string, time.Time) {
	own := s.cap.Scope == ScopeProfile
	k := slotKey{s, placement}
	if c, ok := st.keys[k]; ok && (!own || c.serial == st.serial) {
		return c.key, c.expire
	}
	w := &st.windows[everyIndex[s.cap.Every]]
	if w.label == "" {
		w.label, w.end = Window(s.cap.Every, st.now)
	}
	key := counterKey(s.cap, offer, placement, st.req.Recipient, w.label)
	if st.keys == nil {
		st.keys = map[slotKey]cachedKey{}
	}
	st.keys[k] = cachedKey{key, w.end, st.serial}
	return key, w.end
}

// countedKey caches a counter read during one decision.
type countedKey struct {
	key   string
	value int64
}

// ranked is a candidate that passed every step, with its score.
type ranked struct {
	cand  *candidate
	score float64
	hash  uint64
	note  string
}

func newState(lib *Library) *state {
	st := &state{lib: lib, memo: make([]int8, len(lib.conditions)), ev: newEvaluator()}
	st.ip = interp{m: &st.ev.meter, rvals: make([]val, lib.recipSlots), rdone: make([]bool, lib.recipSlots),
		lib: lib, pathVals: make([]val, len(lib.paths.steps)), pathAt: make([]uint64, len(lib.paths.steps))}
	return st
}

func (st *state) reset(ctx context.Context, req *Request) {
	st.ctx, st.req, st.now = ctx, req, req.Now.UTC()
	st.seed = req.Seed
	if st.seed == "" {
		st.seed = req.Campaign
	}
	st.ev.reset(ctx, req.Profile, req.Context, st.now)
	// The interpreter reads now as the VM's environment holds it, boxed
	// once per decision time (evaluator.reset).
	st.ip.profile, st.ip.context = req.Profile, req.Context
	st.ip.now, st.ip.nowAny = st.now, st.ev.env["now"]
	st.ip.gen++
	clear(st.ip.rdone)
	clear(st.memo)
	st.memoErr = nil
	st.scopes = st.scopes[:0]
	st.scopeAt = st.scopeAt[:0]
	clear(st.chosen)
	st.chosen = st.chosen[:0]
	st.pending, st.pendingAt = st.pending[:0], st.pendingAt[:0]
	z, ok := req.Counts.(ownCounts)
	st.ownZero = ok && z.ownZero()
	st.counts = st.counts[:0]
	st.serial++
	if !st.now.Equal(st.windowsAt) {
		st.windows, st.windowsAt = [4]window{}, st.now
		clear(st.keys)
	}
	st.trace = st.trace[:0]
}

func (st *state) scopeIndex(k scopeKey) int {
	for i, s := range st.scopes {
		if s == k {
			return i
		}
	}
	return -1
}

func (st *state) beginScope(pl *plan) {
	st.scopeHash = tiePrefix(st.seed, st.req.Recipient, pl.activity.ID, pl.placement.ID)
}

// cond evaluates a condition once per recipient. A nil condition is true.
// An evaluation error makes the condition false; the reason is kept for
// the trace.
func (st *state) cond(c *condition) bool {
	if c == nil {
		return true
	}
	switch st.memo[c.index] {
	case 1:
		return true
	case -1:
		return false
	}
	if c.rule != nil && !st.req.Trace {
		if ok, sure := st.ip.rule(c.rule); sure {
			st.memo[c.index] = -1
			if ok {
				st.memo[c.index] = 1
			}
			return ok
		}
	}
	out, err := st.ev.run(c.prog)
	ok, _ := out.(bool)
	if err != nil {
		if st.memoErr == nil {
			st.memoErr = map[int]string{}
		}
		st.memoErr[c.index] = err.Error()
		ok = false
	}
	if ok {
		st.memo[c.index] = 1
	} else {
		st.memo[c.index] = -1
	}
	return ok
}

// count reads a counter, once per decision, plus what this message has
// already added to it.
func (st *state) count(key string) (int64, error) {
	var pending int64
	for _, c := range st.pending {
		if c.Key == key {
			pending = c.N
			break
		}
	}
	for _, c := range st.counts {
		if c.key == key {
			return c.value + pending, nil
		}
	}
	if st.req.Counts == nil {
		return pending, nil
	}
	v, err := st.req.Counts.Count(st.ctx, key)
	if err != nil {
		return 0, err
	}
	st.counts = append(st.counts, countedKey{key, v})
	return v + pending, nil
}

// ownCounts is a Counts that can tell it reads every counter of the
// recipient's own as 0.
type ownCounts interface{ ownZero() bool }

// counterAt names the counter of slot s in placement: counters of caps that
// are not per placement are shared by every placement.
func counterAt(s *capSlot, placement string) slotKey {
	if !s.cap.PerPlacement {
		placement = "*"
	}
	return slotKey{s, placement}
}

// capped returns the first exhausted counter of cand in placement, if any.
func (st *state) capped(cand *candidate, placement string) (capHit, bool, error) {
	for i := range cand.offer.slots {
		s := &cand.offer.slots[i]
		var used int64
		if st.ownZero && s.cap.Scope == ScopeProfile {
			// What count would read: 0, plus what this message adds.
			at := counterAt(s, placement)
			for k, p := range st.pendingAt {
				if p == at {
					used = st.pending[k].N
					break
				}
			}
		} else {
			key, _ := st.key(s, cand.offer.ID, placement)
			var err error
			if used, err = st.count(key); err != nil {
				return capHit{}, false, err
			}
		}
		if used+1 > s.limit {
			return capHit{slot: s, used: used}, true, nil
		}
	}
	return capHit{}, false, nil
}

type capHit struct {
	slot *capSlot
	used int64
}

// choose records that o is proposed in pl: later scopes see it as a
// duplicate, and its counters count one more event.
func (st *state) choose(pl *plan, o *Offer) {
	st.chosen = append(st.chosen, o)
	for i := range o.slots {
		s := &o.slots[i]
		key, expire := st.key(s, o.ID, pl.placement.ID)
		found := false
		for i := range st.pending {
			if st.pending[i].Key == key {
				st.pending[i].N++
				found = true
				break
			}
		}
		if !found {
			st.pending = append(st.pending, Counter{Key: key, Limit: s.limit, N: 1, Expire: expire})
			st.pendingAt = append(st.pendingAt, counterAt(s, pl.placement.ID))
		}
	}
}

// chosenBefore reports whether o was proposed by an earlier scope.
func (st *state) chosenBefore(o *Offer) bool {
	for _, c := range st.chosen {
		if c == o {
			return true
		}
	}
	return false
}

// inResult reports whether o is already in the current scope's result.
func (st *state) inResult(o *Offer) bool {
	for _, c := range st.result {
		if c.Offer == o {
			return true
		}
	}
	return false
}
