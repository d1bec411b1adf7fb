package diag

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "lib/a.yaml", Line: 3, Col: 14, Msg: "bad"}, "lib/a.yaml:3:14: bad"},
		{Error{File: "lib/a.yaml", Line: 3, Msg: "bad"}, "lib/a.yaml:3: bad"},
		{Error{File: "lib/a.yaml", Msg: "too big"}, "lib/a.yaml: too big"},
		{Error{Line: 2, Col: 5, Msg: "bad"}, "2:5: bad"},
		{Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestPosition(t *testing.T) {
	text := "ab\n  é中x\r\n\tz"
	tests := []struct {
		off, line, col int
	}{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1},
		{5, 2, 3},              // é
		{7, 2, 4},              // 中, after the two bytes of é
		{10, 2, 5},             // x, after the three bytes of 中
		{11, 2, 6},             // \r
		{13, 3, 1}, {14, 3, 2}, // a tab is one character
		{99, 3, 3}, {-1, 1, 1}, // clamped
	}
	for _, tt := range tests {
		if line, col := Position(text, tt.off); line != tt.line || col != tt.col {
			t.Errorf("Position(%q, %d) = %d:%d, want %d:%d", text, tt.off, line, col, tt.line, tt.col)
		}
		if line, col := Position([]byte(text), tt.off); line != tt.line || col != tt.col {
			t.Errorf("Position([]byte, %d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
	// Invalid UTF-8: one character per byte.
	if got := Column("\xff\xfex", 2); got != 3 {
		t.Errorf("Column over invalid UTF-8 = %d, want 3", got)
	}
}

func TestOffset(t *testing.T) {
	line := "é中x"
	for col, want := range map[int]int{1: 0, 2: 2, 3: 5, 4: 6, 6: 8} {
		if got := Offset(line, col); got != want {
			t.Errorf("Offset(%q, %d) = %d, want %d", line, col, got, want)
		}
	}
	for off := 0; off <= len(line); off++ {
		if c := Column(line, off); off == 0 || off == 2 || off == 5 || off == 6 {
			if got := Offset(line, c); got != off {
				t.Errorf("Offset(Column(%d)) = %d", off, got)
			}
		}
	}
}

func TestBind(t *testing.T) {
	tests := []struct {
		name       string
		line       string
		col        int
		wantSource string
		wantCaret  string
	}{
		{"first column", "{{#if x}}", 1, "{{#if x}}", "^"},
		{"tabs keep alignment", "\t\t{{x}}", 3, "\t\t{{x}}", "\t\t^"},
		{"character column", "héllo {{x}}", 7, "héllo {{x}}", "      ^"},
		{"wide characters", "中文 {{x}}", 4, "中文 {{x}}", "\u3000\u3000 ^"},
		{"katakana with its long mark", "ゾーイ!", 4, "ゾーイ!", "\u3000\u3000\u3000^"},
		{"fullwidth and emoji", "ＡＢ😀x", 4, "ＡＢ😀x", "\u3000\u3000\u3000^"},
		{"combining mark", "e\u0301 x", 4, "e\u0301 x", " \u0301 ^"},
		{"past the end", "ab", 9, "ab", "  ^"},
		{"line ending", "ab\r\n", 2, "ab", " ^"},
		{"long line", strings.Repeat("a", 200) + "X" + strings.Repeat("b", 200), 201,
			"…" + strings.Repeat("a", 80) + "X" + strings.Repeat("b", 79) + "…", strings.Repeat(" ", 81) + "^"},
		{"long line, column near the start", "X" + strings.Repeat("b", 200), 1,
			"X" + strings.Repeat("b", 159) + "…", "^"},
		{"long line, column near the end", strings.Repeat("a", 200) + "X", 201,
			"…" + strings.Repeat("a", 159) + "X", strings.Repeat(" ", 160) + "^"},
	}
	for _, tt := range tests {
		e := (&Error{Line: 1, Col: tt.col}).BindLine(tt.line)
		if e.Source != tt.wantSource || e.Caret != tt.wantCaret {
			t.Errorf("%s: BindLine(%q) at col %d = %q, %q; want %q, %q", tt.name, tt.line, tt.col, e.Source, e.Caret, tt.wantSource, tt.wantCaret)
		}
		// The caret's index in the caret line is its column in Source.
		if i := len([]rune(e.Caret)) - 1; !strings.HasSuffix(tt.name, "past the end") && []rune(e.Source)[i] != []rune(strings.TrimRight(tt.line, "\r\n"))[tt.col-1] {
			t.Errorf("%s: caret under %q, want %q", tt.name, []rune(e.Source)[i], []rune(tt.line)[tt.col-1])
		}
	}

	e := (&Error{File: "t.hbs", Line: 2, Col: 3, Msg: "x"}).Bind("one\ntwo\nthree")
	if e.Snippet() != "two\n  ^" {
		t.Errorf("Bind: Snippet() = %q, want %q", e.Snippet(), "two\n  ^")
	}
	// Bound once: a second Bind keeps the first snippet.
	if e.Bind("other\nlines"); e.Source != "two" {
		t.Errorf("second Bind changed Source to %q", e.Source)
	}
	for _, e := range []*Error{{Line: 4, Col: 1}, {Line: 0, Col: 1}, {Line: 1, Col: 0}} {
		if e.Bind("one\ntwo"); e.Snippet() != "" {
			t.Errorf("Bind at %d:%d = %q, want no snippet", e.Line, e.Col, e.Snippet())
		}
	}
}

func TestList(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Fatal("empty List.Err() != nil")
	}
	l.Errorf(Syntax, "b.yaml", 1, 1, "b1")
	l.Errorf(Invalid, "a.yaml", 2, 1, "a2")
	l.Errorf(Invalid, "a.yaml", 1, 9, "a1-9")
	l.Errorf(Invalid, "a.yaml", 1, 3, "a1-3 first")
	l.Errorf(Unknown, "a.yaml", 1, 3, "a1-3 second")
	l.Errorf(Invalid, "a.yaml", 2, 1, "a2") // a repeat
	err := l.Err()
	want := "a.yaml:1:3: a1-3 first\na.yaml:1:3: a1-3 second\na.yaml:1:9: a1-9\na.yaml:2:1: a2\nb.yaml:1:1: b1"
	if err.Error() != want {
		t.Errorf("Err() =\n%s\nwant\n%s", err, want)
	}
	if n := len(Errors(err)); n != 5 {
		t.Errorf("Errors() has %d errors, want 5", n)
	}
	// Wrapped, the list still gives each error to errors.As.
	wrapped := fmt.Errorf("load: %w", err)
	var e *Error
	if !errors.As(wrapped, &e) || e.Msg != "a1-3 first" {
		t.Errorf("errors.As(wrapped) = %v, want the first error", e)
	}
	if n := len(Errors(wrapped)); n != 5 {
		t.Errorf("Errors(wrapped) has %d errors, want 5", n)
	}
	if got := Errors(errors.New("plain")); len(got) != 1 || got[0].Error() != "plain" {
		t.Errorf("Errors(plain) = %v", got)
	}
	if Errors(nil) != nil {
		t.Error("Errors(nil) != nil")
	}
}

func TestSentinel(t *testing.T) {
	e := &Error{Code: Undefined, File: "t.hbs", Line: 1, Col: 5, Msg: "unknown activity", Err: fs.ErrNotExist}
	if !errors.Is(List{e}, fs.ErrNotExist) {
		t.Error("errors.Is does not find the sentinel through a List")
	}
}

func TestPrint(t *testing.T) {
	var l List
	l.Errorf(Expression, "lib/a.yaml", 2, 16, "unexpected token").BindLine(`  when: 'x == "é" &&& y'`)
	l.Errorf(Invalid, "lib/a.yaml", 1, 0, "whole line")
	var b strings.Builder
	Print(&b, l.Err())
	Print(&b, errors.New("plain"))
	want := "lib/a.yaml:1: whole line\n" +
		"lib/a.yaml:2:16: unexpected token\n" +
		`    ` + `  when: 'x == "é" &&& y'` + "\n" +
		"    " + strings.Repeat(" ", 15) + "^\n" +
		"plain\n"
	if b.String() != want {
		t.Errorf("Print =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestCodeJSON(t *testing.T) {
	data, err := json.Marshal(struct{ Code Code }{Undefined})
	if err != nil || string(data) != `{"Code":"undefined"}` {
		t.Errorf("json.Marshal(Undefined) = %s, %v", data, err)
	}
	var back struct{ Code Code }
	if err := json.Unmarshal(data, &back); err != nil || back.Code != Undefined {
		t.Errorf("json.Unmarshal(%s) = %v, %v; want undefined", data, back.Code, err)
	}
	if err := json.Unmarshal([]byte(`{"Code":"nonsense"}`), &back); err == nil {
		t.Error("json.Unmarshal of an unknown code succeeded")
	}
	if got := Code(99).String(); got != "code(99)" {
		t.Errorf("Code(99).String() = %q", got)
	}
	for c := Invalid; c <= Execute; c++ {
		if strings.HasPrefix(c.String(), "code(") {
			t.Errorf("code %d has no name", c)
		}
	}
}
