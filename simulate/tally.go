package simulate

import (
	"context"
	"strings"
	"sync"

	"golang.org/x/net/html"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// maxExcerpt bounds the text of a variant's example, in characters.
const maxExcerpt = 160

// maxVariants bounds the variants kept per scope, so that memory does not
// grow with the recipients when every recipient gets a list of their own
// (many items over many offers); the rest are counted together. A
// variable for tests.
var maxVariants = 1000

// tally is the simulation's sink: it delivers nothing and counts, from
// each message's decision, the variants of every scope and the offers caps
// refused. It is safe for the runner's concurrent workers.
type tally struct {
	p    *campaign.Project
	tpl  *render.Template
	opts campaign.Options

	mu       sync.Mutex
	scopes   []scopeKey
	index    map[scopeKey]int
	variants []map[string]*batch.Variant
	order    [][]string // variant keys of each scope, in order of first appearance
	others   []int      // recipients of each scope's variants beyond maxVariants
	refusals map[string]int
}

type scopeKey struct{ activity, placement string }

func newTally(p *campaign.Project, tpl *render.Template, opts campaign.Options) *tally {
	t := &tally{p: p, tpl: tpl, opts: opts, index: map[scopeKey]int{}, refusals: map[string]int{}}
	for _, sc := range campaign.Scopes(tpl) {
		t.scope(scopeKey{sc.Activity, sc.Placement})
	}
	return t
}

// scope returns the index of a scope, adding it the first time.
func (t *tally) scope(k scopeKey) int {
	if i, ok := t.index[k]; ok {
		return i
	}
	t.index[k] = len(t.scopes)
	t.scopes = append(t.scopes, k)
	t.variants = append(t.variants, map[string]*batch.Variant{})
	t.order = append(t.order, nil)
	t.others = append(t.others, 0)
	return len(t.scopes) - 1
}

// Deliver implements batch.Sink.
func (t *tally) Deliver(_ context.Context, m *batch.Message) error {
	d := m.Decision
	if d == nil {
		return nil
	}
	capped := map[string]bool{}
	var fresh []int // propositions whose variant this recipient shows first
	t.mu.Lock()
	for pi, prop := range d.Propositions {
		for _, e := range prop.Trace {
			if e.Outcome == decide.OutcomeDropped && e.Step == "capped" {
				capped[e.Offer] = true
			}
		}
		i := t.scope(scopeKey{prop.Activity, prop.Placement})
		v := variantOf(prop)
		key := v.Label()
		if have := t.variants[i][key]; have != nil {
			have.Recipients++
			continue
		}
		if len(t.order[i]) == maxVariants {
			t.others[i]++
			continue
		}
		v.Recipients, v.Example = 1, m.Recipient.ID
		t.variants[i][key] = &v
		t.order[i] = append(t.order[i], key)
		fresh = append(fresh, pi)
	}
	for offer := range capped {
		t.refusals[offer]++
	}
	t.mu.Unlock()
	if len(fresh) > 0 {
		t.excerpts(d, m, fresh)
	}
	return nil
}

// excerpts renders, for the first recipient of new variants, the content
// they were shown there, as text.
func (t *tally) excerpts(d *decide.Decision, m *batch.Message, props []int) {
	_, content, err := t.p.Content(d, campaign.Recipient(m.Recipient), t.opts)
	if err != nil {
		return // the message rendered; an excerpt is only an illustration
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, pi := range props {
		prop := d.Propositions[pi]
		if pi >= len(content) || len(content[pi]) == 0 {
			continue
		}
		var parts []string
		for _, c := range content[pi] {
			switch {
			case c.HasContent:
				parts = append(parts, textOf(c.Content))
			case c.HasAlt:
				parts = append(parts, "[image: "+c.Alt+"]")
			}
		}
		i := t.index[scopeKey{prop.Activity, prop.Placement}]
		if v := t.variants[i][variantOf(prop).Label()]; v != nil && v.Example == m.Recipient.ID {
			v.Excerpt = cut(strings.Join(parts, " · "), maxExcerpt)
		}
	}
}

// variantOf is a proposition as a variant, before it is counted.
func variantOf(p decide.Proposition) batch.Variant {
	v := batch.Variant{Offers: []string{}}
	for _, o := range p.Offers {
		v.Offers = append(v.Offers, o.ID)
	}
	if p.Fallback != nil {
		v.Fallback = p.Fallback.ID
	}
	return v
}

// simulation is what the tally found, in the report's scope order.
func (t *tally) simulation(rep *batch.Report, store string) batch.Simulation {
	t.mu.Lock()
	defer t.mu.Unlock()
	sim := batch.Simulation{Store: store, CapRefusals: t.refusals, Variants: []batch.ScopeVariants{}}
	for _, pc := range rep.Placements {
		sv := batch.ScopeVariants{Activity: pc.Activity, Placement: pc.Placement, Variants: []batch.Variant{}}
		if i, ok := t.index[scopeKey{pc.Activity, pc.Placement}]; ok {
			for _, key := range t.order[i] {
				sv.Variants = append(sv.Variants, *t.variants[i][key])
			}
			sv.OtherRecipients = t.others[i]
		}
		sv.Count = len(sv.Variants)
		sim.Variants = append(sim.Variants, sv)
	}
	return sim
}

// textOf is the visible text of an HTML snippet, its whitespace collapsed.
func textOf(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
			b.WriteByte(' ')
		}
	}
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
