package recipients

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fastCases are lines on both sides of the fast path's edge: each is
// parsed by both paths in TestFastRecordSameAsStrict, and fast says
// whether the fast path must take it (a plain record) or leave it to the
// strict one.
var fastCases = []struct {
	line string
	fast bool
}{
	{`{"id":"u1","email":"a@example.com"}`, true},
	{` {"id" : "u1" , "email":"a@example.com","profile":{"b":1,"a":[true,false,null,"x",-0,0.5,12.25,[],{}]},"context":null}` + "\t\r", true},
	{`{"id":1001,"email":"a@example.com","profile":{"city":"Zürich","n":-12840.125,"z":0}}`, true},
	{`{"id":0,"email":"a@example.com","profile":{"deep":{"a":{"b":{"c":[{"d":1}]}}}}}`, true},
	{`{}`, true}, // parsed; the reader then rejects it for its missing id
	{`{"id":"","email":""}`, true},
	{`{"id":"u1","email":"a@example.com","profile":{"x":123456789012345,"y":0.1,"z":-3.141592653589}}`, true},

	// Escapes, exponents, inexact numbers, duplicates, unknown keys,
	// wrong types, bad syntax, bad UTF-8, deep nesting: the strict path.
	{`{"id":"u\u0031","email":"a@example.com"}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a\"b":1}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":1e3}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":1234567890123456}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":0.00000000000000000000001}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":1e400}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":-1e400}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":1,"a":2}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":1,"b":{"c":1,"c":1}}}`, false},
	{`{"id":"u1","id":"u2","email":"a@example.com"}`, false},
	{`{"id":"u1","email":"a@example.com","profle":{}}`, false},
	{`{"id":"u1","email":"a@example.com","Profile":{}}`, false},
	{`{"id":1.5,"email":"a@example.com"}`, false},
	{`{"id":-1,"email":"a@example.com"}`, false},
	{`{"id":01,"email":"a@example.com"}`, false},
	{`{"id":null,"email":"a@example.com"}`, false},
	{`{"id":"u1","email":7}`, false},
	{`{"id":"u1","email":"a@example.com","profile":[]}`, false},
	{`{"id":"u1","email":"a@example.com","context":"x"}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":01}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":1.}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":-}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":.5}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"n":+1}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"t":tru}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"t":truex}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"t":nul}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":[1,]}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":1,}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a" 1}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":1}`, false},
	{`{"id":"u1","email":"a@example.com"} x`, false},
	{`{"id":"u1","email":"a@example.com"}{}`, false},
	{`{"id":"u1" "email":"a@example.com"}`, false},
	{`{"id":"u1","email":"a@example.com",}`, false},
	{`["id"]`, false},
	{`"x"`, false},
	{``, false},
	{`{"id":"u1","email":"a@exa` + "\xff" + `mple.com"}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a` + "\xed\xa0\x80" + `":1}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":"` + "\x01" + `"}}`, false},
	{`{"id":"u1` + "\t" + `","email":"a@example.com"}`, false},
	{`{"id":"u1","email":"a@example.com","profile":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":` + strings.Repeat(`[`, 120) + strings.Repeat(`]`, 120) + `}}`, false},
	{`{"id":"u1","email":"a@example.com","profile":{"a":"` + strings.Repeat("x", 100) + `"}}`, true},
	{`{"id":"u1","email":"a@example.com","profile":{"` + strings.Repeat("k", 100) + `":1}}`, true},
}

func TestFastRecordSameAsStrict(t *testing.T) {
	for _, tc := range fastCases {
		t.Run("", func(t *testing.T) {
			var p parser
			p.reset([]byte(tc.line), 1)
			p.recorded.reset()
			p.order = &p.recorded
			if _, ok := p.fastRecord(); ok != tc.fast {
				t.Errorf("fastRecord(%q) ok = %v, want %v", tc.line, ok, tc.fast)
			}
			compareParses(t, []byte(tc.line))
		})
	}
}

// TestFastRecordSamples: the sample files' records take the fast path,
// and every line of them parses the same either way.
func TestFastRecordSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sampleDir, "*.ndjson"))
	if len(files) == 0 {
		t.Fatalf("no .ndjson files in %s", sampleDir)
	}
	fast := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if compareParses(t, line) {
				fast++
			}
		}
	}
	if fast == 0 {
		t.Fatal("no sample line took the fast path")
	}
	if compareParses(t, []byte(strings.Replace(benchNDJSON, "%d", "7", 1))) != true {
		t.Error("the benchmark's record did not take the fast path")
	}
}

// FuzzFastRecord checks that the fast path and the strict one read any
// input the same way: the same fields, values (floats to the bit), key
// order and offsets, or the same error.
func FuzzFastRecord(f *testing.F) {
	addSeeds(f, ".ndjson", ".json")
	for _, tc := range fastCases {
		f.Add([]byte(tc.line))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareParses(t, data)
	})
}

// compareParses parses data with and without the fast path, fails t when
// the results differ, and reports whether the fast path took it.
func compareParses(t *testing.T, data []byte) (fast bool) {
	t.Helper()
	fp := parser{values: newValueCache()}
	sp := parser{values: newValueCache(), strict: true}
	frec, ferr := fp.parseRecord(data)
	srec, serr := sp.parseRecord(data)
	if !reflect.DeepEqual(ferr, serr) {
		t.Fatalf("parseRecord(%q) error = %+v with the fast path, %+v without", data, ferr, serr)
	}
	if got, want := describeParsed(frec), describeParsed(srec); got != want {
		t.Fatalf("parseRecord(%q) with the fast path:\n%s\nwithout:\n%s", data, got, want)
	}
	fp.reset(data, 1)
	fp.recorded.reset()
	fp.order = &fp.recorded
	_, fast = fp.fastRecord()
	return fast
}

// describeParsed writes out everything of rec that a caller reads, with
// floats as their bits (-0 is not 0) and each object's recorded key
// order.
func describeParsed(rec parsed) string {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%q have=%v off=%d email=%q have=%v off=%d obj=%d complete=%v\n",
		rec.id, rec.haveID, rec.idOff, rec.email, rec.haveEmail, rec.emailOff, rec.objOff, rec.complete)
	b.WriteString("profile=")
	describeValue(&b, rec.profile, rec.order)
	b.WriteString("\ncontext=")
	describeValue(&b, rec.context, rec.order)
	return b.String()
}

func describeValue(b *strings.Builder, v any, order *KeyOrder) {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			b.WriteString("nil-map")
			return
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range v {
				if !yield(k) {
					return
				}
			}
		})
		fmt.Fprintf(b, "{order=%q ", order.Keys(v))
		for _, k := range keys {
			fmt.Fprintf(b, "%q:", k)
			describeValue(b, v[k], order)
			b.WriteString(",")
		}
		b.WriteString("}")
	case []any:
		if v == nil {
			b.WriteString("nil-list")
			return
		}
		b.WriteString("[")
		for _, e := range v {
			describeValue(b, e, order)
			b.WriteString(",")
		}
		b.WriteString("]")
	case float64:
		fmt.Fprintf(b, "%v(%#x)", v, math.Float64bits(v))
	default:
		fmt.Fprintf(b, "%T(%#v)", v, v)
	}
}

// TestFastNumberExact compares fastNumber with strconv.ParseFloat, which
// jsontext uses, on random decimals of every length it takes and beyond.
func TestFastNumberExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b []byte
		if r.IntN(2) == 0 {
			b = append(b, '-')
		}
		intDigits, decimals := r.IntN(18), r.IntN(25)
		if intDigits == 0 {
			b = append(b, '0')
		}
		for i := range intDigits {
			b = append(b, byte('0'+r.IntN(10)))
			if i == 0 && b[len(b)-1] == '0' {
				b[len(b)-1] = '1'
			}
		}
		if decimals > 0 {
			b = append(b, '.')
			for range decimals {
				b = append(b, byte('0'+r.IntN(10)))
			}
		}
		f, end, ok := fastNumber(b, 0)
		if !ok {
			continue
		}
		want, err := strconv.ParseFloat(string(b), 64)
		if err != nil || end != len(b) || math.Float64bits(f) != math.Float64bits(want) {
			t.Fatalf("fastNumber(%q) = %v, %d; strconv.ParseFloat = %v, %v", b, f, end, want, err)
		}
	}
}
