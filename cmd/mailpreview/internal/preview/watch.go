package preview

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the watcher waits after the last change
// before reloading: an editor's save is several events (write a temporary
// file, rename it over the old one), and a git checkout is many.
const DefaultDebounce = 150 * time.Millisecond

// Watch starts watching the templates, library and profiles directories,
// and every directory below them, and reloads after each burst of changes.
// Directories are watched rather than files, so editors that save by
// writing a new file and renaming it over the old one (vim, VS Code) are
// seen; directories created later are watched as they appear. The watches
// are in place when Watch returns; Close stops it.
func (s *Server) Watch() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	s.syncWatches(w)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer w.Close()
		s.watchLoop(w)
	}()
	return nil
}

func (s *Server) watchLoop(w *fsnotify.Watcher) {
	debounce := s.cfg.Debounce
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-s.done:
			timer.Stop()
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if !relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					s.addTree(w, ev.Name)
				}
			}
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			s.logf("watch: %v", err)
		case <-timer.C:
			s.Reload()
			// A directory renamed or created between events is picked
			// up here; a removed one is dropped.
			s.syncWatches(w)
		}
	}
}

// relevant reports whether an event may change what the preview shows:
// a template, partial, layout, library or profile file, or a directory.
// Editor droppings (dotfiles, backups, swap files) and bare attribute
// changes are not.
func relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
		return false
	}
	switch filepath.Ext(base) {
	case ".hbs", ".html", ".md", ".yaml", ".yml", ".json":
		return true
	case "":
		// A directory, or a file that may be one (removed, so it cannot
		// be checked).
		return true
	}
	fi, err := os.Stat(ev.Name)
	return err == nil && fi.IsDir()
}

// syncWatches makes the watch list the directories that exist now below
// the roots.
func (s *Server) syncWatches(w *fsnotify.Watcher) {
	want := map[string]bool{}
	for _, root := range []string{s.cfg.Templates, s.cfg.Library, s.cfg.Profiles} {
		for _, d := range dirsBelow(root) {
			want[d] = true
		}
	}
	for _, d := range w.WatchList() {
		if !want[d] {
			_ = w.Remove(d) // already gone with its directory
		}
	}
	have := map[string]bool{}
	for _, d := range w.WatchList() {
		have[d] = true
	}
	for d := range want {
		if !have[d] {
			if err := w.Add(d); err != nil {
				s.logf("watch %s: %v", d, err)
			}
		}
	}
}

func (s *Server) addTree(w *fsnotify.Watcher, root string) {
	for _, d := range dirsBelow(root) {
		if err := w.Add(d); err != nil {
			s.logf("watch %s: %v", d, err)
		}
	}
}

// dirsBelow returns root and the directories below it, hidden ones left
// out (.git holds nothing the preview reads and changes a lot).
func dirsBelow(root string) []string {
	var dirs []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable or vanished: nothing to watch there
		}
		if !d.IsDir() {
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		dirs = append(dirs, filepath.Clean(path))
		return nil
	})
	return dirs
}
