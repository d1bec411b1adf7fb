package preview

import (
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/internal/loopback"
	"github.com/offermail/offermail/render"
)

// Config is what a preview server shows and how.
type Config struct {
	// Templates, Library and Profiles are the directories served; nothing
	// outside them is ever read.
	Templates, Library, Profiles string
	// Campaign names the preview run (tracking tokens, tie-break seed).
	Campaign render.Campaign
	Seed     string
	// At is the default decision time; zero means now, read from Now at
	// each request. The page's picker overrides both.
	At  time.Time
	Now func() time.Time
	// Counts reads cap counters (from a store opened read-only); nil reads
	// every counter as 0. Stats gives learned ranking the statistics of a
	// library at the page's decision time (track.Live.Stats: the store's,
	// windowed as of that time, at most a second old); nil is none. The
	// preview only ever reads them.
	Counts decide.Counts
	Stats  func(ctx context.Context, lib *decide.Library, at time.Time) (decide.Stats, error)
	// AnyHost accepts requests for any Host. By default only localhost,
	// 127.0.0.1 and [::1] are answered, so that a web page elsewhere
	// cannot read the preview through DNS rebinding.
	AnyHost bool
	// Debounce is how long the watcher waits for changes to settle;
	// DefaultDebounce when zero.
	Debounce time.Duration
	// Log receives reload reports and watch errors; nil discards them.
	Log io.Writer
}

// Server is the preview: an http.Handler serving the page, its JSON API
// and the reload events. It is safe for concurrent use.
type Server struct {
	cfg Config
	// writeTimeout is the write timeout of HTTPServer, renewed by the
	// event stream before each event.
	writeTimeout time.Duration
	st           atomic.Pointer[state]
	events       *broker
	// reload serializes reloads; requests never wait for it.
	reload sync.Mutex
	done   chan struct{}
	close  sync.Once
	wg     sync.WaitGroup
	logMu  sync.Mutex
}

// New loads the directories and returns the server. Errors in the library
// or templates are not errors here: the page shows them. It fails only
// when a directory does not exist.
func New(cfg Config) (*Server, error) {
	for _, d := range []struct{ flag, dir string }{{"templates", cfg.Templates}, {"library", cfg.Library}, {"profiles", cfg.Profiles}} {
		if st, err := os.Stat(d.dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s directory %s not found (set it with --%s DIR)", d.flag, d.dir, d.flag)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, events: newBroker(), done: make(chan struct{})}
	st := load(&s.cfg, nil)
	s.st.Store(st)
	s.report(st)
	return s, nil
}

// Reload loads the directories again and tells the open pages. Whatever
// no longer loads keeps its last good version, beside its errors.
func (s *Server) Reload() {
	s.reload.Lock()
	st := load(&s.cfg, s.current())
	s.st.Store(st)
	s.reload.Unlock()
	s.report(st)
	s.events.publish(st.version)
}

// Close stops the watcher and ends the event streams, so that an
// http.Server can shut down; the handler still answers other requests.
func (s *Server) Close() error {
	s.close.Do(func() { close(s.done) })
	s.wg.Wait()
	return nil
}

func (s *Server) current() *state { return s.st.Load() }

func (s *Server) report(st *state) {
	if len(st.problems) == 0 {
		s.logf("loaded %d templates, %d profiles", len(st.names), len(st.profileNames))
		return
	}
	s.logf("loaded %d templates, %d profiles; %d error(s):", len(st.names), len(st.profileNames), len(st.problems))
	for _, p := range st.problems {
		if at := p.At(); at != "" {
			s.logf("  %s: %s", at, p.Message)
		} else {
			s.logf("  %s", p.Message)
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, "preview: "+format+"\n", args...)
}

// route is one thing the server answers; every other path is 404.
type route struct {
	method  string
	handler func(*Server, http.ResponseWriter, *http.Request)
}

// routes are matched exactly: no path is ever mapped to a file, so no
// spelling of ../ reaches outside what is listed here.
var routes = map[string]route{
	"/":            {http.MethodGet, (*Server).handlePage},
	"/app.js":      {http.MethodGet, (*Server).handleAsset},
	"/panels.js":   {http.MethodGet, (*Server).handleAsset},
	"/app.css":     {http.MethodGet, (*Server).handleAsset},
	"/api/state":   {http.MethodGet, (*Server).handleState},
	"/api/profile": {http.MethodGet, (*Server).handleProfile},
	"/api/render":  {http.MethodPost, (*Server).handleRender},
	"/events":      {http.MethodGet, (*Server).handleEvents},
}

// ServeHTTP answers the page, its assets, the API and the event stream.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	// Everything but the page itself is data, never a document.
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	if !s.cfg.AnyHost && !loopback.Host(r.Host) {
		http.Error(w, fmt.Sprintf("the preview answers only to localhost, not to Host %q (start it with an explicit --addr to serve other names)", r.Host), http.StatusForbidden)
		return
	}
	rt, ok := routes[r.URL.Path]
	if !ok && strings.HasPrefix(r.URL.Path, assetsRoute) {
		rt, ok = route{http.MethodGet, (*Server).handleImage}, true
	}
	if !ok || r.URL.RawPath != "" {
		http.NotFound(w, r)
		return
	}
	if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
		h.Set("Allow", rt.method)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rt.handler(s, w, r)
}

// The page is four files written for this server: no framework, no CDN,
// nothing fetched from the network, so the preview works offline.
//
//go:embed assets/index.html assets/app.js assets/panels.js assets/app.css
var assets embed.FS

// pagePolicy is the page's Content-Security-Policy. Scripts come only from
// the server. The rendered email is an iframe srcdoc, which inherits this
// policy, so email styles (inline, as email clients need) and remote
// images must be allowed here. The iframe's sandbox is what keeps the email
// from running anything: no allow-scripts (and this policy admits no
// script of its own), no forms, popups or navigation of the page. It has
// allow-same-origin so that the page can measure the email and size the
// frame to it; without scripts in the email that gives the email nothing.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: https: http:; font-src data: https: http:; connect-src 'self'; " +
	"frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", pagePolicy)
	serveAsset(w, r, "index.html", "text/html; charset=utf-8")
}

func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	ctype := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ctype = "text/javascript; charset=utf-8"
	}
	serveAsset(w, r, name, ctype)
}

func serveAsset(w http.ResponseWriter, r *http.Request, name, ctype string) {
	data, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	// The page and its scripts change with the binary; never keep a copy
	// from an older one.
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}
