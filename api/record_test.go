package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/offermail/offermail/decide"
)

// TestRecordEncoder: the ledger record written by hand (a decision
// without a trace) reads back as the one json.Marshal writes: the same
// propositions and meta, with strings that need escaping and a
// sub-second decision time.
func TestRecordEncoder(t *testing.T) {
	d := &decide.Decision{Propositions: []decide.Proposition{
		{Activity: "act", Placement: "hero", Offers: []decide.Choice{{ID: "scarce", Score: 0.125, Rank: 1}, {ID: "plenty", Score: 1e-9, Rank: 2}}},
		{Activity: "act", Placement: "side", Offers: []decide.Choice{}, Fallback: &decide.Ref{ID: "fb"}},
	}}
	for _, m := range []*meta{
		{ID: "0194", Route: "decisions", Hash: "ab12", At: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), Campaign: "api", Recipient: "u1"},
		{ID: "0195", Route: "messages", At: time.Date(2026, 12, 2, 9, 0, 0, 123456789, time.UTC), Campaign: `c "quoted" <&>`, Recipient: "ü\u2028\x01", Template: "mail.hbs"},
	} {
		got, err := encoder(m)(d)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(record{Propositions: d.Propositions, API: m}, json.Deterministic(true))
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("the record is not JSON: %v\n%s", err, got)
		}
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("record\n%s\nreads back other than\n%s", got, want)
		}
		back, err := readMeta(got)
		if err != nil || *back != *m {
			t.Errorf("readMeta = %+v, %v; want %+v", back, err, m)
		}
	}
}
