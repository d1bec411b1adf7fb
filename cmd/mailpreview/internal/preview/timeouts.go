package preview

import (
	"net/http"
	"time"
)

// Timeouts bound how long one connection may hold the server: a client
// that sends its headers or body slowly, reads its answer slowly, or keeps
// an idle connection open, is disconnected. The event stream, which lives
// as long as the page, renews its write deadline before each event
// instead.
type Timeouts struct {
	ReadHeader time.Duration // the request line and headers
	Read       time.Duration // the whole request, body included
	Write      time.Duration // the answer, from the end of the headers
	Idle       time.Duration // a kept-alive connection between requests
}

// DefaultTimeouts are generous for a page on the same machine: a render
// answers in milliseconds, a profile body is at most 1 MiB.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: time.Minute, Idle: 2 * time.Minute}

// HTTPServer returns an http.Server for s with the timeouts t.
func (s *Server) HTTPServer(t Timeouts) *http.Server {
	s.writeTimeout = t.Write
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
	}
}

// renewWrite gives the next write of a long-lived answer its own
// deadline, when the server has a write timeout.
func (s *Server) renewWrite(w http.ResponseWriter) {
	if s.writeTimeout > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeTimeout))
	}
}
