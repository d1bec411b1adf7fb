package render

import (
	"reflect"
	"testing"
)

// executedState renders the sample newsletter (a partial with key=value
// pairs, helper calls, blocks over offers, offer content) and returns the
// state its template's pool got back, or skips when the pool gave another.
func executedState(t *testing.T) (*Template, *state) {
	tmpl, in := newsletterBench(t)
	for range 20 {
		var out Output
		if err := tmpl.executeTo(&out, in, nil); err != nil {
			t.Fatal(err)
		}
		s := tmpl.pool.Get().(*state)
		if cap(s.frames) > 0 {
			return tmpl, s
		}
	}
	t.Skip("the pool never gave back the state of an execution")
	return nil, nil
}

// TestStateKeepsNothing checks that a state back in its pool refers to
// nothing of the recipient's: drop clears the stacks as far as the
// execution used them, the call records and the partials' hash contexts.
func TestStateKeepsNothing(t *testing.T) {
	_, s := executedState(t)
	zero := func(what string, v any) {
		t.Helper()
		if rv := reflect.ValueOf(v); rv.IsValid() && !rv.IsZero() {
			t.Errorf("%s after drop = %+v, want it cleared", what, v)
		}
	}
	for i, fr := range s.frames[:cap(s.frames)] {
		zero("frame "+string(rune('0'+i)), fr)
	}
	for _, a := range s.args[:cap(s.args)] {
		zero("argument", a)
	}
	for _, h := range s.hash[:cap(s.hash)] {
		zero("named argument", h)
	}
	for _, c := range s.calls {
		zero("call", *c)
	}
	for _, h := range s.hashes {
		zero("hash context", *h)
	}
	for _, items := range s.items {
		for _, it := range items[:cap(items)] {
			zero("item", it)
		}
	}
	zero("input", s.in)
	zero("propositions", s.props)
	zero("profile", s.data.profile)
	zero("context", s.data.context)
	zero("recipient", s.data.recipient.vals)
	zero("campaign", s.data.campaign.vals)
	if len(s.frames) == 0 && cap(s.frames) == 0 {
		t.Error("the state used no frames: the test checks nothing")
	}
}

// TestResetAsNew checks that reset leaves a used state as a new one is
// (with the default byte bound), apart from the buffers and records it keeps for reuse.
func TestResetAsNew(t *testing.T) {
	_, s := executedState(t)
	s.reset()
	got, want := *s, state{maxBytes: DefaultMaxBytes}
	for _, st := range []*state{&got, &want} {
		for _, b := range []*[]byte{&st.arena, &st.tmp, &st.val, &st.buf} {
			if len(*b) != 0 {
				t.Errorf("a buffer holds %d bytes after reset", len(*b))
			}
			*b = nil
		}
		if len(st.frames)+len(st.args)+len(st.hash)+len(st.items)+len(st.done)+len(st.missing) != 0 {
			t.Errorf("a stack is not empty after reset")
		}
		st.frames, st.args, st.hash, st.items, st.done, st.missing = nil, nil, nil, nil, nil, nil
		// Kept on purpose: pooled records, cached boxes and texts of
		// @now, the writer, the root's names (its values are checked by
		// TestStateKeepsNothing).
		st.calls, st.hashes, st.cache, st.nowDates, st.dw, st.data = nil, nil, boxCache{}, nil, nil, rootData{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("state after reset = %+v\nwant %+v", got, want)
	}
}
