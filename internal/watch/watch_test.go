package watch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

func TestRelevant(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"offers.hbs", fsnotify.Write, true},
		{"digest.md", fsnotify.Create, true},
		{"offers-winter.yaml", fsnotify.Rename, true},
		{"maya.json", fsnotify.Remove, true},
		{"partials", fsnotify.Create, true},
		{"..data", fsnotify.Create, true},
		{"offers.hbs", fsnotify.Chmod, false},
		{".offers.hbs.swp", fsnotify.Write, false},
		{"..data_tmp", fsnotify.Create, false},
		{"offers.hbs~", fsnotify.Create, false},
		{"notes.txt", fsnotify.Write, false},
	}
	for _, tt := range tests {
		ev := fsnotify.Event{Name: filepath.Join(dir, tt.name), Op: tt.op}
		if got := Relevant(ev); got != tt.want {
			t.Errorf("Relevant(%s %s) = %v, want %v", tt.op, tt.name, got, tt.want)
		}
	}
}

// TestConfigMapSwap: a directory updated the way Kubernetes updates a
// mounted ConfigMap (new files in a hidden directory, then a "..data"
// symlink renamed over the old one) is seen as one change.
func TestConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "..v1")
	os.Mkdir(v1, 0o755)
	os.WriteFile(filepath.Join(v1, "offers.yaml"), []byte("offers: []\n"), 0o644)
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Join("..data", "offers.yaml"), filepath.Join(dir, "offers.yaml"))

	changed := make(chan struct{}, 10)
	w, err := Start(Config{Roots: []string{dir}, Debounce: 20 * time.Millisecond, Changed: func() { changed <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	v2 := filepath.Join(dir, "..v2")
	os.Mkdir(v2, 0o755)
	os.WriteFile(filepath.Join(v2, "offers.yaml"), []byte("offers: [{id: x}]\n"), 0o644)
	os.Symlink("..v2", filepath.Join(dir, "..data_tmp"))
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported after the ..data symlink was swapped")
	}
}
