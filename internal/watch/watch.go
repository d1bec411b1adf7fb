// Package watch follows directory trees with fsnotify and calls a function
// once each burst of changes has settled: the live reload of the preview
// server (mailpreview serve) and of the decisioning service (mailpreview
// api).
//
// Directories are watched rather than files, so editors that save by
// writing a new file and renaming it over the old one (vim, VS Code) are
// seen, and so is Kubernetes replacing a mounted ConfigMap (it swaps a
// "..data" symlink); directories created later are watched as they
// appear.
package watch

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long a Watcher waits after the last change before
// it calls back: an editor's save is several events (write a temporary
// file, rename it over the old one), and a git checkout is many.
const DefaultDebounce = 150 * time.Millisecond

// Config says what to watch and what to do.
type Config struct {
	// Roots are the directories watched, with every directory below them
	// except hidden ones.
	Roots []string
	// Debounce is how long changes must settle; DefaultDebounce when zero.
	Debounce time.Duration
	// Changed is called, from the watcher's goroutine, after each burst of
	// relevant changes.
	Changed func()
	// Logf receives watch errors; nil discards them.
	Logf func(format string, args ...any)
}

// Watcher watches until Close.
type Watcher struct {
	cfg  Config
	w    *fsnotify.Watcher
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// Start starts watching; the watches are in place when it returns.
func Start(cfg Config) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	w := &Watcher{cfg: cfg, w: fw, done: make(chan struct{})}
	w.sync()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer fw.Close()
		w.loop()
	}()
	return w, nil
}

// Close stops watching and waits for a callback in progress to return.
func (w *Watcher) Close() error {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
	return nil
}

func (w *Watcher) loop() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-w.done:
			timer.Stop()
			return
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			if !Relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					w.addTree(ev.Name)
				}
			}
			timer.Reset(w.cfg.Debounce)
		case err, ok := <-w.w.Errors:
			if !ok {
				return
			}
			w.cfg.Logf("watch: %v", err)
		case <-timer.C:
			w.cfg.Changed()
			// A directory renamed or created between events is picked
			// up here; a removed one is dropped.
			w.sync()
		}
	}
}

// Relevant reports whether an event may change a template, partial,
// layout, library or profile: such a file, a directory, or the "..data"
// symlink through which Kubernetes swaps a mounted ConfigMap's files.
// Editor droppings (dotfiles, backups, swap files) and bare attribute
// changes are not.
func Relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if base == "..data" {
		return true
	}
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

// sync makes the watch list the directories that exist now below the
// roots.
func (w *Watcher) sync() {
	want := map[string]bool{}
	for _, root := range w.cfg.Roots {
		for _, d := range dirsBelow(root) {
			want[d] = true
		}
	}
	for _, d := range w.w.WatchList() {
		if !want[d] {
			_ = w.w.Remove(d) // already gone with its directory
		}
	}
	have := map[string]bool{}
	for _, d := range w.w.WatchList() {
		have[d] = true
	}
	for d := range want {
		if !have[d] {
			if err := w.w.Add(d); err != nil {
				w.cfg.Logf("watch %s: %v", d, err)
			}
		}
	}
}

func (w *Watcher) addTree(root string) {
	for _, d := range dirsBelow(root) {
		if err := w.w.Add(d); err != nil {
			w.cfg.Logf("watch %s: %v", d, err)
		}
	}
}

// dirsBelow returns root and the directories below it, hidden ones left
// out (.git holds nothing a template reads and changes a lot).
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
