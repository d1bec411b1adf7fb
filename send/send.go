// Package send delivers rendered MIME messages over SMTP, for the batch
// command's --smtp flag.
//
// A Sender keeps a small pool of SMTP connections open and reuses them
// from message to message. go-mail sets each connection up (EHLO,
// STARTTLS when offered, AUTH); the message itself goes out through
// go-mail's SMTP client as the exact bytes given (go-mail's Msg would be
// rendered again, with its own headers and boundaries, and could not send
// bytes built elsewhere). Sending is limited to a rate shared by all
// connections; a transient failure (a 4xx answer, a dropped connection)
// is retried with exponential backoff; a permanent answer (5xx) to a
// message comes back as a *RejectError for the caller to record.
package send

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode says how a connection is encrypted.
type TLSMode int

const (
	// TLSOpportunistic uses STARTTLS when the server offers it (default).
	TLSOpportunistic TLSMode = iota
	// TLSNone never encrypts.
	TLSNone
	// TLSMandatory requires STARTTLS; a server without it is an error.
	TLSMandatory
	// TLSImplicit speaks TLS from the first byte (smtps://, port 465).
	TLSImplicit
)

func (m TLSMode) String() string {
	switch m {
	case TLSNone:
		return "none"
	case TLSMandatory:
		return "mandatory"
	case TLSImplicit:
		return "implicit"
	}
	return "opportunistic"
}

// Config describes the server and how to send to it. Zero fields take the
// defaults given.
type Config struct {
	Host     string
	Port     int // default 25, or 465 with TLSImplicit
	Username string
	Password string
	TLS      TLSMode
	// TLSConfig verifies the server; default: the system roots, for Host.
	TLSConfig *tls.Config
	Helo      string // name given in EHLO; default: this machine's host name

	Conns      int           // connections kept open; default 4
	Rate       float64       // messages per second over all connections; 0: no limit
	Burst      int           // messages that may go at once after a pause; default 1
	Attempts   int           // tries per message, the first included; default 5
	Backoff    time.Duration // wait before the first retry, doubled each time; default 1s
	MaxBackoff time.Duration // longest wait between tries; default 1m
	Timeout    time.Duration // network timeout of a connection or a transaction; default 30s
	// DataTimeout is how long the server may take to answer the end of a
	// message's DATA, once all of it was sent; default 10 minutes, as RFC
	// 5321 §4.5.3.2.6 asks. A server may be slow there (filters, a
	// queue's fsync) and has taken the message when it answers: giving
	// up sooner leaves its fate unknown (UnknownError).
	DataTimeout time.Duration
	Clock       Clock // time source of waits; default the wall clock
}

// Sender sends messages over a pool of reused SMTP connections. It is safe
// for concurrent use; at most Config.Conns messages are in flight at once.
type Sender struct {
	cfg        Config
	tlsConfig  *tls.Config
	clientOpts []gomail.Option
	limit      *limiter

	// slots is a semaphore of Conns entries, one per message in flight;
	// idle holds the open connections no message is using. An idle
	// connection is taken before a new one is opened, so a slow trickle
	// of messages keeps a single connection busy.
	slots     chan struct{}
	idle      chan *conn
	closed    chan struct{}
	closeOnce sync.Once
}

// New checks cfg, fills in its defaults and returns a Sender. It does not
// connect: connections open on first use.
func New(cfg Config) (*Sender, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	s := &Sender{
		cfg:        cfg,
		tlsConfig:  tc,
		clientOpts: clientOptions(cfg, tc),
		limit:      newLimiter(cfg.Clock, cfg.Rate, cfg.Burst),
		slots:      make(chan struct{}, cfg.Conns),
		idle:       make(chan *conn, cfg.Conns),
		closed:     make(chan struct{}),
	}
	return s, nil
}

func (c *Config) setDefaults() error {
	switch {
	case c.Host == "":
		return errors.New("smtp: no host")
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("smtp: port %d out of range", c.Port)
	case c.Conns < 0 || c.Attempts < 0 || c.Burst < 0:
		return errors.New("smtp: negative connection, attempt or burst count")
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("smtp: rate %v: want a number of messages per second >= 0", c.Rate)
	case c.Backoff < 0 || c.MaxBackoff < 0 || c.Timeout < 0 || c.DataTimeout < 0:
		return errors.New("smtp: negative duration")
	case c.Username == "" && c.Password != "":
		return errors.New("smtp: password without user name")
	}
	if c.Port == 0 {
		c.Port = 25
		if c.TLS == TLSImplicit {
			c.Port = 465
		}
	}
	c.Conns = cmp0(c.Conns, 4)
	c.Burst = cmp0(c.Burst, 1)
	c.Attempts = cmp0(c.Attempts, 5)
	c.Backoff = cmp0(c.Backoff, time.Second)
	c.MaxBackoff = max(cmp0(c.MaxBackoff, time.Minute), c.Backoff)
	c.Timeout = cmp0(c.Timeout, 30*time.Second)
	c.DataTimeout = cmp0(c.DataTimeout, 10*time.Minute)
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	return nil
}

// cmp0 returns v, or def when v is zero.
func cmp0[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Send delivers msg, a complete MIME message with CRLF or LF line ends,
// from the envelope sender to one recipient (addresses as in RFC 5322,
// display names allowed). It waits for the rate limit and a free
// connection, and retries transient failures. It returns nil once the
// server accepted the message, a *RejectError if the server refused it
// for good, an *UnknownError when the whole message went out but the
// connection ended before the server's answer (it is not sent again: the
// server may have taken it), a *RetryError when every attempt failed
// transiently, the
// context's error when ctx ended first, or another error when the server
// cannot be used at all (refused login, failed TLS verification).
//
// Each attempt takes its own turn in the rate limit.
func (s *Sender) Send(ctx context.Context, from, to string, msg []byte) error {
	envFrom, envTo, err := envelope(from, to)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		if err := s.limit.wait(ctx); err != nil {
			return err
		}
		err := s.attempt(ctx, envFrom, envTo, msg)
		var unknown *UnknownError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &unknown):
			return err
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case !transient(err):
			return err
		case attempt >= s.cfg.Attempts:
			return &RetryError{Attempts: attempt, Err: err}
		}
		wake := s.cfg.Clock.Now().Add(backoff(s.cfg.Backoff, s.cfg.MaxBackoff, attempt))
		if err := s.cfg.Clock.SleepUntil(ctx, wake); err != nil {
			return err
		}
	}
}

// attempt sends once over a pooled connection, opening one if needed.
func (s *Sender) attempt(ctx context.Context, from, to string, msg []byte) error {
	select {
	case <-s.closed:
		return ErrClosed
	case <-ctx.Done():
		return context.Cause(ctx)
	case s.slots <- struct{}{}:
	}
	var c *conn
	select {
	case c = <-s.idle:
	default:
	}
	ok := false
	defer func() {
		if ok {
			s.idle <- c // never blocks: at most Conns connections exist
		} else if c != nil {
			c.raw.Close()
		}
		<-s.slots
	}()

	reused := c != nil
	var err error
	if !reused {
		if c, err = s.dial(ctx); err != nil {
			return err
		}
	}
	ok, err = c.send(ctx, s.cfg.Timeout, s.cfg.DataTimeout, from, to, msg)
	var stale *staleError
	if reused && errors.As(err, &stale) && ctx.Err() == nil {
		// The server closed this idle connection: that says nothing
		// about the message, so reconnect once without using up an
		// attempt.
		c.raw.Close()
		if c, err = s.dial(ctx); err != nil {
			return err
		}
		ok, err = c.send(ctx, s.cfg.Timeout, s.cfg.DataTimeout, from, to, msg)
	}
	return err
}

// Close ends every open connection with QUIT. It waits for messages in
// flight; Send called afterwards returns ErrClosed.
func (s *Sender) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		for range cap(s.slots) {
			s.slots <- struct{}{}
		}
		for len(s.idle) > 0 {
			(<-s.idle).close()
		}
	})
	return nil
}
