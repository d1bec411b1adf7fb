package decide

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// sampleLibrary is the library that ships with the project.
func sampleLibrary(t testing.TB) *Library {
	t.Helper()
	lib, err := Load("../templates/library")
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// randomDecision makes a decision of lib's offers and fallbacks: any
// number of scopes, each with offers (random scores), the fallback or
// nothing.
func randomDecision(r *rand.Rand, lib *Library) (*Decision, []Scope) {
	offers, fallbacks := lib.OfferIDs(), lib.FallbackIDs()
	scores := []float64{0, 1, -3, 95, 0.1, 1.0 / 3, 1e21, 1e20, 1e-7, 1e-6, -2.5e-9, math.MaxFloat64, 5e-324, math.Copysign(0, -1)}
	d := &Decision{Propositions: []Proposition{}}
	var scopes []Scope
	for i := range r.IntN(5) {
		p := Proposition{Activity: "a" + string(rune('0'+i)), Placement: "p:x-" + string(rune('0'+i)), Offers: []Choice{}}
		switch r.IntN(3) {
		case 0:
			for k := range 1 + r.IntN(4) {
				id := offers[r.IntN(len(offers))]
				score := scores[r.IntN(len(scores))]
				switch r.IntN(3) {
				case 0:
					score = r.NormFloat64() * 100
				case 1:
					score = float64(lib.offers[id].Priority)
				}
				p.Offers = append(p.Offers, Choice{ID: id, Score: score, Rank: k + 1, Offer: lib.offers[id]})
			}
		case 1:
			id := fallbacks[r.IntN(len(fallbacks))]
			p.Fallback = &Ref{ID: id, Offer: lib.fallbacks[id]}
		}
		d.Propositions = append(d.Propositions, p)
		scopes = append(scopes, Scope{Activity: p.Activity, Placement: p.Placement})
	}
	return d, scopes
}

// TestRecordRoundTrip: a decision replays from its compact record as it
// was made, and its JSON is json.Marshal's.
func TestRecordRoundTrip(t *testing.T) {
	lib := sampleLibrary(t)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		d, scopes := randomDecision(r, lib)
		rec, err := d.Record()
		if err != nil {
			t.Fatal(err)
		}
		got, err := lib.Replay(rec, scopes...)
		if err != nil {
			t.Fatalf("decision %d: Replay(%q): %v", i, rec, err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("decision %d: Replay(%q) = %+v, want %+v", i, rec, got, d)
		}
		js, err := d.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if string(js) != string(want) {
			t.Fatalf("decision %d: AppendJSON = %s, want json.Marshal's %s", i, js, want)
		}
		// A JSON record (earlier versions, the API's) replays without
		// scopes.
		if again, err := lib.Replay(want); err != nil || !reflect.DeepEqual(again, d) {
			t.Fatalf("decision %d: Replay(%s) = %+v, %v", i, want, again, err)
		}
	}
}

// TestReplayEarlierRecord: a ledger record written by the version before
// compact records (a line of decisions.ndjson of the sample newsletter,
// less campaign and recipient) replays as it did.
func TestReplayEarlierRecord(t *testing.T) {
	lib := sampleLibrary(t)
	old := `{"propositions":[{"activity":"winter-sale","placement":"hero","offers":[{"id":"gift-card-bonus","score":55,"rank":1}],"fallback":null},` +
		`{"activity":"winter-sale","placement":"sidebar","offers":[{"id":"merino-bundle","score":65,"rank":1},{"id":"headlamp-15","score":55,"rank":2}],"fallback":null},` +
		`{"activity":"winter-sale","placement":"banner","offers":[],"fallback":{"id":"winter-default"}}]}`
	d, err := lib.Replay([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	js, err := d.AppendJSON(nil)
	if err != nil || string(js) != old {
		t.Errorf("AppendJSON of the replayed decision = %s, %v; want the record %s", js, err, old)
	}
	rec, err := d.Record()
	if err != nil {
		t.Fatal(err)
	}
	if want := "2|gift-card-bonus|merino-bundle 65,headlamp-15 55|=winter-default"; string(rec) != want {
		t.Errorf("Record = %q, want %q", rec, want)
	}
	if len(rec)*5 > len(old) {
		t.Errorf("the compact record takes %d bytes, the JSON %d: want a fifth at most", len(rec), len(old))
	}
}

func TestReplayErrors(t *testing.T) {
	lib := sampleLibrary(t)
	scopes := []Scope{{Activity: "winter-sale", Placement: "hero"}, {Activity: "winter-sale", Placement: "banner"}}
	tests := []struct {
		record  string
		changed bool
		want    string
	}{
		{"2|parka-30 95", true, "holds 1 scopes, the message 2"},
		{"2|parka-30 95||", true, "holds 3 scopes"},
		{"2|gone-offer 95|", true, `offer "gone-offer"`},
		{"2||=gone-fallback", true, `fallback "gone-fallback"`},
		{"2|parka-30 x|", false, "not an offer and its score"},
		{"2|parka-30 |", false, "not an offer and its score"},
		{"", false, "not a ledger record"},
		{"3|parka-30 95|", false, "not a ledger record"},
		{"{not json", false, "read recorded decision"},
	}
	for _, tt := range tests {
		_, err := lib.Replay([]byte(tt.record), scopes...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrLibraryChanged) != tt.changed {
			t.Errorf("Replay(%q) = %v, want an error containing %q (library changed: %v)", tt.record, err, tt.want, tt.changed)
		}
	}
}

func TestRecordRefusesNaN(t *testing.T) {
	d := &Decision{Propositions: []Proposition{{Activity: "a", Placement: "p", Offers: []Choice{{ID: "o", Score: math.NaN(), Rank: 1}}}}}
	if _, err := d.Record(); err == nil {
		t.Error("Record of a NaN score: no error")
	}
	if _, err := d.AppendJSON(nil); err == nil {
		t.Error("AppendJSON of a NaN score: no error")
	}
}
