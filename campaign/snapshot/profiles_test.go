package snapshot

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render"
)

func TestReadProfilesProject(t *testing.T) {
	ps, err := ReadProfiles(profiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 7 || ps[0].Name != "lukas-silver-skier" || ps[0].Recipient.ID != "u-1002" {
		t.Errorf("ReadProfiles(%s) = %d profiles, first %+v; want 7, lukas-silver-skier u-1002", profiles, len(ps), ps[0])
	}
}

func TestDecodeProfileErrors(t *testing.T) {
	tests := []struct {
		data, want string
	}{
		{"{\n  \"id\": \"u1\",\n  \"email\": \"a@example.com\",\n  \"profile\": {\"age\": 3,}\n}\n", "p.json:4:24: invalid character '}'"},
		{`{"id": "u1", "email": "a@example.com", "profle": {}}`, `p.json: json: unknown field "profle"`},
		{`{"id": "u1"}`, `p.json: a profile needs "id" and "email"`},
		{`{"id": "u1", "email": "a@example.com"} {}`, "p.json: a profile file holds one JSON object"},
		{"{\"id\": 7, \"email\": \"a@example.com\"}", "p.json:1:9: json: cannot unmarshal number"},
	}
	for _, tt := range tests {
		_, err := DecodeProfile("p.json", []byte(tt.data))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("DecodeProfile(%q) = %v, want %q…", tt.data, err, tt.want)
		}
	}
}

// TestReadProfilesEveryError: each bad file is reported, through the
// parser given.
func TestReadProfilesEveryError(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.json"), "{}")
	write(t, filepath.Join(dir, "b.json"), "{}")
	write(t, filepath.Join(dir, "notes.txt"), "ignored")
	var seen []string
	_, err := ReadProfiles(dir, func(name string, _ []byte) (render.Recipient, error) {
		seen = append(seen, filepath.Base(name))
		return render.Recipient{}, &diag.Error{File: name, Line: 1, Col: 1, Msg: "bad"}
	})
	if err == nil || !strings.Contains(err.Error(), "a.json:1:1: bad") || !strings.Contains(err.Error(), "b.json:1:1: bad") {
		t.Errorf("ReadProfiles error = %v, want both files", err)
	}
	if strings.Join(seen, ",") != "a.json,b.json" {
		t.Errorf("ReadProfiles parsed %v, want a.json,b.json", seen)
	}
	if _, err := ReadProfiles(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "no profiles") {
		t.Errorf("ReadProfiles(empty dir) = %v, want no profiles", err)
	}
}
