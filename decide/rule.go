package decide

import (
	"github.com/expr-lang/expr/ast"
)

// Rules without the VM. A decision evaluates every rule it meets once per
// recipient, and most rules are a few comparisons of profile fields with
// constants joined by && and || — for which starting expr's VM costs more
// than the comparisons. So every rule whose compiled tree the interpreter
// of split formulas (interp.go) knows entirely is also translated at load
// into parts, evaluated with the same functions as the VM's, and the
// decision interprets those. Only a definite result is taken: when the
// interpreter cannot tell (a charge over the budget, a cancelled
// decision), the VM evaluates the rule as before, so its errors are the
// VM's own; an invalid operation (an expr runtime panic) fails both, and
// the rule is false. A trace always runs
// the VM, for its reasons. TestRuleMatchesVM and FuzzRule check the two
// against each other on generated rules and profiles.
//
// The fields a rule reads (profile.loyalty.tier) are paths of the
// library, numbered at load: a decision reads each once, however many
// rules name it.

// pathTable numbers the member paths under profile and context that rules
// read with constant names.
type pathTable struct {
	index map[pathStep]int
	steps []pathStep
}

// pathStep is a path: its parent (a path, or rootProfile or rootContext)
// and the name read from it.
type pathStep struct {
	parent int
	name   string
}

const (
	rootProfile = -1
	rootContext = -2
)

// slot numbers a path.
func (t *pathTable) slot(s pathStep) int {
	if i, ok := t.index[s]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[pathStep]int{}
	}
	t.steps = append(t.steps, s)
	t.index[s] = len(t.steps) - 1
	return len(t.steps) - 1
}

// newRule translates a rule's compiled tree into parts, or returns nil when
// some node is one the interpreter does not know.
func (t *pathTable) newRule(tree ast.Node) *part {
	s := &splitter{sp: &split{}}
	p := s.whole(tree)
	if !knownRule(p) {
		return nil
	}
	return t.paths(p)
}

// knownRule reports whether every part of p is one a rule's interpretation
// can give a definite result for.
func knownRule(p *part) bool {
	switch p.op {
	case pUnknown, pOffer, pField, pOfferSlot, pRecipSlot:
		return false
	}
	for _, k := range p.kids {
		if !knownRule(k) {
			return false
		}
	}
	return true
}

// paths replaces the reads of constant names under profile and context
// (__get(__get(profile, "loyalty"), "tier")) with numbered paths.
func (t *pathTable) paths(p *part) *part {
	for i, k := range p.kids {
		p.kids[i] = t.paths(k)
	}
	if p.op != pGet {
		return p
	}
	name, ok := p.kids[1].val.x.(string)
	if p.kids[1].op != pConst || !ok {
		return p
	}
	parent := p.kids[0]
	var from int
	switch parent.op {
	case pProfile:
		from = rootProfile
	case pContext:
		from = rootContext
	case pPath:
		from = parent.slot
	default:
		return p
	}
	return &part{op: pPath, slot: t.slot(pathStep{from, name})}
}

// path is the value of path slot i for this decision, read on first use.
func (ip *interp) path(i int) val {
	if ip.pathAt[i] == ip.gen {
		return ip.pathVals[i]
	}
	s := ip.lib.paths.steps[i]
	var from any
	switch s.parent {
	case rootProfile:
		from = ip.profile
	case rootContext:
		from = ip.context
	default:
		from = ip.path(s.parent).any()
	}
	v := fromAny(get(from, s.name))
	ip.pathVals[i], ip.pathAt[i] = v, ip.gen
	return v
}

// rule interprets a rule's parts: ok is false when the result is not
// definite and the VM must decide.
func (ip *interp) rule(p *part) (result, ok bool) {
	v := ip.run(p)
	switch v.k {
	case vUnknown:
		return false, false
	case vBool:
		return v.b, true
	}
	// Anything but true is false, as for the VM's result, and so is an
	// invalid operation, which fails the VM's evaluation (state.cond).
	return false, true
}
