package batch

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/send"
)

// Config describes one run. Project and Template are loaded by the caller,
// which reports their errors itself.
type Config struct {
	Project      *campaign.Project
	Template     *render.Template
	TemplatePath string // the template file, to recognize the run again
	Recipients   string // NDJSON or CSV file (.gz allowed); "-" is standard input
	Campaign     render.Campaign
	Out          string // output directory, created when missing
	Format       string // eml (default), html or json; eml when sending

	// Store is the URL of the counters and ledger; "" means bolt:OUT/state.db.
	Store string
	// Workers render and write (or send) messages; 0 means one per CPU, or
	// with SMTP twice the connections when that is more.
	Workers int
	Shard   Shard
	// At is the decision time; zero means the one recorded in run.json by
	// the first attempt, or the wall clock at the first attempt.
	At     time.Time
	Seed   string
	Strict bool

	// SMTP sends the messages instead of writing them; nil writes files.
	SMTP *send.Config
	// SMTPDesc names the server in run.json and messages (no password).
	SMTPDesc string

	// Warn receives warnings about a run that may not do what the user
	// expects (stderr); nil discards them.
	Warn io.Writer
	// Progress receives a progress bar (stderr when it is a terminal); nil
	// shows none.
	Progress io.Writer

	// BatchSize is how many recipients are decided per store round trip;
	// 0 means 256.
	BatchSize int
	// Clock is the wall clock for the report; nil means time.Now.
	Clock func() time.Time

	// onCommit, in tests, is called after each journal commit.
	onCommit func()
}

// Errors the command maps to exit codes.
var (
	// ErrUsage: the command line does not fit (bad flags, or an output
	// directory that belongs to another run).
	ErrUsage = errors.New("usage")
	// ErrInput: the template or the recipients file cannot be used.
	ErrInput = errors.New("invalid input")
	// ErrInterrupted: the run was stopped (Ctrl-C) before it finished;
	// running the same command again completes it.
	ErrInterrupted = errors.New("interrupted: run the same command again to complete")
)

// kindError is an error of a kind (ErrUsage, ErrInput): errors.Is finds
// the kind, and the message is the error's own, without a prefix.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string        { return e.err.Error() }
func (e *kindError) Unwrap() error        { return e.err }
func (e *kindError) Is(target error) bool { return target == e.kind }

func usageErr(format string, args ...any) error {
	return &kindError{ErrUsage, fmt.Errorf(format, args...)}
}

func inputErr(err error) error { return &kindError{ErrInput, err} }

// check validates the configuration and fills in defaults.
func (c *Config) check() error {
	switch {
	case c.Project == nil || c.Template == nil:
		return errors.New("batch: Config needs Project and Template")
	case c.Campaign.ID == "":
		return usageErr("--campaign must not be empty")
	case strings.ContainsAny(c.Campaign.ID, "\r\n\x00"):
		return usageErr("--campaign %q holds a control character", c.Campaign.ID)
	case c.Out == "":
		return usageErr("--out must name a directory")
	case c.Recipients == "":
		return usageErr("--recipients must name a file")
	case c.SMTP != nil && c.Template.From() == "":
		return inputErr(fmt.Errorf("%s has no from: in its front matter, which sending over SMTP needs", c.TemplatePath))
	}
	if c.Campaign.Name == "" {
		c.Campaign.Name = c.Campaign.ID
	}
	switch c.Format {
	case "":
		c.Format = "eml"
	case "eml", "html", "json":
	default:
		return usageErr("--format must be eml, html or json, not %q", c.Format)
	}
	if c.SMTP != nil && c.Format != "eml" {
		return usageErr("--format %s cannot be sent: SMTP sends eml (leave --format out)", c.Format)
	}
	if c.Store == "" {
		if c.Shard.N > 1 {
			c.warn("warning: --shard without --store: this shard counts caps in its own %s, so total caps are not shared between shards; give every shard --store redis://HOST:PORT/DB for exact caps",
				filepath.Join(c.Out, "state.db"))
		}
		c.Store = "bolt:" + filepath.Join(c.Out, "state.db")
	}
	switch {
	case strings.HasPrefix(c.Store, "bolt:"), strings.HasPrefix(c.Store, "redis://"), strings.HasPrefix(c.Store, "rediss://"):
	case strings.HasPrefix(c.Store, "memory:"):
		return usageErr("--store memory: forgets caps and decisions when the run ends, so a re-run would count them again; use bolt:PATH or redis://HOST:PORT/DB")
	default:
		return usageErr("--store %q: use bolt:PATH or redis://HOST:PORT/DB", c.Store)
	}
	if c.Shard.N > 1 && c.At.IsZero() {
		c.warn("warning: --shard without --at: each shard decides at the time it starts; give every shard the same --at so they decide as one run would")
	}
	if c.Workers < 0 {
		return usageErr("--workers must be at least 1")
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
		if c.SMTP != nil {
			conns := c.SMTP.Conns
			if conns == 0 {
				conns = 4
			}
			c.Workers = max(c.Workers, 2*conns)
		}
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return nil
}

// ext is the message files' extension.
func (c *Config) ext() string { return c.Format }

// delivery names where messages go, for run.json: a run that sent by
// SMTP cannot be completed by writing files, but may move to another relay.
func (c *Config) delivery() string {
	if c.SMTP != nil {
		return "smtp"
	}
	return "files"
}

func (c *Config) warn(format string, args ...any) {
	if c.Warn != nil {
		fmt.Fprintf(c.Warn, format+"\n", args...)
	}
}
