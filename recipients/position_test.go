package recipients

import (
	"errors"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

// TestRejectColumnsInCharacters: a reject's column counts characters, in
// its reason ("col N") and in its Err, and the caret of Err sits under the
// character the reason is about, whatever non-ASCII text comes before it.
func TestRejectColumnsInCharacters(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		col      int    // of the problem, in characters
		at       string // the text that starts at col
		code     diag.Code
		reason   string
	}{
		{"ndjson syntax", `{"id":"u1","email":"a@example.com","profile":{"name":"Zoë 中文",}}`, 1, 63, "}", diag.Syntax,
			"col 63: malformed JSON: invalid character '}' looking for beginning of object key string"},
		{"ndjson unknown key", `{"id":"é","email":"a@example.com","prof":{}}`, 1, 35, `"prof"`, diag.Unknown,
			`col 35: unknown key "prof"`},
		{"ndjson type", `{"id":"u1","profile":{"n":"ü"},"email":5}`, 1, 40, "5", diag.Invalid,
			"col 40: email must be a string, got a number"},
		{"csv quote", "id,email,name\nü1,a@example.com,Zoë\"s\n", 2, 21, `"`, diag.Syntax,
			`malformed CSV at 2:21: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reader = NewNDJSON(strings.NewReader(tt.in), WithName("in"))
			if strings.HasPrefix(tt.name, "csv") {
				var err error
				if r, err = NewCSV(strings.NewReader(tt.in), WithName("in")); err != nil {
					t.Fatal(err)
				}
			}
			_, rej, err := r.Next()
			if err != nil || rej == nil {
				t.Fatalf("Next() = %v, %v; want a reject", rej, err)
			}
			if !strings.HasPrefix(rej.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to start %q", rej.Reason, tt.reason)
			}
			e := rej.Err
			if e == nil || e.File != "in" || e.Line != tt.line || e.Col != tt.col || e.Code != tt.code || strings.HasPrefix(e.Msg, "col ") {
				t.Fatalf("Err = %+v, want in:%d:%d, code %v, the reason without its column", e, tt.line, tt.col, tt.code)
			}
			line := strings.Split(tt.in, "\n")[tt.line-1]
			if got := string([]rune(line)[tt.col-1:]); !strings.HasPrefix(got, tt.at) {
				t.Errorf("column %d of %q starts %q, want %q", tt.col, line, got, tt.at)
			}
			if e.Source != line || len([]rune(e.Caret)) != tt.col {
				t.Errorf("snippet =\n%s\nwant the line with a caret at column %d", e.Snippet(), tt.col)
			}
		})
	}
}

// TestProfileColumnsInCharacters: a profile file's error names the line and
// character column, with the caret under the offending character.
func TestProfileColumnsInCharacters(t *testing.T) {
	data := "{\n  \"id\": \"zoë\",\n  \"email\": \"z@example.com\",\n  \"profile\": {\"city\": \"Zürich\", \"名前\": 3,}\n}\n"
	_, err := ParseProfile("zoe.json", []byte(data))
	var e *diag.Error
	if !errors.As(err, &e) {
		t.Fatalf("ParseProfile error = %v, want a *diag.Error", err)
	}
	if got := err.Error(); !strings.HasPrefix(got, "zoe.json:4:41: malformed JSON: invalid character '}'") {
		t.Errorf("error = %q, want zoe.json:4:41: malformed JSON: invalid character '}'…", got)
	}
	if e.Source != `  "profile": {"city": "Zürich", "名前": 3,}` || len([]rune(e.Caret)) != 41 || []rune(e.Source)[40] != '}' {
		t.Errorf("snippet =\n%s\nwant the caret under the '}'", e.Snippet())
	}
}

// TestCSVHeaderColumnsInCharacters: header errors count characters too.
func TestCSVHeaderColumnsInCharacters(t *testing.T) {
	_, err := NewCSV(strings.NewReader("id,email,größe,größe\nu1,a@example.com,1,2\n"), WithName("in.csv"))
	var e *diag.Error
	if !errors.As(err, &e) || err.Error() != `in.csv:1:16: columns "größe" and "größe" set the same field; keep one` || e.Code != diag.Duplicate {
		t.Fatalf("NewCSV error = %v, want in.csv:1:16: columns … set the same field (duplicate)", err)
	}
	if e.Source != "id,email,größe,größe" || e.Caret != strings.Repeat(" ", 15)+"^" {
		t.Errorf("snippet =\n%s\nwant the caret under the second größe", e.Snippet())
	}
	_, err = NewCSV(strings.NewReader("id,email,\"größe\"x\n"), WithName("in.csv"))
	if err == nil || !strings.HasPrefix(err.Error(), `in.csv:1:16: malformed CSV header: extraneous or missing " in quoted-field`) {
		t.Errorf("NewCSV error = %v, want it at in.csv:1:16 (the closing quote)", err)
	}
}

// TestCSVColumnFarIntoTheFile: the column of a CSV error is in characters
// also after many records and buffer refills (the reader keeps only the
// input since the current record).
func TestCSVColumnFarIntoTheFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("\xEF\xBB\xBFid,email,name\n")
	for i := range 20000 {
		b.WriteString("ü" + strings.Repeat("x", i%7) + "-" + strings.Repeat("1", 1+i%5) + ",a@example.com,Zoë Müller\n")
	}
	b.WriteString("bad,a@example.com,\"Zoë\" Müller\n")
	r, err := NewCSV(strings.NewReader(b.String()), WithDuplicateCheck(false))
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, rej, err := r.Next()
		if err != nil {
			t.Fatalf("Next() error = %v before the bad row", err)
		}
		if rec != nil {
			continue
		}
		if rej.Line != 20002 || rej.Err.Col != 23 || !strings.HasPrefix(rej.Reason, "malformed CSV at 20002:23:") {
			t.Fatalf("reject = %+v, want line 20002 at col 23", rej)
		}
		if !strings.HasPrefix(rej.Err.Source, "bad,a@example.com,") || len([]rune(rej.Err.Caret)) != 23 {
			t.Errorf("snippet =\n%s\nwant the bad row with a caret at 23", rej.Err.Snippet())
		}
		if n := len(r.(*csvReader).in.recent); n > 4*bufSize {
			t.Errorf("the CSV reader keeps %d bytes of input, want at most %d", n, 4*bufSize)
		}
		return
	}
}
