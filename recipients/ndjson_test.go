package recipients

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// result is one outcome of Next, flattened for comparison.
type result struct {
	line   int
	id     string
	reason string // "" for a good record
}

// readAll drains r, failing the test on a fatal error or a Next that sets
// both or neither of record and reject.
func readAll(t *testing.T, r Reader) (recs []*Record, got []result) {
	t.Helper()
	for range 100000 {
		rec, rej, err := r.Next()
		if err == io.EOF {
			return recs, got
		}
		if err != nil {
			t.Fatalf("Next() error = %v", err)
		}
		switch {
		case (rec == nil) == (rej == nil):
			t.Fatalf("Next() = %v, %v; want exactly one of record and reject", rec, rej)
		case rec != nil:
			recs = append(recs, rec)
			got = append(got, result{line: rec.Line, id: rec.ID})
		default:
			got = append(got, result{line: rej.Line, id: rej.ID, reason: rej.Reason})
		}
	}
	t.Fatal("Next() never returned io.EOF")
	return nil, nil
}

func TestNDJSONRejects(t *testing.T) {
	const good = `{"id":"ok","email":"ok@example.com"}`
	tests := []struct {
		name   string
		line   string
		id     string
		reason string // a substring of the reason
	}{
		{"malformed", `{"id":"u1","email":}`, "u1", `col 20: malformed JSON: invalid character '}' looking for beginning of value`},
		{"truncated", `{"id":"u1","email":"a@example.com"`, "u1", "col 35: malformed JSON: unexpected end of input after object key:value pair"},
		{"trailing comma", `{"id":"u1","email":"a@example.com",}`, "u1", "col 36: malformed JSON: invalid character '}' looking for beginning of object key string"},
		{"two objects", `{"id":"u1","email":"a@example.com"} {}`, "u1", `col 37: malformed JSON: invalid character '{' after the record object`},
		{"not an object", `["u1","a@example.com"]`, "", "col 1: a record must be a JSON object {...}, not an array"},
		{"unknown key", `{"id":"u1","email":"a@example.com","profle":{"age":3}}`, "u1", `col 36: unknown key "profle" (did you mean "profile"?); a record has only id, email, profile, context`},
		{"unknown key far off", `{"id":"u1","email":"a@example.com","segment":"x"}`, "u1", `col 36: unknown key "segment"; a record has only`},
		{"key case", `{"id":"u1","Email":"a@example.com"}`, "u1", `col 12: unknown key "Email" (did you mean "email"?)`},
		{"duplicate key", `{"id":"u1","email":"a@example.com","id":"u2"}`, "u1", `col 36: duplicate key "id"`},
		{"nested duplicate key", `{"id":"u1","email":"a@example.com","profile":{"a":1,"a":2}}`, "u1", `col 53: duplicate key "a"`},
		{"profile not object", `{"id":"u1","email":"a@example.com","profile":[1]}`, "u1", "col 46: profile must be an object, got an array"},
		{"context not object", `{"id":"u1","email":"a@example.com","context":"snow"}`, "u1", "col 46: context must be an object, got a string"},
		{"missing id", `{"email":"a@example.com"}`, "", `missing id; every record needs an "id"`},
		{"empty id", `{"id":"","email":"a@example.com"}`, "", "empty id"},
		{"null id", `{"id":null,"email":"a@example.com"}`, "", "col 7: id must be a string, got null"},
		{"fractional id", `{"id":1001.5,"email":"a@example.com"}`, "", "col 7: id must be a string or a non-negative integer, got 1001.5"},
		{"negative id", `{"id":-4,"email":"a@example.com"}`, "", "id must be a string or a non-negative integer, got -4"},
		{"control in id", `{"id":"u\n1","email":"a@example.com"}`, "", `id "u\n1" contains a control character`},
		{"long id", `{"id":"` + strings.Repeat("x", 257) + `","email":"a@example.com"}`, "", "id is longer than 256 bytes"},
		{"missing email", `{"id":"u1"}`, "u1", `missing email; every record needs an "email"`},
		{"empty email", `{"id":"u1","email":""}`, "u1", "empty email"},
		{"email not string", `{"id":"u1","email":["a@example.com"]}`, "u1", "col 20: email must be a string, got an array"},
		{"invalid email", `{"id":"u1","email":"a.example.com"}`, "u1", `invalid email "a.example.com": missing '@' or angle-addr`},
		{"display name", `{"id":"u1","email":"Ann <a@example.com>"}`, "u1", `email "Ann <a@example.com>" has a display name or comment; write just "a@example.com"`},
		{"angle brackets", `{"id":"u1","email":"<a@example.com>"}`, "u1", `is not a bare address; write just "a@example.com"`},
		{"CRLF in email", `{"id":"u1","email":"a@example.com\r\nBcc: b@example.com"}`, "u1", "contains a control character"},
		{"invalid UTF-8", "{\"id\":\"u1\",\"email\":\"a@example.com\",\"profile\":{\"n\":\"\xff\"}}", "u1", "col 52: invalid UTF-8 in string"},
		{"lone surrogate", `{"id":"u1","email":"a@example.com","profile":{"n":"\ud800"}}`, "u1", "col 52: malformed JSON: lone UTF-16 surrogate"},
		{"number overflow", `{"id":"u1","email":"a@example.com","profile":{"n":1e400}}`, "u1", "col 51: number 1e400 is out of range"},
		{"too deep", `{"id":"u1","email":"a@example.com","profile":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, "u1", "nest deeper than 100 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bad line sits between good ones, so the test also shows
			// that reading goes on and lines keep their numbers.
			in := good + "\n" + tt.line + "\n" + strings.Replace(good, `"ok"`, `"ok2"`, 1) + "\n"
			_, got := readAll(t, NewNDJSON(strings.NewReader(in)))
			if len(got) != 3 {
				t.Fatalf("Next() gave %d results %v, want 3", len(got), got)
			}
			rej := got[1]
			if rej.line != 2 || rej.id != tt.id || !strings.Contains(rej.reason, tt.reason) {
				t.Errorf("reject = line %d, id %q, reason %q; want line 2, id %q, reason containing %q",
					rej.line, rej.id, rej.reason, tt.id, tt.reason)
			}
			if got[0].reason != "" || got[2].reason != "" || got[2].line != 3 {
				t.Errorf("neighbours = %v, %v; want good records on lines 1 and 3", got[0], got[2])
			}
		})
	}
}

func TestNDJSONRecord(t *testing.T) {
	in := "\xEF\xBB\xBF" + `{"id":"u1","email":"a@example.com","profile":{"age":34,"loyalty":{"tier":"gold"},"tags":["x",true,null]},"context":{"weather":"snow"}}` + "\r\n" +
		"\n   \t\r\n" +
		`{"email":"b@example.com","id":1002,"profile":null}` + "\n" +
		`  {"id":"u3","email":"c@example.com"}` // no final newline
	recs, got := readAll(t, NewNDJSON(strings.NewReader(in)))
	want := []result{{line: 1, id: "u1"}, {line: 4, id: "1002"}, {line: 5, id: "u3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("results = %v, want %v", got, want)
	}
	wantProfile := map[string]any{
		"age":     34.0,
		"loyalty": map[string]any{"tier": "gold"},
		"tags":    []any{"x", true, nil},
	}
	if !reflect.DeepEqual(recs[0].Profile, wantProfile) {
		t.Errorf("Profile = %#v, want %#v", recs[0].Profile, wantProfile)
	}
	if !reflect.DeepEqual(recs[0].Context, map[string]any{"weather": "snow"}) {
		t.Errorf("Context = %#v, want weather snow", recs[0].Context)
	}
	for _, rec := range recs[1:] {
		if rec.Profile == nil || rec.Context == nil || len(rec.Profile)+len(rec.Context) != 0 {
			t.Errorf("record %s: Profile, Context = %#v, %#v; want empty, non-nil maps", rec.ID, rec.Profile, rec.Context)
		}
	}
	if recs[1].Email != "b@example.com" {
		t.Errorf("Email = %q, want %q", recs[1].Email, "b@example.com")
	}
}

func TestNDJSONDuplicates(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"u1","email":"a@example.com"}`,
		`{"id":"u2","email":"not an address"}`, // rejected, but its id counts
		`{"id":"u1","email":"b@example.com"}`,
		`{"id":"u2","email":"c@example.com"}`,
		`{"id":"u3","email":"c@example.com","profle":{}}`, // well-formed: counts
		`{"id":"u3","email":"d@example.com"}`,
		`{"id":"u4","email":}`, // malformed: its id is not trusted
		`{"id":"u4","email":"e@example.com"}`,
		`{"id":"u1","email":"f@example.com"}`,
	}, "\n")
	tests := []struct {
		dupCheck bool
		want     []string // reason prefix per line; "" for a good record
	}{
		{true, []string{"", "invalid email", `duplicate id "u1" (first seen on line 1)`, `duplicate id "u2" (first seen on line 2)`,
			"col 36: unknown key", `duplicate id "u3" (first seen on line 5)`, "col 20: malformed JSON", "", `duplicate id "u1" (first seen on line 1)`}},
		{false, []string{"", "invalid email", "", "", "col 36: unknown key", "", "col 20: malformed JSON", "", ""}},
	}
	for _, tt := range tests {
		_, got := readAll(t, NewNDJSON(strings.NewReader(in), WithDuplicateCheck(tt.dupCheck)))
		if len(got) != len(tt.want) {
			t.Fatalf("WithDuplicateCheck(%v): %d results, want %d", tt.dupCheck, len(got), len(tt.want))
		}
		for i, g := range got {
			if g.line != i+1 || !strings.HasPrefix(g.reason, tt.want[i]) || (tt.want[i] == "") != (g.reason == "") {
				t.Errorf("WithDuplicateCheck(%v): line %d = %+v, want reason starting %q", tt.dupCheck, i+1, g, tt.want[i])
			}
		}
	}
}

func TestNDJSONLongLine(t *testing.T) {
	const limit = 100
	pad := func(n int) string {
		// A record of exactly n bytes.
		head := `{"id":"x","email":"a@example.com","profile":{"p":"`
		return head + strings.Repeat("p", n-len(head)-3) + `"}}`
	}
	tests := []struct {
		name    string
		lineLen int
		bufLen  int // bytes handed over per Read, to cross buffer edges
		want    string
	}{
		{"at the limit", limit, 1 << 20, ""},
		{"one over", limit + 1, 1 << 20, "line is longer than 100 bytes"},
		{"far over, beyond the read buffer", 3 * bufSize, 1 << 20, "line is longer than 100 bytes"},
		{"far over, one byte at a time", 2*bufSize + 7, 1, "line is longer than 100 bytes"},
		{"blank", -limit - 1, 1 << 20, "skipped"},
		{"blank, beyond the read buffer", -3 * bufSize, 1 << 20, "skipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := ""
			if tt.lineLen < 0 {
				line = strings.Repeat(" \t", -tt.lineLen/2) + " \r"
			} else {
				line = pad(tt.lineLen)
			}
			in := `{"id":"a","email":"a@example.com"}` + "\n" + line + "\n" + `{"id":"b","email":"b@example.com"}`
			var src io.Reader = strings.NewReader(in)
			if tt.bufLen == 1 {
				src = iotest.OneByteReader(src)
			}
			_, got := readAll(t, NewNDJSON(src, WithMaxLineBytes(limit)))
			want := []result{{line: 1, id: "a"}, {line: 2, reason: tt.want}, {line: 3, id: "b"}}
			switch tt.want {
			case "":
				want[1] = result{line: 2, id: "x"}
			case "skipped":
				want = []result{want[0], want[2]}
			}
			if len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] ||
				(len(want) == 3 && (got[1].line != 2 || !strings.HasPrefix(got[1].reason, tt.want))) {
				t.Errorf("results = %.200v, want %v", got, want)
			}
		})
	}
}

func TestNDJSONLongLineUsesBoundedMemory(t *testing.T) {
	// 64 MiB in one line, with the default 1 MiB limit: the reader must
	// skip it without growing to its size.
	line := io.MultiReader(strings.NewReader(`{"id":"x","email":"`), &repeatReader{n: 64 << 20}, strings.NewReader("\"}\n"+`{"id":"b","email":"b@example.com"}`))
	r := NewNDJSON(line).(*ndjsonReader)
	_, got := readAll(t, r)
	if len(got) != 2 || !strings.HasPrefix(got[0].reason, "line is longer than") || got[1].id != "b" {
		t.Fatalf("results = %v, want a reject then record b", got)
	}
	if c := cap(r.long); c > DefaultMaxLineBytes+bufSize {
		t.Errorf("line buffer grew to %d bytes, want at most %d", c, DefaultMaxLineBytes+bufSize)
	}
}

// repeatReader yields n bytes of 'a'.
type repeatReader struct{ n int }

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'a'
	}
	r.n -= n
	return n, nil
}

func TestNDJSONFatal(t *testing.T) {
	boom := errors.New("disk on fire")
	in := io.MultiReader(strings.NewReader(`{"id":"a","email":"a@example.com"}`+"\n"), iotest.ErrReader(boom))
	r := NewNDJSON(in, WithName("r.ndjson"))
	if rec, _, err := r.Next(); err != nil || rec == nil {
		t.Fatalf("Next() = %v, %v; want the first record", rec, err)
	}
	for range 2 { // the error is sticky
		_, _, err := r.Next()
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "r.ndjson: after line 1") {
			t.Errorf("Next() error = %v, want %v naming r.ndjson and line 1", err, boom)
		}
	}
}

func TestNDJSONEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n", "\xEF\xBB\xBF"} {
		r := NewNDJSON(strings.NewReader(in))
		for range 2 {
			if rec, rej, err := r.Next(); err != io.EOF {
				t.Errorf("NewNDJSON(%q).Next() = %v, %v, %v; want io.EOF", in, rec, rej, err)
			}
		}
	}
}
