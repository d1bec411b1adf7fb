package batch

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/offermail/offermail/decide"
)

// placements counts decisions per scope, as the report's Placements and
// Totals.Decided show them. The report of a run reads the lines that
// earlier attempts journalled back (decisionReader), and takes the lines
// of the attempt that just ended from what the journal counted as it
// wrote them (pipeline.record): reading a million lines back costs a
// twentieth of the run's CPU, counting them on the way a hundredth of it.
type placements struct {
	counts  []ScopeCounts
	tallies []scopeTally
	decided int
}

// newPlacements starts the counts with the template's scopes, in document
// order: a scope with no decision is still shown.
func newPlacements(scopes []decide.Scope) *placements {
	p := &placements{counts: []ScopeCounts{}} // [] in JSON for a template without placeholders
	for _, sc := range scopes {
		if slices.ContainsFunc(p.counts, func(c ScopeCounts) bool { return c.Activity == sc.Activity && c.Placement == sc.Placement }) {
			continue // two placeholders of one scope show one decision (§4.3)
		}
		p.add(sc.Activity, sc.Placement)
	}
	return p
}

func (p *placements) add(activity, placement string) int {
	p.counts = append(p.counts, ScopeCounts{Activity: activity, Placement: placement, Offers: map[string]int{}, Fallbacks: map[string]int{}})
	p.tallies = append(p.tallies, scopeTally{})
	return len(p.counts) - 1
}

// scope is the index of a scope; one the template does not have (it
// changed during the run) is counted anyway, after the others.
func (p *placements) scope(activity, placement string) int {
	for k := range p.counts {
		if sc := &p.counts[k]; sc.Activity == activity && sc.Placement == placement {
			return k
		}
	}
	return p.add(activity, placement)
}

// scopeBytes is scope for the bytes of a line read back.
func (p *placements) scopeBytes(activity, placement []byte) int {
	for k := range p.counts {
		if sc := &p.counts[k]; sc.Activity == string(activity) && sc.Placement == string(placement) {
			return k
		}
	}
	return p.add(string(activity), string(placement))
}

// decision counts one decisions line, from the decision it was written
// from (decisionOf): what line counts of the same line read back.
func (p *placements) decision(d *decide.Decision) {
	for k := range d.Propositions {
		pr := &d.Propositions[k]
		i := p.scope(pr.Activity, pr.Placement)
		t := &p.tallies[i]
		for _, o := range pr.Offers {
			t.offers.addString(o.ID)
		}
		switch {
		case pr.Fallback != nil:
			t.fallbacks.addString(pr.Fallback.ID)
		case len(pr.Offers) == 0:
			p.counts[i].Empty++
		}
	}
	p.decided++
}

// line counts a decisions line read back by dr.
func (p *placements) line(dr *decisionReader) {
	for _, pr := range dr.props {
		i := p.scopeBytes(dr.text(pr.activity), dr.text(pr.placement))
		t := &p.tallies[i]
		for _, o := range pr.offers {
			t.offers.add(dr.text(o))
		}
		switch {
		case pr.hasFallback:
			t.fallbacks.add(dr.text(pr.fallback))
		case len(pr.offers) == 0:
			p.counts[i].Empty++
		}
	}
	p.decided++
}

// merge adds the counts of q, which follow p's in the journal.
func (p *placements) merge(q *placements) {
	for k, sc := range q.counts {
		i := p.scope(sc.Activity, sc.Placement)
		p.counts[i].Empty += sc.Empty
		p.tallies[i].offers.merge(q.tallies[k].offers)
		p.tallies[i].fallbacks.merge(q.tallies[k].fallbacks)
	}
	p.decided += q.decided
}

// result is the report's Placements.
func (p *placements) result() []ScopeCounts {
	for i, t := range p.tallies {
		t.offers.into(p.counts[i].Offers)
		t.fallbacks.into(p.counts[i].Fallbacks)
		p.tallies[i] = scopeTally{}
	}
	return p.counts
}

// addString is add for an id held as a string.
func (t *tally) addString(id string) {
	if n := (*t)[id]; n != nil {
		*n++
		return
	}
	if *t == nil {
		*t = tally{}
	}
	n := 1
	(*t)[id] = &n
}

func (t *tally) merge(u tally) {
	for id, n := range u {
		if m := (*t)[id]; m != nil {
			*m += *n
			continue
		}
		if *t == nil {
			*t = tally{}
		}
		v := *n
		(*t)[id] = &v
	}
}

// countDecisions counts the first size bytes of decisions.ndjson: the lines
// of earlier attempts, whole (resume cut a torn tail before this attempt
// appended). unknown loses the recipients that have a line.
func countDecisions(path string, size int64, p *placements, unknown map[string]bool) error {
	if size == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.LimitReader(f, size), 256<<10)
	var dr decisionReader
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: read it whole.
			rest, rerr := br.ReadBytes('\n')
			line, err = append(slices.Clone(line), rest...), rerr
		}
		if body := bytes.TrimRight(line, "\r\n"); len(body) > 0 {
			if err := dr.read(body); err != nil {
				return fmt.Errorf("%s:%d: %w", path, n, err)
			}
			p.line(&dr)
			if len(unknown) > 0 {
				delete(unknown, string(dr.text(dr.recipient)))
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
}
