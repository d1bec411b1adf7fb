package recipients

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

// parseValue parses data as one JSON value with nothing after it.
func parseValue(data []byte) (any, *posError) {
	return parseWith(&parser{values: newValueCache()}, data)
}

// parseWith is parseValue with a parser that may have read other texts.
func parseWith(p *parser, data []byte) (any, *posError) {
	p.reset(data, 0)
	tok, start, err := p.read(atValue)
	if err != nil {
		return nil, err
	}
	v, err := p.value(tok, start)
	if err != nil {
		return nil, err
	}
	if err := p.end("after top-level value"); err != nil {
		return nil, err
	}
	return v, nil
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`0`, 0.0}, {`-0.5e+2`, -50.0}, {`1E-2`, 0.01}, {`123456789`, 123456789.0},
		{`1e-400`, 0.0}, // underflow rounds to zero, as in encoding/json
		{`true`, true}, {`false`, false}, {`null`, nil},
		{`""`, ""}, {`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{`"\u00e9\u4e2d\ud83d\ude00"`, "é中😀"}, {`"é中😀"`, "é中😀"}, {`"\u0000"`, "\x00"},
		{` [ 1 , "x" , [ ] , { } ] `, []any{1.0, "x", []any{}, map[string]any{}}},
		{`{"a":{"b":[null]},"":1}`, map[string]any{"a": map[string]any{"b": []any{nil}}, "": 1.0}},
	}
	for _, tt := range tests {
		got, err := parseValue([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parse(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

// TestParseValueErrors: where the token that breaks the grammar starts, the
// message says what was expected there; inside a token (a number, a
// literal, a string's escape), it is jsontext's.
func TestParseValueErrors(t *testing.T) {
	tests := []struct {
		in  string
		off int
		msg string
	}{
		{``, 0, "malformed JSON: unexpected end of input looking for beginning of value"},
		{`x`, 0, "malformed JSON: invalid character 'x' looking for beginning of value"},
		{`é`, 0, "malformed JSON: invalid character 'é' looking for beginning of value"},
		{"\xff", 0, "malformed JSON: invalid character byte 0xff looking for beginning of value"},
		{`01`, 1, "malformed JSON: invalid character '1' after top-level value"},
		{`-`, 1, "malformed JSON: unexpected end of input in numeric literal"},
		{`1.`, 2, "malformed JSON: unexpected end of input in numeric literal"},
		{`1.e5`, 2, "malformed JSON: invalid character 'e' in number (expecting digit)"},
		{`1e`, 2, "malformed JSON: unexpected end of input in numeric literal"},
		{`-1e999`, 0, "number -1e999 is out of range"},
		{`tru`, 3, "malformed JSON: unexpected end of input in literal true"},
		{`nul1`, 3, "malformed JSON: invalid character '1' in literal null (expecting 'l')"},
		{`"abc`, 4, "malformed JSON: unexpected end of input in string literal"},
		{`"a\q"`, 2, "malformed JSON: invalid escape sequence `\\q` in string"},
		{`"a\u12"`, 2, "malformed JSON: invalid escape sequence `\\u12\"` in string"},
		{`"a` + "\n" + `"`, 2, `malformed JSON: invalid character '\n' in string (expecting non-control character)`},
		{`"\udc00"`, 1, "malformed JSON: lone UTF-16 surrogate in \\u escape"},
		{`"\ud800\u0041"`, 1, "malformed JSON: lone UTF-16 surrogate in \\u escape"},
		{`"\ud800x"`, 1, "malformed JSON: lone UTF-16 surrogate in \\u escape"},
		{"\"ok\xc3\"", 3, "invalid UTF-8 in string; save the file as UTF-8"},
		{"\"\\n\xc3\"", 3, "invalid UTF-8 in string; save the file as UTF-8"},
		{`{"a" 1}`, 5, "malformed JSON: invalid character '1' after object key"},
		{`{"a":1 "b":2}`, 7, "malformed JSON: invalid character '\"' after object key:value pair"},
		{`{1:2}`, 1, "malformed JSON: invalid character '1' looking for beginning of object key string"},
		{`{"a":1,"a":1}`, 7, `duplicate key "a"`},
		{`[1 2]`, 3, "malformed JSON: invalid character '2' after array element"},
		{`[1,]`, 3, "malformed JSON: invalid character ']' looking for beginning of value"},
		{strings.Repeat("[", 101), 100, "objects and arrays nest deeper than 100 levels"},
	}
	for _, tt := range tests {
		_, err := parseValue([]byte(tt.in))
		if err == nil || err.off != tt.off || err.msg != tt.msg {
			t.Errorf("parse(%q) error = %+v, want {off:%d msg:%s}", tt.in, err, tt.off, tt.msg)
		}
	}
	if _, err := parseValue([]byte(strings.Repeat("[", 100) + strings.Repeat("]", 100))); err != nil {
		t.Errorf("parse(100 nested arrays) error = %v, want nil", err.msg)
	}
}

// FuzzParseValue checks the parser against encoding/json: whatever it
// accepts, encoding/json accepts with the same value; whatever it refuses
// that encoding/json accepts, it refuses for one of its documented extra
// rules.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\u00e9",true,null]}`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, "\"\xff\"", `1e400`, `[[[]]]`, `-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &parser{values: newValueCache()}
		got, perr := parseWith(p, data)
		// Again, with the values of the first parse cached.
		if again, perr2 := parseWith(p, data); (perr == nil) != (perr2 == nil) || (perr == nil && !equalJSON(got, again)) {
			t.Fatalf("parse(%q) = %#v, %v; with its values cached %#v, %v", data, got, perr, again, perr2)
		}
		var want any
		stdErr := json.Unmarshal(data, &want)
		switch {
		case perr == nil && stdErr != nil:
			t.Fatalf("parse(%q) = %#v, but encoding/json says %v", data, got, stdErr)
		case perr == nil && !equalJSON(got, want):
			t.Fatalf("parse(%q) = %#v, encoding/json = %#v", data, got, want)
		case perr != nil && stdErr == nil:
			for _, extra := range []string{"duplicate key", "invalid UTF-8", "lone UTF-16 surrogate", "nest deeper"} {
				if strings.Contains(perr.msg, extra) {
					return
				}
			}
			t.Fatalf("parse(%q) error = %s, but encoding/json accepts it", data, perr.msg)
		case perr != nil && (perr.off < 0 || perr.off > len(data)):
			t.Fatalf("parse(%q) error offset %d outside the input", data, perr.off)
		}
	})
}

// equalJSON is reflect.DeepEqual that also tells 0 from -0, as both
// parsers must.
func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && a == b && math.Signbit(a) == math.Signbit(b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// TestRepeatedKey: jsontext refuses a repeated name at any depth; the
// reject names it at its column, and the record, being malformed, does not
// register its id for the duplicate check.
func TestRepeatedKey(t *testing.T) {
	in := `{"id":"u9","email":"a@example.com","id":"u9"}` + "\n" + `{"id":"u9","email":"b@example.com"}` + "\n"
	_, got := readAll(t, NewNDJSON(strings.NewReader(in)))
	want := []result{{line: 1, id: "u9", reason: `col 36: duplicate key "id"`}, {line: 2, id: "u9"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results = %v, want %v", got, want)
	}
	r := NewNDJSON(strings.NewReader(`{"id":"u1","email":"a@example.com","profile":{"a":{"b":1,"b\u0020":2,"b":3}}}`))
	if _, rej, _ := r.Next(); rej == nil || rej.Err.Code != diag.Duplicate || rej.Err.Col != 70 || rej.Reason != `col 70: duplicate key "b"` {
		t.Errorf("reject = %+v, want a duplicate key \"b\" at col 70 (\"b \" is another name)", rej)
	}
}

// TestNames: member names are kept once for all records (parser.name);
// an escaped name, a long one and the names past the table's bound read
// as they are written.
func TestNames(t *testing.T) {
	var in strings.Builder
	want := []map[string]any{}
	for i := range maxNames + 10 {
		key := fmt.Sprintf("k%d", i)
		in.WriteString(fmt.Sprintf(`{"id":"u%d","email":"a@example.com","profile":{"%s":1,"a\u0062":{"%s":3,"ab":4}}}`+"\n", i, key, strings.Repeat("x", maxNameSize+1)))
		want = append(want, map[string]any{key: 1.0, "ab": map[string]any{strings.Repeat("x", maxNameSize+1): 3.0, "ab": 4.0}})
	}
	r := NewNDJSON(strings.NewReader(in.String()))
	for i := range want {
		rec, rej, err := r.Next()
		if err != nil || rej != nil {
			t.Fatalf("record %d: %v, %v", i+1, rej, err)
		}
		if !reflect.DeepEqual(rec.Profile, want[i]) {
			t.Fatalf("record %d profile = %v, want %v", i+1, rec.Profile, want[i])
		}
	}
}
