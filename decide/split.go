package decide

import (
	"math"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
)

// A formula that reads the recipient is split at load, on its compiled
// tree, into the parts that read only the offer (offer slots, computed once
// per offer), the parts that read only the recipient (recipient slots,
// computed once per decision) and the operations that join them. Per
// candidate a decision then interprets only the joining operations, which
// bounds the candidate's score from above without running the VM: a
// decision scores exactly, with the VM, only the candidates whose bound can
// still enter its result (walk.go). When every recipient slot is a
// boolean, the bound over every recipient is known at load too, and a
// decision reads candidates in the order of that bound and stops early.
type split struct {
	root  *part
	offer []*part
	recip []*part
	// recipBase numbers the first recipient slot among the library's, for
	// the decision's cache of their values.
	recipBase int
	// recipBool: every recipient slot gives true or false.
	recipBool bool
}

// part is a node of a split formula; interp.go evaluates it.
type part struct {
	op   pop
	kids []*part
	val  val    // pConst
	slot int    // pOfferSlot, pRecipSlot
	name string // pField
	// pArith: the operation, and whether it is __add (which also joins
	// strings); pBuiltin: the builtin; pRead, pLoop: the weight.
	fn      func(x, y float64) float64
	add     bool
	builtin int
	weight  int
}

type pop uint8

const (
	pUnknown pop = iota // a node the interpreter does not evaluate
	pConst
	pOfferSlot
	pRecipSlot
	pProfile
	pContext
	pNow
	pOffer
	pField
	pGet
	pBool
	pEq
	pNe
	pLt
	pLe
	pGt
	pGe
	pArith
	pContains
	pRead
	pLoop
	pBuilt
	pTAdd
	pTSub
	pTMul
	pTDiv
	pTMod
	pTPow
	pTLt
	pTLe
	pTGt
	pTGe
	pTEq
	pTNe
	pAnd
	pOr
	pNot
	pNeg
	pPlus
	pIn
	pCoalesce
	pCond
	pBuiltin
	pPath // a numbered path of a rule (rule.go)
)

// Which names a subtree reads.
const (
	readsOffer = 1 << iota
	readsRecip
)

// maxEnumerated bounds the recipient slots whose values a static bound
// enumerates (2^n evaluations per offer at load).
const maxEnumerated = 6

// newSplit splits a formula's compiled tree. recipBase is the number of
// recipient slots the library has so far.
func newSplit(tree ast.Node, recipBase int) *split {
	s := &splitter{sp: &split{recipBase: recipBase, recipBool: true}, reads: map[ast.Node]int{}}
	s.measure(tree)
	s.sp.root = s.build(tree)
	return s.sp
}

type splitter struct {
	sp    *split
	reads map[ast.Node]int
}

// measure records what every node of the tree reads.
func (s *splitter) measure(n ast.Node) int {
	r := 0
	switch n := n.(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case "offer":
			r = readsOffer
		case "profile", "context", "now", "$env":
			r = readsRecip
		}
	}
	for _, c := range children(n) {
		r |= s.measure(c)
	}
	s.reads[n] = r
	return r
}

// build is the part of a node that reads both the offer and the recipient
// (or of the root): slots for what reads one of them, operations joining.
func (s *splitter) build(n ast.Node) *part {
	switch s.reads[n] {
	case 0:
		ip := &interp{m: new(meter)}
		return &part{op: pConst, val: ip.run(s.whole(n))}
	case readsOffer:
		s.sp.offer = append(s.sp.offer, s.whole(n))
		return &part{op: pOfferSlot, slot: len(s.sp.offer) - 1}
	case readsRecip:
		if t := n.Type(); t == nil || t.Kind() != reflect.Bool {
			s.sp.recipBool = false
		}
		s.sp.recip = append(s.sp.recip, s.whole(n))
		return &part{op: pRecipSlot, slot: len(s.sp.recip) - 1}
	}
	return s.part(n, s.build)
}

// whole translates a subtree as it is, for a slot.
func (s *splitter) whole(n ast.Node) *part { return s.part(n, s.whole) }

// part translates node n, and its operands with child.
func (s *splitter) part(n ast.Node, child func(ast.Node) *part) *part {
	kids := func(ns ...ast.Node) []*part {
		ps := make([]*part, len(ns))
		for i, c := range ns {
			ps[i] = child(c)
		}
		return ps
	}
	switch n := n.(type) {
	case *ast.IntegerNode:
		if t := n.Type(); t != nil && t.Kind() == reflect.Float64 {
			return &part{op: pConst, val: val{k: vFloat, f: float64(n.Value)}}
		} else if t == nil || t.Kind() == reflect.Int {
			return &part{op: pConst, val: val{k: vInt, i: n.Value}}
		}
	case *ast.FloatNode:
		if t := n.Type(); t == nil || t.Kind() == reflect.Float64 {
			return &part{op: pConst, val: val{k: vFloat, f: n.Value}}
		}
	case *ast.BoolNode:
		return &part{op: pConst, val: fromAny(n.Value)}
	case *ast.StringNode:
		return &part{op: pConst, val: fromAny(n.Value)}
	case *ast.NilNode:
		return &part{op: pConst, val: val{k: vNil}}
	case *ast.ConstantNode:
		return &part{op: pConst, val: fromAny(n.Value)}
	case *ast.IdentifierNode:
		if op, ok := identOps[n.Value]; ok {
			return &part{op: op}
		}
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "offer" && !n.Method {
			if name, ok := n.Property.(*ast.StringNode); ok {
				return &part{op: pField, name: name.Value}
			}
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			break
		}
		p := &part{op: helperOps[id.Value]}
		switch id.Value {
		case "__add", "__sub", "__mul", "__div", "__mod", "__pow":
			p.fn, p.add = arithOps[id.Value], id.Value == "__add"
		case "__read", "__loop":
			w, ok := n.Arguments[1].(*ast.IntegerNode)
			if !ok {
				return &part{}
			}
			p.weight = w.Value
			p.kids = kids(n.Arguments[0])
			return p
		}
		if p.op != pUnknown {
			p.kids = kids(n.Arguments...)
			return p
		}
	case *ast.BinaryNode:
		if op, ok := binaryOps[n.Operator]; ok {
			return &part{op: op, kids: kids(n.Left, n.Right)}
		}
	case *ast.UnaryNode:
		if op, ok := unaryOps[n.Operator]; ok {
			return &part{op: op, kids: kids(n.Node)}
		}
	case *ast.ConditionalNode:
		return &part{op: pCond, kids: kids(n.Cond, n.Exp1, n.Exp2)}
	case *ast.BuiltinNode:
		i, ok := builtin.Index[n.Name]
		if !ok || loops[n.Name] || len(n.Arguments) > 3 {
			break
		}
		return &part{op: pBuiltin, builtin: i, kids: kids(n.Arguments...)}
	}
	return &part{op: pUnknown}
}

var identOps = map[string]pop{"profile": pProfile, "context": pContext, "now": pNow, "offer": pOffer}

var helperOps = map[string]pop{
	"__get": pGet, "__bool": pBool, "__eq": pEq, "__ne": pNe, "__lt": pLt, "__le": pLe, "__gt": pGt, "__ge": pGe,
	"__add": pArith, "__sub": pArith, "__mul": pArith, "__div": pArith, "__mod": pArith, "__pow": pArith,
	"__contains": pContains, "__read": pRead, "__loop": pLoop, "__built": pBuilt,
}

var arithOps = map[string]func(x, y float64) float64{
	"__add": addF, "__sub": subF, "__mul": mulF, "__div": divF, "__mod": math.Mod, "__pow": math.Pow,
}

var binaryOps = map[string]pop{
	"+": pTAdd, "-": pTSub, "*": pTMul, "/": pTDiv, "%": pTMod, "**": pTPow, "^": pTPow,
	"<": pTLt, "<=": pTLe, ">": pTGt, ">=": pTGe, "==": pTEq, "!=": pTNe,
	"&&": pAnd, "and": pAnd, "||": pOr, "or": pOr, "in": pIn, "??": pCoalesce,
}

var unaryOps = map[string]pop{"!": pNot, "not": pNot, "-": pNeg, "+": pPlus}

// children are the operands of a node, for measure.
func children(n ast.Node) []ast.Node {
	switch n := n.(type) {
	case *ast.UnaryNode:
		return []ast.Node{n.Node}
	case *ast.BinaryNode:
		return []ast.Node{n.Left, n.Right}
	case *ast.ChainNode:
		return []ast.Node{n.Node}
	case *ast.MemberNode:
		return []ast.Node{n.Node, n.Property}
	case *ast.SliceNode:
		return []ast.Node{n.Node, n.From, n.To}
	case *ast.CallNode:
		return append([]ast.Node{n.Callee}, n.Arguments...)
	case *ast.BuiltinNode:
		return n.Arguments
	case *ast.PredicateNode:
		return []ast.Node{n.Node}
	case *ast.ConditionalNode:
		return []ast.Node{n.Cond, n.Exp1, n.Exp2}
	case *ast.VariableDeclaratorNode:
		return []ast.Node{n.Value, n.Expr}
	case *ast.SequenceNode:
		return n.Nodes
	case *ast.ArrayNode:
		return n.Nodes
	case *ast.MapNode:
		return n.Pairs
	case *ast.PairNode:
		return []ast.Node{n.Key, n.Value}
	}
	return nil
}

// offerSlots computes the offer slots of sp for one offer.
func (sp *split) offerSlots(o *offerEnv) []val {
	ip := &interp{m: new(meter), offer: o}
	slots := make([]val, len(sp.offer))
	for k, p := range sp.offer {
		slots[k] = ip.run(p)
	}
	return slots
}

// staticBound bounds the score of an offer over every recipient, or is
// +Inf when it cannot: every combination of boolean recipient slots is
// interpreted.
func (sp *split) staticBound(slots []val, priority int) float64 {
	bound := math.Inf(1)
	if combos := sp.combos(slots, priority); combos != nil {
		bound = slicesMax(combos)
	}
	return bound
}

// combos bounds the score of an offer for each combination of the values
// of boolean recipient slots — slot k true in combination c when bit k of
// c is set — or is nil when the recipient slots are not all booleans.
func (sp *split) combos(slots []val, priority int) []float64 {
	if !sp.recipBool || len(sp.recip) > maxEnumerated {
		return nil
	}
	vals := make([]val, len(sp.recip))
	done := make([]bool, len(sp.recip))
	ip := &interp{m: new(meter), oslots: slots, rvals: vals, rdone: done, sp: sp}
	bounds := make([]float64, 1<<len(sp.recip))
	for c := range bounds {
		for k := range vals {
			vals[k], done[k] = boolVal(c>>k&1 == 1), true
		}
		bounds[c] = scoreBound(ip.run(sp.root), priority)
	}
	return bounds
}

// combo is the combination of this decision's boolean recipient slots, or
// -1 when one of them is not true or false (its evaluation stopped).
func (ip *interp) combo(sp *split) (c int) {
	defer func() {
		if recover() != nil {
			c = -1
		}
	}()
	if ip.m.begin() != nil {
		return -1
	}
	ip.sp, ip.base = sp, sp.recipBase
	for k := range sp.recip {
		v := ip.recip(k)
		if v.k != vBool {
			return -1
		}
		if v.b {
			c |= 1 << k
		}
	}
	return c
}

func slicesMax(s []float64) float64 {
	m := math.Inf(-1)
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// scoreBound turns an interpreted formula into a bound of the score the
// VM gives (runFormula): its number, the offer's priority when it fails or
// gives no number — or when the VM fails where the interpreter did not,
// so the priority always counts — or +Inf when unknown; widened a little,
// so that a bound is never below the score it bounds.
func scoreBound(v val, priority int) float64 {
	b := float64(priority)
	switch {
	case v.k == vUnknown:
		return math.Inf(1)
	case v.isNum():
		if f, _ := v.num(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			b = max(b, f)
		}
	case v.k == vAny:
		if f, ok := toFloat(v.x); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
			b = max(b, f)
		}
	}
	return b + 1e-9*max(1, math.Abs(b))
}
