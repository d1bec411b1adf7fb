package recipients

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadProfile(t *testing.T) {
	path := writeFile(t, "maya.json", "\xEF\xBB\xBF\n"+`{
  "id": "u-1001",
  "email": "maya.chen@example.com",
  "profile": {
    "firstName": "Maya",
    "loyalty": {"tier": "gold", "points": 12840}
  },
  "context": {"weather": "snow"}
}
`)
	rec, err := ReadProfile(path)
	if err != nil {
		t.Fatalf("ReadProfile() error = %v", err)
	}
	want := &Record{
		Line:    2,
		ID:      "u-1001",
		Email:   "maya.chen@example.com",
		Profile: map[string]any{"firstName": "Maya", "loyalty": map[string]any{"tier": "gold", "points": 12840.0}},
		Context: map[string]any{"weather": "snow"},
	}
	loyalty, _ := rec.Profile["loyalty"].(map[string]any)
	if got := rec.Order.Keys(loyalty); !slices.Equal(got, []string{"tier", "points"}) {
		t.Errorf("ReadProfile().Order.Keys(loyalty) = %v, want [tier points]", got)
	}
	rec.Order = nil // checked above
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("ReadProfile() = %+v, want %+v", rec, want)
	}
}

func TestReadProfileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"syntax error", "{\n  \"id\": \"u1\",\n  \"email\": \"a@example.com\",\n  \"profile\": {\"age\": 34,}\n}\n",
			"p.json:4:25: malformed JSON: invalid character '}' looking for beginning of object key string"},
		{"unterminated", "{\n  \"id\": \"u1\",\n  \"email\": \"a@example.com\"\n",
			"p.json:4:1: malformed JSON: unexpected end of input after object key:value pair"},
		{"typo key", "{\n  \"id\": \"u1\",\n  \"email\": \"a@example.com\",\n    \"profle\": {}\n}",
			`p.json:4:5: unknown key "profle" (did you mean "profile"?)`},
		{"missing id", "\n\n  {\"email\": \"a@example.com\"}", `p.json:3:3: missing id; every record needs an "id"`},
		{"missing email", "{\"id\": \"u1\"}", `p.json:1:1: missing email`},
		{"bad email", "{\"id\": \"u1\",\n \"email\": \"Maya <m@example.com>\"}", `p.json:2:11: email "Maya <m@example.com>" has a display name or comment`},
		{"empty id", "{\"id\": \"\",\n \"email\": \"m@example.com\"}", `p.json:1:8: empty id`},
		{"two objects", "{\"id\": \"u1\", \"email\": \"m@example.com\"}\n{}", `p.json:2:1: malformed JSON: invalid character '{' after the record object`},
		{"an array", "[{\"id\": \"u1\"}]", `p.json:1:1: a record must be a JSON object {...}, not an array`},
		{"empty", " \n\t\n", `p.json:1:1: empty profile; it must hold one JSON object`},
		{"non-ASCII column is in characters", "{\"id\": \"ü\", \"email\": 5}", `p.json:1:22: email must be a string, got a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "p.json", tt.content)
			_, err := ReadProfile(path)
			var e *diag.Error
			if !errors.As(err, &e) {
				t.Fatalf("ReadProfile() error = %v, want a *diag.Error", err)
			}
			got := strings.TrimPrefix(err.Error(), filepath.Dir(path)+string(filepath.Separator))
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("ReadProfile() error = %q, want it to start %q", got, tt.want)
			}
			if e.File != path || e.Line == 0 || e.Col == 0 {
				t.Errorf("Error fields = %q, %d, %d; want the path and a position", e.File, e.Line, e.Col)
			}
		})
	}
}

func TestReadProfileFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := writeFile(t, "big.json", `{"id":"u1","email":"a@example.com","profile":{"x":"`+strings.Repeat("x", MaxProfileBytes)+`"}}`)
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "read profile: open "},
		{"directory", dir, "is a directory"},
		{"too large", big, "profile file is larger than 4194304 bytes"},
	}
	for _, tt := range tests {
		if _, err := ReadProfile(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadProfile(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestKeyOrder checks that a record keeps its objects' key order for
// {{#each}}, and records nothing when the keys are already sorted.
func TestKeyOrder(t *testing.T) {
	rec, err := ParseProfile("p.json", []byte(`{"id":"u1","email":"a@example.com","profile":{"z":1,"a":{"y":2,"b":3,"m":{"a":1,"b":2}},"m":true},"context":{"b":1,"a":2}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Order.Keys(rec.Profile), []string{"z", "a", "m"}; !slices.Equal(got, want) {
		t.Errorf("Keys(profile) = %v, want %v", got, want)
	}
	a := rec.Profile["a"].(map[string]any)
	if got, want := rec.Order.Keys(a), []string{"y", "b", "m"}; !slices.Equal(got, want) {
		t.Errorf("Keys(profile.a) = %v, want %v", got, want)
	}
	if got := rec.Order.Keys(a["m"].(map[string]any)); got != nil {
		t.Errorf("Keys(profile.a.m) = %v, want nil (already sorted)", got)
	}
	if got, want := rec.Order.Keys(rec.Context), []string{"b", "a"}; !slices.Equal(got, want) {
		t.Errorf("Keys(context) = %v, want %v", got, want)
	}
	sorted, err := ParseProfile("p.json", []byte(`{"id":"u1","email":"a@example.com","profile":{"a":1,"b":{"c":1,"d":2}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if sorted.Order != nil {
		t.Errorf("Order = %v for sorted keys, want nil", sorted.Order)
	}
}
