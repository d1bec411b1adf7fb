package decide

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// TraceEntry says what happened to one candidate of a scope (§4.6), or why
// the fallback was used.
type TraceEntry struct {
	Offer   string `json:"offer"`
	Group   int    `json:"group,omitempty"`
	Outcome string `json:"outcome"`
	// Step names the step that dropped the offer: status, dates, content,
	// eligibility, criterion, capped or duplicate.
	Step   string `json:"step,omitempty"`
	Reason string `json:"reason"`
	// Score and Rank are set for offers that passed every step. Rank is
	// the position in the scope's ordering, chosen or not.
	Score *float64 `json:"score,omitempty"`
	Rank  int      `json:"rank,omitempty"`
	// Values are what a false rule read: each profile or context field
	// it names, with the recipient's value or marked missing.
	Values []Value `json:"values,omitempty"`
	// Counter, Limit, Key and Window are set for a capped offer: the
	// counter's value in the store, the cap's limit, the counter's key and
	// its calendar window. Pending is what earlier placeholders of this
	// message added to it (only where duplicates are allowed).
	Counter *int64 `json:"counter,omitempty"`
	Limit   *int64 `json:"limit,omitempty"`
	Pending *int64 `json:"pending,omitempty"`
	Key     string `json:"key,omitempty"`
	Window  string `json:"window,omitempty"`
}

// Outcomes of a trace entry.
const (
	OutcomeChosen   = "chosen"   // in the result
	OutcomeEligible = "eligible" // passed every step, but the slots were full
	OutcomeDropped  = "dropped"  // a step dropped it; see Step
	OutcomeSkipped  = "skipped"  // its group was not needed
	OutcomeFallback = "fallback" // the fallback was used, or there was none
	OutcomeInactive = "inactive" // the activity does not decide now
)

// rankedEntry records an offer that passed every step; rank is its
// position in the scope's ordering.
func rankedEntry(g *groupPlan, r ranked, chosen bool, rank, n int) TraceEntry {
	e := TraceEntry{Offer: r.cand.offer.ID, Group: g.number, Score: ptr(r.score), Rank: rank}
	if chosen {
		e.Outcome = OutcomeChosen
		e.Reason = fmt.Sprintf("chosen with score %s, rank %d", formatScore(r.score), rank)
	} else {
		e.Outcome = OutcomeEligible
		e.Reason = fmt.Sprintf("eligible with score %s and rank %d, but %s", formatScore(r.score), rank, filled(n))
	}
	if r.note != "" {
		e.Reason += "; " + r.note
	}
	return e
}

func formatScore(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
}

func (st *state) traceInactive(p *Proposition, reason string) {
	if st.req.Trace {
		p.Trace = []TraceEntry{{Outcome: OutcomeInactive, Reason: reason}}
	}
}

func (st *state) traceSkipped(g *groupPlan, n int) {
	for _, cand := range g.cands {
		st.trace = append(st.trace, TraceEntry{Offer: cand.offer.ID, Group: g.number, Outcome: OutcomeSkipped,
			Reason: "not evaluated: " + filled(n) + " by earlier groups"})
	}
}

func filled(n int) string {
	if n == 1 {
		return "the only item was already filled"
	}
	return fmt.Sprintf("all %d items were already filled", n)
}

// traceFallback explains why the scope shows its fallback, or nothing.
func (st *state) traceFallback(pl *plan) {
	if !st.req.Trace {
		return
	}
	why := "no offer qualified"
	counts := map[string]int{}
	candidates := 0
	for _, e := range st.trace {
		if e.Outcome == OutcomeDropped {
			counts[e.Step]++
			candidates++
		}
	}
	if candidates == 0 {
		why = "no offer qualified: the criteria's collections hold no offers"
	} else {
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
		sort.Strings(parts)
		why = fmt.Sprintf("no offer qualified: %d candidate(s) dropped (%s)", candidates, strings.Join(parts, ", "))
	}
	e := TraceEntry{Outcome: OutcomeFallback}
	if pl.fallback != nil {
		e.Offer = pl.fallback.ID
		e.Reason = why + "; showing fallback " + pl.fallback.ID
	} else {
		e.Reason = why + fmt.Sprintf("; activity %q has no fallback, so the placeholder shows nothing", pl.activity.ID)
	}
	st.trace = append(st.trace, e)
}

func (st *state) takeTrace() []TraceEntry {
	t := append([]TraceEntry(nil), st.trace...)
	st.trace = st.trace[:0]
	return t
}

// ruleDrop words why a rule was false into e: whose rule (what, where),
// its name, the values it read (missing fields named as missing), and any
// error.
func (st *state) ruleDrop(e *TraceEntry, ruleID string, c *condition, what, where string) *TraceEntry {
	name := "rule " + ruleID
	if ruleID == "" {
		name = "when `" + c.src + "`"
	}
	e.Reason = fmt.Sprintf("%s %s%s is false", what, name, where)
	e.Values = st.values(c)
	if len(e.Values) > 0 {
		parts := make([]string, len(e.Values))
		for i, v := range e.Values {
			parts[i] = v.String()
		}
		e.Reason += ": " + strings.Join(parts, ", ")
	}
	if msg, ok := st.memoErr[c.index]; ok {
		e.Reason += " (" + firstLine(msg) + ")"
	}
	return e
}

// capDrop words an exhausted cap into e: which cap, its counter key,
// window and limit, and what the counter holds. Only a real counter gets
// here: an offer this message already proposed is a duplicate unless
// duplicates are allowed, and then its earlier proposals are named apart.
func (st *state) capDrop(e *TraceEntry, hit capHit, o *Offer, placement string) *TraceEntry {
	key, _ := st.key(hit.slot, o.ID, placement)
	pending := st.pendingCount(key)
	stored := hit.used - pending
	e.Counter, e.Limit, e.Key = ptr(stored), ptr(hit.slot.limit), key
	e.Window = windowName(hit.slot.cap.Every, key)
	if pending > 0 {
		e.Pending = ptr(pending)
	}
	counter := "counter"
	if hit.slot.cap.Every != EveryLifetime {
		counter += " " + e.Window
	}
	e.Reason = fmt.Sprintf("%s cap reached: %s is %d of limit %d", capName(hit.slot.cap), counter, stored, hit.slot.limit)
	if pending > 0 {
		e.Reason = fmt.Sprintf("%s cap reached: %s is %d, plus %d proposed earlier in this message, of limit %d",
			capName(hit.slot.cap), counter, stored, pending, hit.slot.limit)
	}
	return e
}

// pendingCount is what this message has already added to a counter.
func (st *state) pendingCount(key string) int64 {
	for _, c := range st.pending {
		if c.Key == key {
			return c.N
		}
	}
	return 0
}

// windowName names the calendar window of a counter key for people:
// "for 2026-12-02", "for the week of 2026-11-29", "for 2026-12", or
// "lifetime".
func windowName(every Every, key string) string {
	parts := strings.Split(key, "|")
	if len(parts) < 4 {
		return ""
	}
	label := parts[3]
	switch every {
	case EveryDay:
		return "for " + strings.TrimPrefix(label, "d")
	case EveryWeek:
		return "for the week of " + strings.TrimPrefix(label, "w")
	case EveryMonth:
		return "for " + strings.TrimPrefix(label, "m")
	}
	return "lifetime"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func capName(c Cap) string {
	var b strings.Builder
	b.WriteString(string(c.Scope))
	if c.Every != EveryLifetime {
		b.WriteString(" per " + string(c.Every))
	} else {
		b.WriteString(" lifetime")
	}
	if c.PerPlacement {
		b.WriteString(" per placement")
	}
	return b.String()
}
