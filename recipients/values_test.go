package recipients

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestValueCache: a file whose values repeat, and whose distinct values
// outnumber the cache's slots (so they replace each other), reads every
// record as encoding/json decodes it; repeated values are shared.
func TestValueCache(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var in bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&in, `{"id":"u%d","email":"u%d@example.com","profile":{"tier":"t%d","n":%d,"f":%g,"neg":-%d,"s":"%d","b":%v,"l":["x%d",%d,"%d"],"z":-0,"e":"","long":"%040d"}}`+"\n",
			i, i, r.IntN(40), r.IntN(2000), float64(r.IntN(100))/8, r.IntN(3), r.IntN(2000), r.IntN(2) == 0, r.IntN(900), r.IntN(900), r.IntN(900), r.IntN(5))
	}
	lines := bytes.Split(in.Bytes(), []byte("\n"))
	rd := NewNDJSON(bytes.NewReader(in.Bytes()))
	tiers := map[string]any{}
	shared := 0
	for i := 0; ; i++ {
		rec, rej, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil || rej != nil {
			t.Fatalf("record %d: %v %v", i, rej, err)
		}
		var want struct{ Profile map[string]any }
		if err := json.Unmarshal(lines[i], &want); err != nil {
			t.Fatal(err)
		}
		if !equalJSON(rec.Profile, want.Profile) {
			t.Fatalf("line %d: profile %#v, encoding/json %#v", i+1, rec.Profile, want.Profile)
		}
		tier := rec.Profile["tier"].(string)
		if before, ok := tiers[tier]; ok && sameString(before, rec.Profile["tier"]) {
			shared++
		}
		tiers[tier] = rec.Profile["tier"]
	}
	if shared < 1000 {
		t.Fatalf("a repeated tier shared its string %d times in 3000 records; want over 1000", shared)
	}
}

// sameString reports whether two boxed strings share their bytes.
func sameString(a, b any) bool {
	x, y := a.(string), b.(string)
	return len(x) > 0 && len(x) == len(y) && unsafe.StringData(x) == unsafe.StringData(y)
}
