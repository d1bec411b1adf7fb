package batch

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecisionReader reads decisions lines with decisionReader and with
// encoding/json into the struct the report used to decode, and compares:
// fallbacks, empty propositions, escaped strings, members in another
// order, unknown and repeated members. Broken lines are errors.
func TestDecisionReader(t *testing.T) {
	type prop struct {
		Activity, Placement string
		Offers              []struct{ ID string }
		Fallback            *struct{ ID string }
	}
	type line struct {
		Recipient    string
		Propositions []prop
	}
	good := []string{
		`{"campaign":"bench","recipient":"r0000001","propositions":[{"activity":"winter-sale","placement":"hero","offers":[{"id":"parka-30","score":95,"rank":1}],"fallback":null},{"activity":"winter-sale","placement":"sidebar","offers":[{"id":"a","score":85,"rank":1},{"id":"b","score":65,"rank":2}],"fallback":null}]}`,
		`{"campaign":"c","recipient":"u\"2\u00e9","propositions":[{"activity":"a\\b","placement":"p","offers":[],"fallback":{"id":"fb","name":"x"}}]}`,
		`{"propositions":[{"offers":[{"rank":1,"id":"o\u003c1"}],"placement":"p","activity":"a","extra":{"id":"no"}}],"recipient":"r"}`,
		`{"campaign":"c","recipient":"r","propositions":[]}`,
		`{"campaign":"c","recipient":"r","recipient":"s","propositions":[{"activity":"a","placement":"p","offers":null}]}`,
		` {"recipient":"r"} `,
	}
	var r decisionReader
	for _, l := range good {
		var want line
		if err := json.Unmarshal([]byte(l), &want); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", l, err)
		}
		if err := r.read([]byte(l)); err != nil {
			t.Errorf("read(%s): %v", l, err)
			continue
		}
		got := line{Recipient: string(r.text(r.recipient))}
		for _, p := range r.props {
			g := prop{Activity: string(r.text(p.activity)), Placement: string(r.text(p.placement))}
			for _, o := range p.offers {
				g.Offers = append(g.Offers, struct{ ID string }{string(r.text(o))})
			}
			if p.hasFallback {
				g.Fallback = &struct{ ID string }{string(r.text(p.fallback))}
			}
			got.Propositions = append(got.Propositions, g)
		}
		norm := func(l *line) {
			for i := range l.Propositions {
				if len(l.Propositions[i].Offers) == 0 {
					l.Propositions[i].Offers = nil
				}
			}
			if len(l.Propositions) == 0 {
				l.Propositions = nil
			}
		}
		norm(&want)
		norm(&got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read(%s) = %+v, want %+v", l, got, want)
		}
	}
	for _, l := range []string{
		`{"recipient":"r","propositions":[{"activity":"a"`,
		`{"recipient":"r"}{"recipient":"s"}`,
		`{"recipient":7}`,
		`{"recipient":"r","propositions":[{"fallback":"x"}]}`,
		`[]`,
		``,
	} {
		if err := r.read([]byte(l)); err == nil {
			t.Errorf("read(%s) = nil, want an error", l)
		}
	}
}
