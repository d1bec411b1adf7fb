package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/internal/watch"
	"github.com/offermail/offermail/track"
)

// Config is what a Service serves and how.
type Config struct {
	// Library and Templates are the directories loaded at start and again
	// on Reload; Templates may be "" (then /v1/messages knows no template).
	Library, Templates string
	// Store keeps the counters and the ledger; the caller opens and closes
	// it. Many services may share one Redis store.
	Store decide.Store
	// Campaign is the campaign of requests that name none (SPEC: "api").
	Campaign string
	// Keys are the API keys a /v1/ request must bear; none means every
	// request is let in, which cmd allows on loopback addresses only.
	Keys []string
	// Now is the clock: decision times of requests without "at", and the
	// day of the ledger. Nil is the wall clock.
	Now func() time.Time
	// Logger receives one line per request and reload reports; nil
	// discards them.
	Logger *slog.Logger
	// Registry receives the metrics, served at /metrics; nil is a
	// registry of the service's own.
	Registry *prometheus.Registry
	// Tracker opens tracking tokens and signs click links (SPEC §10); the
	// /t/ routes are off without a secret (nil: none). With a public URL,
	// /v1/messages tracks the links and opens of its messages.
	Tracker *track.Tracker
	// RequestTimeout bounds one request's work; DefaultRequestTimeout
	// when zero.
	RequestTimeout time.Duration
	// Debounce is how long Watch lets changes settle.
	Debounce time.Duration
}

// DefaultRequestTimeout bounds one request: a store that does not answer
// within it gets the request a 503, never a stalled connection.
const DefaultRequestTimeout = 10 * time.Second

// DefaultCampaign is the campaign of requests that name none.
const DefaultCampaign = "api"

// Service is the decisioning service: an http.Handler for the routes of
// SPEC §9. It is safe for concurrent use; requests share the loaded
// engine and templates read-only, and a reload swaps them atomically.
type Service struct {
	cfg     Config
	store   decide.Store
	keys    atomic.Pointer[keySet]
	cur     atomic.Pointer[loaded]
	failed  atomic.Pointer[reloadFailure]
	reload  sync.Mutex
	drain   atomic.Bool
	metrics *metrics
	log     *slog.Logger
	routes  map[string]route
	live    *track.Live
	watcher *watch.Watcher
	// promhttp serves /metrics.
	promhttp http.Handler
}

// New loads the library and templates and returns the service. A library
// or template that does not load is an error: a service starts only with
// something to serve.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: Config.Store is nil")
	}
	if cfg.Campaign == "" {
		cfg.Campaign = DefaultCampaign
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Service{cfg: cfg, log: cfg.Logger, live: track.NewLive(cfg.Store, 0, nil)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.metrics, err = newMetrics(cfg.Registry); err != nil {
		return nil, err
	}
	s.promhttp = promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{})
	s.store = meteredStore{Store: cfg.Store, m: s.metrics}
	s.SetKeys(cfg.Keys)
	s.routes = s.routeTable()
	b, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.cur.Store(b)
	s.log.Info("loaded", "library", cfg.Library, "templates", cfg.Templates, "templateCount", len(b.templates.Templates()))
	return s, nil
}

// Drain makes /readyz answer 503 from now on, so that a load balancer
// stops sending requests before the server shuts down; requests are
// still answered.
func (s *Service) Drain() { s.drain.Store(true) }

// Close stops watching the directories. It does not close the store.
func (s *Service) Close() error {
	if s.watcher != nil {
		return s.watcher.Close()
	}
	return nil
}

// route is one path the service answers.
type route struct {
	method string
	// auth: the route needs an API key (every /v1/ route).
	auth    bool
	handler func(http.ResponseWriter, *http.Request, *call) error
}

// routeTable lists the routes; anything else is 404. Tracking routes
// (/t/…, /v1/events: SPEC §10) join it here.
func (s *Service) routeTable() map[string]route {
	return map[string]route{
		"/healthz":      {http.MethodGet, false, s.handleHealth},
		"/readyz":       {http.MethodGet, false, s.handleReady},
		"/metrics":      {http.MethodGet, false, s.handleMetrics},
		"/v1/decisions": {http.MethodPost, true, s.handleDecisions},
		"/v1/messages":  {http.MethodPost, true, s.handleMessages},
		"/v1/events":    {http.MethodPost, true, s.handleEvents},
		"/t/c/":         {http.MethodGet, false, s.handleClick},
		"/t/o/":         {http.MethodGet, false, s.handleOpen},
		"/t/u/":         {"", false, s.handleUnsubscribe}, // GET and POST
	}
}

// call is one request as the handlers and the request log see it.
type call struct {
	route      string
	decisionID string
	replayed   bool
	err        *Error
}

// ServeHTTP answers the routes of SPEC §9 with JSON; every answer is
// logged and counted.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	c := &call{route: routeKey(r.URL.Path)}
	rt, ok := s.routes[c.route]
	if !ok {
		c.route = "other"
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(p))
			if !rec.wrote {
				c.err = &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error"}
				writeError(rec, c.err)
			}
		}
		s.finish(r, rec, c, start)
	}()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	var err error
	switch {
	case !ok || r.URL.RawPath != "":
		err = notFound(CodeNotFound, "", "no route %s %s", r.Method, r.URL.Path)
	case rt.method != "" && r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead):
		h.Set("Allow", rt.method)
		err = &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethod, Message: fmt.Sprintf("%s takes %s, not %s", r.URL.Path, rt.method, r.Method)}
	case rt.auth:
		if err = s.authorize(r); err == nil {
			r.Body = http.MaxBytesReader(rec, r.Body, MaxBody)
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
			err = rt.handler(rec, r.WithContext(ctx), c)
			cancel()
		}
	default:
		err = rt.handler(rec, r, c)
	}
	if err != nil {
		c.err = classify(err)
		if c.err.Status == http.StatusInternalServerError {
			s.log.Error("request failed", "route", c.route, "error", err.Error())
		}
		writeError(rec, c.err)
	}
}

// writeJSON answers v as compact JSON, HTML characters unescaped as the
// render command prints them. It is encoded whole before anything is
// written, so that a failure is still an error answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := json.MarshalWrite(buf, v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"encode the answer"}}`)
	}
	buf.WriteByte('\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// recorder remembers what was answered, for the log and the metrics.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}
