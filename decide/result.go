package decide

// A decision's result is what a decision allocates: a batch makes one per
// recipient. The usual one — up to three scopes, up to four offers in all
// — is one block of under 512 bytes (larger objects cost the allocator
// and the collector more per byte), its counters and fallbacks apart.

// decisionBlock holds a decision of up to len(props) scopes and
// len(choices) offers.
type decisionBlock struct {
	d       Decision
	props   [3]Proposition
	choices [4]Choice
}

// newDecision returns an empty decision with room for the propositions of
// scopes, and keeps room for the offers they can hold in st.spare;
// st.plans are the scopes' plans.
func (st *state) newDecision(scopes []Scope) *Decision {
	n := 0
	for k, sc := range scopes {
		if sc.Items > 0 {
			n += sc.Items
		} else if pl := st.plans[k]; pl != nil {
			n += pl.items
		}
	}
	var d *Decision
	st.spare = nil
	if len(scopes) <= len(decisionBlock{}.props) {
		b := new(decisionBlock)
		d = &b.d
		d.Propositions = b.props[:0:len(scopes)]
		if n <= len(b.choices) {
			st.spare = b.choices[:0]
		}
	} else {
		d = &Decision{Propositions: make([]Proposition, 0, len(scopes))}
	}
	if st.spare == nil && n > 0 {
		st.spare = make([]Choice, 0, min(n, 64))
	}
	return d
}

// choices returns an empty slice with room for n offers, from st.spare
// when it has enough: a decision's offers then take no allocation of
// their own. The slice is never nil, so that a proposition without
// offers has "offers": [] in JSON.
func (st *state) choices(n int) []Choice {
	if n > cap(st.spare) {
		return make([]Choice, 0, n)
	}
	room := st.spare[:cap(st.spare)]
	st.spare = room[n:n]
	return room[:0:n]
}
