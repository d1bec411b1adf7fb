package gen

import (
	"bytes"
	"io"
	"testing"

	"github.com/offermail/offermail/recipients"
)

// TestWrite: the same seed gives the same bytes, and the recipients reader
// takes every line but the bad ones asked for, with no duplicate ids.
func TestWrite(t *testing.T) {
	o := Options{Seed: 4, BadEvery: 10, OddEvery: 7}
	var a, b bytes.Buffer
	if err := Write(&a, 200, o); err != nil {
		t.Fatal(err)
	}
	Write(&b, 200, o)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two files from one seed differ")
	}
	r := recipients.NewNDJSON(bytes.NewReader(a.Bytes()))
	good, bad := 0, 0
	for {
		rec, rej, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rej != nil {
			bad++
			if rej.Line%10 != 0 {
				t.Errorf("line %d rejected: %s", rej.Line, rej.Reason)
			}
			continue
		}
		good++
		if rec.Profile["age"] == nil || rec.Profile["city"] == nil {
			t.Errorf("line %d has no age or city: %v", rec.Line, rec.Profile)
		}
	}
	if good != 180 || bad != 20 {
		t.Errorf("%d good and %d bad records, want 180 and 20", good, bad)
	}
}
