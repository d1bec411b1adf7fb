package recipients

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestKeyOrderRecords: each record of a file keeps its own objects' order
// (the reader's scratch space is not shared with the records it returned),
// also with more objects than a KeyOrder scans without an index.
func TestKeyOrderRecords(t *testing.T) {
	var in strings.Builder
	for i := range 3 {
		var items []string
		for k := range 3 + 5*i { // 3, 8 and 13 objects
			items = append(items, fmt.Sprintf(`{"z%d":1,"a":%d}`, i, k))
		}
		fmt.Fprintf(&in, `{"id":"u%d","email":"a@example.com","profile":{"y":1,"x":[%s]}}`+"\n", i, strings.Join(items, ","))
	}
	r := NewNDJSON(strings.NewReader(in.String()))
	var recs []*Record
	for {
		rec, rej, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil || rej != nil {
			t.Fatal(rej, err)
		}
		recs = append(recs, rec)
	}
	for i, rec := range recs {
		if got := rec.Order.Keys(rec.Profile); !slices.Equal(got, []string{"y", "x"}) {
			t.Errorf("record %d: Keys(profile) = %v, want [y x]", i, got)
		}
		for k, item := range rec.Profile["x"].([]any) {
			if got, want := rec.Order.Keys(item.(map[string]any)), []string{fmt.Sprint("z", i), "a"}; !slices.Equal(got, want) {
				t.Errorf("record %d: Keys(profile.x[%d]) = %v, want %v", i, k, got, want)
			}
		}
		if got := rec.Order.Keys(map[string]any{"y": 1}); got != nil {
			t.Errorf("record %d: Keys(another map) = %v, want nil", i, got)
		}
	}
}
