package snapshot

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadProfilesProject(t *testing.T) {
	ps, err := ReadProfiles(profiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 7 || ps[0].Name != "lukas-silver-skier" || ps[0].Recipient.ID != "u-1002" {
		t.Errorf("ReadProfiles(%s) = %d profiles, first %+v; want 7, lukas-silver-skier u-1002", profiles, len(ps), ps[0])
	}
}

// TestReadProfilesEveryError: each bad file is reported with its
// position, as the recipients reader reports it; other files are not
// profiles.
func TestReadProfilesEveryError(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.json"), "{\n  \"id\": \"u1\",\n  \"email\": \"a@example.com\",\n  \"profle\": {}\n}\n")
	write(t, filepath.Join(dir, "b.json"), `{"id": "u2"}`)
	write(t, filepath.Join(dir, "c.json"), `{"id": "u3", "email": "c@example.com"}`)
	write(t, filepath.Join(dir, "notes.txt"), "ignored")
	ps, err := ReadProfiles(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a.json")+`:4:3: unknown key "profle"`) ||
		!strings.Contains(err.Error(), filepath.Join(dir, "b.json")+":1:") {
		t.Errorf("ReadProfiles error = %v, want a.json at 4:3 and b.json", err)
	}
	if len(ps) != 1 || ps[0].Name != "c" {
		t.Errorf("ReadProfiles = %+v, want the good file c", ps)
	}
	if _, err := ReadProfiles(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no profiles") {
		t.Errorf("ReadProfiles(empty dir) = %v, want no profiles", err)
	}
}
