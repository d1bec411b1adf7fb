package preview

import (
	"github.com/offermail/offermail/internal/watch"
)

// DefaultDebounce is how long the watcher waits after the last change
// before reloading.
const DefaultDebounce = watch.DefaultDebounce

// Watch starts watching the templates, library and profiles directories,
// and every directory below them, and reloads after each burst of changes
// (package watch). The watches are in place when Watch returns; Close
// stops it.
func (s *Server) Watch() error {
	w, err := watch.Start(watch.Config{
		Roots:    []string{s.cfg.Templates, s.cfg.Library, s.cfg.Profiles},
		Debounce: s.cfg.Debounce,
		Changed:  s.Reload,
		Logf:     s.logf,
	})
	if err != nil {
		return err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		<-s.done
		w.Close()
	}()
	return nil
}
