package api

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/internal/watch"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

// loaded is one load of the library and templates with what serves them.
// It never changes: a reload builds a new one and swaps the pointer, so a
// request holds a consistent view from start to end without a lock, and
// requests in flight finish on the version they started with.
type loaded struct {
	project   *campaign.Project
	templates *render.Set
	reserver  *decide.Reserver
	tracker   *track.Tracker
	at        time.Time
}

// reloadFailure is the last reload's problems while the previous version
// keeps serving.
type reloadFailure struct {
	at       time.Time
	problems []string
}

// load loads the library and the templates against it. Both must load
// cleanly: a half-loaded pair is never served.
func (s *Service) load(ctx context.Context) (*loaded, error) {
	p, err := campaign.Load(s.cfg.Library)
	if err != nil {
		return nil, err
	}
	set := &render.Set{}
	if s.cfg.Templates != "" {
		if set, err = p.LoadTemplates(s.cfg.Templates); err != nil {
			return nil, err
		}
	}
	return &loaded{project: p, templates: set, reserver: decide.NewReserver(p.Engine, s.store), tracker: s.cfg.Tracker, at: s.cfg.Now()}, nil
}

// current is the version that serves new requests.
func (s *Service) current() *loaded { return s.cur.Load() }

// Reload loads the library and templates again and swaps them in once
// both load cleanly. When they do not, the previous version keeps serving,
// and the problems, each as file:line:col: message, go to the log and to
// /readyz until a reload succeeds.
func (s *Service) Reload(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	b, err := s.load(ctx)
	if err != nil {
		problems := problemList(err)
		s.failed.Store(&reloadFailure{at: s.cfg.Now(), problems: problems})
		s.metrics.reloads.WithLabelValues("error").Inc()
		s.log.Error("reload failed; the previous library and templates keep serving", "problems", len(problems))
		for _, p := range problems {
			s.log.Error("reload problem", "problem", p)
		}
		return err
	}
	s.cur.Store(b)
	s.failed.Store(nil)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.log.Info("reloaded", "library", s.cfg.Library, "templates", s.cfg.Templates, "templateCount", len(b.templates.Templates()))
	return nil
}

// Watch reloads after every change to the library or templates
// directories, until Close.
func (s *Service) Watch() error {
	roots := []string{s.cfg.Library}
	if s.cfg.Templates != "" {
		roots = append(roots, s.cfg.Templates)
	}
	w, err := watch.Start(watch.Config{
		Roots:    roots,
		Debounce: s.cfg.Debounce,
		Changed:  func() { s.Reload(context.Background()) },
		Logf:     func(format string, args ...any) { s.log.Warn(fmt.Sprintf(format, args...)) },
	})
	if err != nil {
		return err
	}
	s.watcher = w
	return nil
}

// problemList spells out the errors in err, one per problem, each
// file:line:col: message where the problem has a place.
func problemList(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if m, ok := e.(interface{ Unwrap() []error }); ok {
			if errs := m.Unwrap(); len(errs) > 1 {
				for _, x := range errs {
					walk(x)
				}
				return
			}
		}
		out = append(out, strings.ReplaceAll(e.Error(), "\n", " "))
	}
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		walk(list.(error))
	} else {
		walk(err)
	}
	return out
}

// templateNamed finds a template by its file name, or by its name
// without the extension.
func (b *loaded) templateNamed(name string) *render.Template {
	if t := b.templates.Lookup(name); t != nil {
		return t
	}
	if filepath.Ext(name) == "" {
		for _, ext := range []string{".hbs", ".html", ".md"} {
			if t := b.templates.Lookup(name + ext); t != nil {
				return t
			}
		}
	}
	return nil
}
