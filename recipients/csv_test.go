package recipients

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/offermail/offermail/diag"
)

func TestTypeCell(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"true", true}, {"True", true}, {"TRUE", true},
		{"false", false}, {"False", false}, {"FALSE", false},
		{"tRUE", "tRUE"}, {"yes", "yes"}, {"1", 1.0}, {"t", "t"},
		{"0", 0.0}, {"42", 42.0}, {"-7", -7.0}, {"0.5", 0.5}, {"19.90", 19.9}, {"-0.25", -0.25},
		{"123456789012345", 123456789012345.0},
		{"1234567890123456", "1234567890123456"}, // 16 digits: float64 might not hold it
		{"1234567890.123456", "1234567890.123456"},
		{"02134", "02134"}, {"007", "007"}, {"00", "00"}, {"-01", "-01"},
		{"+1", "+1"}, {"1e3", "1e3"}, {"1E3", "1E3"}, {"1,000", "1,000"}, {".5", ".5"}, {"5.", "5."},
		{" 5", " 5"}, {"5 ", "5 "}, {"NaN", "NaN"}, {"Infinity", "Infinity"}, {"-", "-"},
		{"-0", "-0"}, {"-0.0", "-0.0"}, {"0x1F", "0x1F"}, {"1_000", "1_000"},
		{"Portland", "Portland"}, {"gold", "gold"},
	}
	for _, tt := range tests {
		if got := typeCell(tt.in); got != tt.want {
			t.Errorf("typeCell(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestCSVRecords(t *testing.T) {
	in := "\xEF\xBB\xBF" + // Excel writes a BOM; the first header must still be "id"
		" id , email ,age,loyalty.tier,loyalty.points,zip,profile.city,context.weather,vip\r\n" +
		"u1,a@example.com,34,gold,12840,02134,Portland,snow,TRUE\r\n" +
		"\r\n" + // a blank line is skipped
		"u2,b@example.com,,,,,,,\r\n" +
		`u3,c@example.com,17,"sil` + "\n" + `ver",,"",Salem,,false` + "\n" +
		"007,d@example.com,x,,1.50,,,rain,\n"
	r, err := NewCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("NewCSV() error = %v", err)
	}
	recs, got := readAll(t, r)
	wantResults := []result{{line: 2, id: "u1"}, {line: 4, id: "u2"}, {line: 5, id: "u3"}, {line: 7, id: "007"}}
	if !reflect.DeepEqual(got, wantResults) {
		t.Fatalf("results = %v, want %v", got, wantResults)
	}
	want := []struct{ profile, context map[string]any }{
		{map[string]any{"age": 34.0, "loyalty": map[string]any{"tier": "gold", "points": 12840.0}, "zip": "02134", "city": "Portland", "vip": true},
			map[string]any{"weather": "snow"}},
		{map[string]any{}, map[string]any{}}, // empty cells are absent fields, and no empty loyalty object
		{map[string]any{"age": 17.0, "loyalty": map[string]any{"tier": "sil\nver"}, "city": "Salem", "vip": false}, map[string]any{}},
		{map[string]any{"age": "x", "loyalty": map[string]any{"points": 1.5}}, map[string]any{"weather": "rain"}},
	}
	for i, w := range want {
		if !reflect.DeepEqual(recs[i].Profile, w.profile) || !reflect.DeepEqual(recs[i].Context, w.context) {
			t.Errorf("record %s: Profile, Context = %#v, %#v; want %#v, %#v", recs[i].ID, recs[i].Profile, recs[i].Context, w.profile, w.context)
		}
	}
	if recs[0].Email != "a@example.com" {
		t.Errorf("Email = %q, want %q", recs[0].Email, "a@example.com")
	}
}

func TestCSVRejects(t *testing.T) {
	const header = "id,email,name\n"
	tests := []struct {
		name   string
		row    string
		line   int // of the reject; the good row after it must follow
		id     string
		reason string
	}{
		{"too few cells", "u1,a@example.com\n", 2, "u1", "row has 2 cells but the header has 3; quote cells that contain commas"},
		{"too many cells", "u1,a@example.com,Ann,Lee\n", 2, "u1", "row has 4 cells but the header has 3"},
		{"empty id", ",a@example.com,Ann\n", 2, "", "empty id"},
		{"empty email", "u1,,Ann\n", 2, "u1", "empty email"},
		{"invalid email", "u1,ann(at)example.com,Ann\n", 2, "u1", `invalid email "ann(at)example.com"`},
		{"display name", `u1,"Ann Lee <a@example.com>",Ann` + "\n", 2, "u1", `email "Ann Lee <a@example.com>" has a display name or comment; write just "a@example.com"`},
		{"email with space", "u1, a@example.com,Ann\n", 2, "u1", `email " a@example.com" is not a bare address; write just "a@example.com"`},
		{"newline in email", "u1,\"a@example.com\nBcc: x@example.com\",Ann\n", 2, "u1", "contains a control character"},
		{"bare quote", "u1,a@example.com,An\"n\n", 2, "", `malformed CSV at 2:20: bare " in non-quoted-field; quote the whole cell`},
		{"bad quote after multi-line cell", "u1,a@example.com,\"An\nn\"x\n", 2, "", `malformed CSV at 3:2: extraneous or missing " in quoted-field`},
		{"invalid UTF-8 cell", "u1,a@example.com,Caf\xe9\n", 2, "u1", `cell in column "name" is not valid UTF-8; save the file as UTF-8`},
		{"invalid UTF-8 id", "u\xe91,a@example.com,Ann\n", 2, "", "id is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(header + tt.row + "u9,z@example.com,Zed\n"))
			if err != nil {
				t.Fatalf("NewCSV() error = %v", err)
			}
			_, got := readAll(t, r)
			if len(got) != 2 {
				t.Fatalf("results = %v, want a reject and a record", got)
			}
			if g := got[0]; g.line != tt.line || g.id != tt.id || !strings.Contains(g.reason, tt.reason) {
				t.Errorf("reject = line %d, id %q, reason %q; want line %d, id %q, reason containing %q",
					g.line, g.id, g.reason, tt.line, tt.id, tt.reason)
			}
			if g := got[1]; g.id != "u9" || g.reason != "" {
				t.Errorf("after the reject: %+v, want record u9", g)
			}
		})
	}
}

func TestCSVDuplicates(t *testing.T) {
	in := "id,email\nu1,a@example.com\nu2,bad\n\"u1\",b@example.com\nu2,c@example.com\nu3,\"d@example.com\nx\"\nu3,e@example.com\n"
	r, err := NewCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("NewCSV() error = %v", err)
	}
	_, got := readAll(t, r)
	want := []result{
		{line: 2, id: "u1"},
		{line: 3, id: "u2", reason: `invalid email "bad": missing '@' or angle-addr`},
		{line: 4, id: "u1", reason: duplicateReason("u1", 2)},
		{line: 5, id: "u2", reason: duplicateReason("u2", 3)},
		{line: 6, id: "u3", reason: `email "d@example.com\nx" contains a control character (CR, LF, tab...)`},
		{line: 8, id: "u3", reason: duplicateReason("u3", 6)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results =\n%v\nwant\n%v", got, want)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty file", "", "in.csv:1: empty file; the first row must be a header with id and email columns"},
		{"only blank lines", "\n\n", "in.csv:1: empty file"},
		{"no id", "email,name\n", `in.csv:1:1: missing id column; the header needs a column named "id"`},
		{"id in wrong case", "ID,email\n", `in.csv:1:1: missing id column; the header needs a column named "id" (column 1 is "ID"; names are case-sensitive)`},
		{"no email", "id,name\n", `in.csv:1:1: missing email column`},
		{"id twice", "id,email,id\n", `in.csv:1:10: column "id" appears twice (columns 1 and 3)`},
		{"email twice", "id,email,email\n", `in.csv:1:10: column "email" appears twice (columns 2 and 3)`},
		{"empty name", "id,email,,age\n", "in.csv:1:10: column 3 has no name in the header; name it or delete the column"},
		{"field twice", "id,email,age,age\n", `in.csv:1:14: columns "age" and "age" set the same field; keep one`},
		{"alias twice", "id,email,age,profile.age\n", `in.csv:1:14: columns "age" and "profile.age" set the same field`},
		{"value then object", "id,email,loyalty,loyalty.tier\n", `in.csv:1:18: column "loyalty.tier" conflicts with "loyalty": a field cannot hold both a value and nested fields`},
		{"object then value", "id,email,loyalty.tier,loyalty\n", `in.csv:1:23: column "loyalty" conflicts with "loyalty.tier"`},
		{"deep conflict", "id,email,a.b.c,a.b\n", `in.csv:1:16: column "a.b" conflicts with "a.b.c"`},
		{"empty part", "id,email,loyalty..tier\n", `in.csv:1:10: column "loyalty..tier" has an empty name between dots`},
		{"trailing dot", "id,email,loyalty.\n", `in.csv:1:10: column "loyalty." has an empty name between dots`},
		{"bare context", "id,email,context\n", `in.csv:1:10: column "context" needs a field name, like context.tier`},
		{"bad quote", "id,email,\"na\"me\n", `in.csv:1:13: malformed CSV header: extraneous or missing " in quoted-field`},
		{"invalid UTF-8", "id,email,n\xe9\n", "in.csv:1:10: header of column 3 is not valid UTF-8"},
		{"header after blank lines", "\n\nid,mail\n", "in.csv:3:1: missing email column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCSV(strings.NewReader(tt.in), WithName("in.csv"))
			var e *diag.Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("NewCSV(%q) error = %v, want a *diag.Error starting %q", tt.in, err, tt.want)
			}
		})
	}
}

// The same field from profile and context columns is no conflict.
func TestCSVContextAndProfileSameName(t *testing.T) {
	r, err := NewCSV(strings.NewReader("id,email,weather,context.weather\nu1,a@example.com,dry,snow\n"))
	if err != nil {
		t.Fatalf("NewCSV() error = %v", err)
	}
	recs, _ := readAll(t, r)
	if len(recs) != 1 || recs[0].Profile["weather"] != "dry" || recs[0].Context["weather"] != "snow" {
		t.Errorf("records = %v, want profile.weather dry and context.weather snow", recs)
	}
}

func TestCSVTooLong(t *testing.T) {
	const limit = 200
	tests := []struct {
		name string
		rest string // after two good rows
		want string
	}{
		{"long row", "u3,c@example.com," + strings.Repeat("x", limit) + "\n", "in.csv:4: CSV record is longer than 200 bytes"},
		{"unbalanced quote", "u3,c@example.com,\"" + strings.Repeat("x\n", 3*bufSize), "in.csv:4: CSV record is longer than 200 bytes; look for an unbalanced quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "id,email,name\nu1,a@example.com,Ann\nu2,b@example.com,Bo\n" + tt.rest
			r, err := NewCSV(strings.NewReader(in), WithName("in.csv"), WithMaxLineBytes(limit))
			if err != nil {
				t.Fatalf("NewCSV() error = %v", err)
			}
			for _, id := range []string{"u1", "u2"} {
				if rec, _, err := r.Next(); err != nil || rec == nil || rec.ID != id {
					t.Fatalf("Next() = %v, %v; want record %s", rec, err, id)
				}
			}
			for range 2 { // sticky
				_, _, err := r.Next()
				if err == nil || err == io.EOF || !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("Next() error = %v, want %q", err, tt.want)
				}
			}
		})
	}
}

func TestCSVFatal(t *testing.T) {
	boom := errors.New("network gone")
	in := io.MultiReader(strings.NewReader("id,email\nu1,a@example.com\n"), iotest.ErrReader(boom))
	r, err := NewCSV(in, WithName("in.csv"))
	if err != nil {
		t.Fatalf("NewCSV() error = %v", err)
	}
	if rec, _, err := r.Next(); err != nil || rec == nil {
		t.Fatalf("Next() = %v, %v; want record u1", rec, err)
	}
	if _, _, err := r.Next(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "in.csv: after line 2") {
		t.Errorf("Next() error = %v, want %v naming in.csv and line 2", err, boom)
	}
}

// A huge limit must not overflow the bounded reader's arithmetic.
func TestCSVHugeLimit(t *testing.T) {
	r, err := NewCSV(strings.NewReader("id,email\nu1,a@example.com\n"), WithMaxLineBytes(int(^uint(0)>>1)))
	if err != nil {
		t.Fatalf("NewCSV(WithMaxLineBytes(MaxInt)) error = %v", err)
	}
	if recs, got := readAll(t, r); len(recs) != 1 {
		t.Errorf("results = %v, want record u1", got)
	}
}
