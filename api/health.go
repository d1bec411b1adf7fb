package api

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the store check of /readyz.
const readyTimeout = 2 * time.Second

// health is the answer of /healthz and /readyz.
type health struct {
	Status string `json:"status"`
	// Loaded is when the library and templates serving now were loaded.
	Loaded    time.Time `json:"loaded"`
	Templates []string  `json:"templates"`
	Store     string    `json:"store,omitempty"`
	// Reload holds the problems of the last reload, each file:line:col:
	// message, while the previous version keeps serving.
	Reload *reloadOut `json:"reload,omitempty"`
}

type reloadOut struct {
	Failed   time.Time `json:"failed"`
	Problems []string  `json:"problems"`
}

// handleHealth answers /healthz: the process is alive.
func (s *Service) handleHealth(w http.ResponseWriter, r *http.Request, _ *call) error {
	writeJSON(w, http.StatusOK, health{Status: "ok", Loaded: s.current().at, Templates: names(s.current())})
	return nil
}

// handleReady answers /readyz: 200 while a library is loaded and the store
// answers, 503 when the store does not or the service is draining. A
// failed reload does not make the service unready — the previous library
// serves — but shows in the answer.
func (s *Service) handleReady(w http.ResponseWriter, r *http.Request, _ *call) error {
	b := s.current()
	h := health{Status: "ready", Loaded: b.at, Templates: names(b), Store: "ok"}
	if f := s.failed.Load(); f != nil {
		h.Reload = &reloadOut{Failed: f.at, Problems: f.problems}
	}
	status := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if _, err := s.store.Counts(ctx, []string{"readyz"}); err != nil {
		h.Status, h.Store, status = "unavailable", err.Error(), http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "2")
	}
	if s.drain.Load() {
		h.Status, status = "draining", http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
	return nil
}

func names(b *loaded) []string {
	out := []string{}
	for _, t := range b.templates.Templates() {
		out = append(out, t.Name())
	}
	return out
}

// handleMetrics serves the metrics in the Prometheus text format.
func (s *Service) handleMetrics(w http.ResponseWriter, r *http.Request, _ *call) error {
	s.promhttp.ServeHTTP(w, r)
	return nil
}
