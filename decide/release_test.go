package decide

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// TestCountersOfReplay: the counters Library.Counters computes for a
// decision replayed from its record are the ones Decide reserved, for
// every sample recipient, in a message with a placement of two offers and
// an activity that allows duplicates (an offer counted twice). A resumed
// run releases a render reject with them.
func TestCountersOfReplay(t *testing.T) {
	lib := sampleLibrary(t)
	e := New(lib)
	now := testNow
	scopes := []Scope{{"winter-sale", "hero", 0}, {"winter-sale", "sidebar", 2}, {"winter-sale", "banner", 0},
		{"weekly-digest", "hero", 0}, {"weekly-digest", "hero", 0}}
	f, err := os.Open("../testdata/recipients/sample.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, doubled := 0, 0
	for sc.Scan() {
		var rec struct {
			ID      string         `json:"id"`
			Profile map[string]any `json:"profile"`
			Context map[string]any `json:"context"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.ID == "" {
			continue // the sample's bad records, which a run rejects
		}
		d, err := e.Decide(context.Background(), &Request{Campaign: "c", Recipient: rec.ID, Profile: rec.Profile, Context: rec.Context,
			Now: now, Scopes: scopes, Counts: mapCounts{}})
		if err != nil {
			t.Fatal(err)
		}
		record, err := d.Record()
		if err != nil {
			t.Fatal(err)
		}
		replayed, err := lib.Replay(record, scopes...)
		if err != nil {
			t.Fatal(err)
		}
		got := lib.Counters(replayed, rec.ID, now)
		if !reflect.DeepEqual(got, d.Counters) {
			t.Errorf("%s: Counters of the replayed decision = %+v, want Decide's %+v", rec.ID, got, d.Counters)
		}
		for _, c := range d.Counters {
			if c.N > 1 {
				doubled++
			}
		}
		n += len(d.Counters)
	}
	if n == 0 || doubled == 0 {
		t.Errorf("%d counters, %d of them counted twice: want some of each, or the test shows nothing", n, doubled)
	}
}
