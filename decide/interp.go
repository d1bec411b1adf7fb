package decide

import (
	"cmp"
	"math"
	"time"
)

// The interpreter of split formulas (split.go). It evaluates the parts of
// a compiled formula's tree that it knows — numbers, comparisons, the
// nil-safe helpers, offer fields, builtins without a predicate — with the
// same functions and the same floating-point operations as expr's VM, on
// values kept unboxed so that scoring a candidate allocates nothing. What
// it does not know is unknown, and a formula that reaches it has no bound.
// Its results only ever bound a score: the score itself comes from the VM.

// vkind is the kind of an interpreted value.
type vkind uint8

const (
	vUnknown vkind = iota // the interpreter cannot tell
	vErr                  // evaluation fails: the VM would return an error
	vNil
	vBool
	vInt
	vFloat
	vAny // any other value, in x
)

// val is an interpreted value. x holds the value as data holds it when it
// came from data (so passing it on does not box it again), or a vAny value.
type val struct {
	k vkind
	b bool
	i int
	f float64
	x any
}

var unknown = val{}

func fromAny(x any) val {
	switch v := x.(type) {
	case nil:
		return val{k: vNil}
	case bool:
		return val{k: vBool, b: v, x: x}
	case int:
		return val{k: vInt, i: v, x: x}
	case float64:
		return val{k: vFloat, f: v, x: x}
	}
	return val{k: vAny, x: x}
}

func boolVal(b bool) val { return val{k: vBool, b: b} }

// any returns v as the VM holds it.
func (v val) any() any {
	if v.x != nil {
		return v.x
	}
	switch v.k {
	case vBool:
		return v.b
	case vInt:
		return v.i
	case vFloat:
		return v.f
	}
	return nil
}

// num returns v as a float64 when it is a number (toFloat's kinds).
func (v val) num() (float64, bool) {
	switch v.k {
	case vInt:
		return float64(v.i), true
	case vFloat:
		return v.f, true
	case vAny:
		return toFloat(v.x)
	}
	return 0, false
}

// isNum reports whether v is an int or a float64: the kinds interpreted
// without boxing. Other numbers go through expr's runtime.
func (v val) isNum() bool { return v.k == vInt || v.k == vFloat }

// interp evaluates parts for one offer and one recipient.
type interp struct {
	m *meter
	// The recipient (nil maps and a zero time at load) and the offer.
	profile, context map[string]any
	now              time.Time
	offer            *offerEnv
	// The formula, its offer slots' values for the current offer, and the
	// values of recipient slots, computed once per decision: slot k of sp
	// is at base+k.
	sp     *split
	oslots []val
	rvals  []val
	rdone  []bool
	base   int
	// The values of the library's paths that rules read (rule.go), valid
	// where pathAt is gen: gen numbers the decisions.
	lib      *Library
	pathVals []val
	pathAt   []uint64
	gen      uint64
	// nowAny is now as the VM reads it (the evaluator's boxed value).
	nowAny any
}

// recip is the value of recipient slot k, computed on first use.
func (ip *interp) recip(k int) val {
	i := ip.base + k
	if !ip.rdone[i] {
		// Marked first: a slot whose evaluation stops stays unknown.
		ip.rdone[i] = true
		ip.rvals[i] = ip.eval(ip.sp.recip[k])
	}
	return ip.rvals[i]
}

// run evaluates p as one evaluation under the meter's budget. A panic of
// expr's runtime (an invalid operation) is the error the VM meets on the
// same operands. Anything else that stops it — a charge over the budget
// (the VM spends its own differently), a cancelled decision, a Go runtime
// error — makes the result unknown.
func (ip *interp) run(p *part) (v val) {
	defer func() {
		if r := recover(); r != nil {
			v = unknown
			if _, isErr := r.(error); !isErr {
				v = val{k: vErr}
			}
		}
	}()
	if ip.m.begin() != nil {
		return unknown
	}
	return ip.eval(p)
}

func (ip *interp) eval(p *part) val {
	switch p.op {
	case pConst:
		return p.val
	case pOfferSlot:
		return ip.oslots[p.slot]
	case pRecipSlot:
		return ip.recip(p.slot)
	case pProfile:
		return val{k: vAny, x: ip.profile}
	case pContext:
		return val{k: vAny, x: ip.context}
	case pNow:
		if ip.nowAny == nil {
			return val{k: vAny, x: ip.now}
		}
		return val{k: vAny, x: ip.nowAny}
	case pPath:
		return ip.path(p.slot)
	case pOffer:
		return val{k: vAny, x: ip.offer}
	case pField:
		return ip.field(p.name)
	case pCond:
		c := ip.eval(p.kids[0])
		if c.k != vBool {
			return errOrUnknown(c)
		}
		if c.b {
			return ip.eval(p.kids[1])
		}
		return ip.eval(p.kids[2])
	case pAnd, pOr:
		a := ip.eval(p.kids[0])
		if a.k != vBool {
			return errOrUnknown(a)
		}
		if a.b == (p.op == pOr) {
			return a
		}
		b := ip.eval(p.kids[1])
		if b.k != vBool {
			return errOrUnknown(b)
		}
		return b
	case pCoalesce:
		a := ip.eval(p.kids[0])
		switch a.k {
		case vNil:
			return ip.eval(p.kids[1])
		case vUnknown, vErr, vAny:
			if a.k == vAny && !isNilValue(a.x) {
				return a
			}
			return errOrUnknown(a)
		}
		return a
	}
	// The rest take evaluated operands; an unknown or failed one decides.
	if p.op == pBuiltin {
		return ip.builtin(p)
	}
	if len(p.kids) == 0 {
		return unknown
	}
	a := ip.eval(p.kids[0])
	if a.k <= vErr {
		return a
	}
	var b val
	if len(p.kids) > 1 {
		if b = ip.eval(p.kids[1]); b.k <= vErr {
			return b
		}
	}
	switch p.op {
	case pGet:
		return fromAny(get(a.any(), b.any()))
	case pBool:
		return boolVal(a.k == vBool && a.b)
	case pEq, pNe:
		if a.k == vNil || b.k == vNil {
			return boolVal(false)
		}
		eq := ip.equal(a, b)
		return boolVal(eq == (p.op == pEq))
	case pLt, pLe, pGt, pGe:
		var c int
		var ok bool
		if x, isNum := a.num(); isNum {
			y, yNum := b.num()
			ok = yNum && !math.IsNaN(x) && !math.IsNaN(y)
			c = cmp.Compare(x, y) // NaN is ruled out above
		} else {
			c, ok = ip.m.compare(a.any(), b.any())
		}
		return boolVal(ok && ordered(p.op, c))
	case pArith:
		x, okX := a.num()
		y, okY := b.num()
		if !okX || !okY {
			if p.add && a.k == vAny && b.k == vAny {
				return unknown // string concatenation: not a score
			}
			return val{k: vNil}
		}
		r := p.fn(x, y)
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return val{k: vNil}
		}
		return val{k: vFloat, f: r}
	case pContains:
		return boolVal(ip.m.contains(a.any(), b.any()))
	case pRead:
		ip.m.readWeighted(a.any(), p.weight)
		return a
	case pLoop:
		ip.m.loop(a.any(), p.weight)
		return a
	case pBuilt:
		ip.m.alloc(built(a.any()))
		return a
	case pNot:
		if a.k != vBool {
			return unknown
		}
		return boolVal(!a.b)
	case pNeg, pPlus, pTAdd, pTSub, pTMul, pTDiv, pTMod, pTPow, pTLt, pTLe, pTGt, pTGe, pTEq, pTNe, pIn:
		return ip.typed(p.op, a, b)
	}
	return unknown
}

func errOrUnknown(v val) val {
	if v.k == vErr {
		return v
	}
	return unknown
}
