package api

import (
	"log/slog"
	"net/http"
	"time"
)

// finish logs and counts one answered request: one structured line per
// request, with what identifies it and, for errors, what went wrong.
func (s *Service) finish(r *http.Request, rec *recorder, c *call, start time.Time) {
	took := time.Since(start)
	s.metrics.observe(c.route, rec.status, took)
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Float64("ms", float64(took.Microseconds())/1000),
		slog.Int("bytes", rec.bytes),
		slog.String("remote", r.RemoteAddr),
	)
	if c.decisionID != "" {
		attrs = append(attrs, slog.String("decisionId", c.decisionID))
	}
	if c.replayed {
		attrs = append(attrs, slog.Bool("replayed", true))
	}
	if c.err != nil {
		attrs = append(attrs, slog.String("code", c.err.Code), slog.String("error", c.err.Error()))
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs...)
}
