package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

// Runner runs one campaign: every record of Source is decided and
// reserved in Store, rendered, encoded and handed to Sink, exactly once
// across attempts, with the run's state kept in Dir. Fill in the fields,
// then call Run (or Open first, to learn before opening the source and
// the store whether Dir can hold this run). A Runner is for one run.
type Runner struct {
	// Project and Template are what is rendered.
	Project  *campaign.Project
	Template *render.Template
	// Campaign names the run: the ledger, tracking tokens, and ties unless
	// Seed is set. Its Name defaults to its ID.
	Campaign render.Campaign
	Seed     string
	// Format of the messages: eml (the default), html or json.
	Format campaign.Format
	// Tracker seals the tracking tokens and, with a public URL, turns
	// offer links into click redirects, gives {{trackingPixel}} the open
	// pixel and messages the one-click unsubscribe (SPEC §10); nil makes
	// readable tokens and tracks nothing.
	Tracker *track.Tracker
	// Strict makes a missing field written out by the template a render
	// reject.
	Strict bool
	// MaxMessageBytes bounds what one message may render to (each part:
	// body, subject…); past it the recipient is a render reject. 0 means
	// render.DefaultMaxBytes (2 MiB).
	MaxMessageBytes int
	// At is the decision time. Zero means the one the first attempt
	// recorded in run.json, or Clock() at the first attempt.
	At time.Time

	// Source yields the recipients, good records and rejects, in order:
	// a recipients.Reader, or Records over an iterator. Between attempts it
	// must yield the same records, or more at its end.
	Source recipients.Reader
	// Store holds the cap counters and the campaign ledger (package
	// capstore). The runner does not close it.
	Store decide.Store
	// Sink receives every message; nil writes one file per message into
	// Dir/messages, or part files with Pack. The runner does not close
	// it.
	Sink Sink
	// Pack, without a Sink, writes the messages into part files of Pack
	// messages each (Dir/messages/part-00001.mbox for eml, .ndjson for
	// json and html), in the order of the source, with an index; 0 writes
	// one file per message. A run cannot change it between attempts.
	Pack int
	// Clock is the wall clock, read for the decision time of a first
	// attempt and for the report; nil means time.Now.
	Clock func() time.Time

	// Dir is the run directory (OUT), created when missing: run.json, the
	// journals, report.json and, without a Sink, the message files.
	Dir string
	// Shard takes part of the recipients (by id hash); the zero Shard
	// takes them all.
	Shard Shard
	// Workers render and deliver messages; 0 means one per CPU.
	Workers int
	// BatchSize is how many recipients are decided per store round trip;
	// 0 means 256.
	BatchSize int
	// Live is learned ranking's statistics (track.Live): re-read from the
	// store at most once a second as the run goes on, so that events
	// recorded meanwhile (the tracking routes, feedback, another process)
	// move the decisions of the recipients not decided yet; each read
	// sums a model's window as of the run's decision time. Recipients
	// already in the ledger keep their recorded decisions. nil is a Live
	// on Store with the wall clock.
	Live *track.Live
	// ResendUnknown sends again the messages whose fate an earlier attempt
	// could not learn (the connection ended after the message, before the
	// server's answer: a reject of stage "unknown"). Off, they are left
	// alone: the server may have delivered them.
	ResendUnknown bool
	// Grace is how long deliveries in progress when the run is stopped
	// may take to finish (an SMTP transaction); 0 means 5 seconds.
	Grace time.Duration
	// Describe names, for run.json and the report, what the runner holds
	// only as values.
	Describe Description
	// Trace makes every decision explain itself (Message.Decision's trace)
	// for a Sink that reads it, as a simulation does; the ledger and
	// decisions.ndjson never hold traces. Tracing records every
	// candidate's steps, so it costs CPU per recipient.
	Trace bool
	// NoHTML leaves report.html out (a caller that writes its own, as a
	// simulation does); by default it is written beside report.json.
	NoHTML bool

	// onCommit, in tests, is called after each journal commit.
	onCommit func()

	opened   bool
	unlock   func()
	meta     runMeta
	progress progressCounts
}

// Description names the parts of a run that the runner holds only as
// values. Two attempts are the same run when these names match, with the
// campaign, format, seed, strictness, shard and decision time.
type Description struct {
	Template   string // the template file
	Recipients string // the recipients file; "-" for standard input
	Store      string // the store, without its password
	// Delivery names where messages go: "files" (the default without a
	// Sink), "smtp", or another sink's name. A run cannot change it
	// between attempts; anything but "files" counts messages as sent.
	Delivery string
	// Server is the SMTP server, without credentials; it may change
	// between attempts.
	Server string
}

// Progress counts what the current attempt has done so far; safe to read
// while Run runs.
type Progress struct {
	// Read is how many records (good or bad) came from Source, Skipped how
	// many of them needed nothing: another shard's, or done by an earlier
	// attempt.
	Read, Skipped int64
	// Done is how many recipients this attempt finished (journalled),
	// Rejected and Replayed how many of those were rejects and decisions
	// an interrupted attempt had already recorded.
	Done, Rejected, Replayed int64
}

type progressCounts struct {
	read, skipped, done, rejected, replayed atomic.Int64
}

// Progress returns what the current attempt has done so far.
func (r *Runner) Progress() Progress {
	c := &r.progress
	return Progress{Read: c.read.Load(), Skipped: c.skipped.Load(), Done: c.done.Load(),
		Rejected: c.rejected.Load(), Replayed: c.replayed.Load()}
}

// Errors of a run, for callers to branch on (the command picks its exit
// code from them).
var (
	// ErrInput: the recipients cannot be read on (a record too long to
	// read safely).
	ErrInput = errors.New("invalid input")
	// ErrInterrupted: the run was stopped before it finished; running it
	// again completes it.
	ErrInterrupted = errors.New("interrupted")
)

// Reasons a run directory cannot hold the run (DirError).
const (
	DirBusy     = "busy"     // another process runs into it
	DirForeign  = "foreign"  // it holds other things and no run.json
	DirVersion  = "version"  // its run.json is not of this version
	DirMismatch = "mismatch" // it belongs to another run
)

// DirError says that the run directory cannot hold this run.
type DirError struct {
	Dir    string
	Reason string // DirBusy, DirForeign, DirVersion or DirMismatch
	// Entry is what a foreign directory holds, or the run.json file.
	Entry string
	// Field is what differs from the recorded run: "campaign", "name",
	// "template", "recipients", "format", "pack", "delivery", "seed",
	// "shard", "store", "strict" or "at"; Have is its recorded value, Want
	// this run's.
	Field, Have, Want string
}

func (e *DirError) Error() string {
	switch e.Reason {
	case DirBusy:
		return fmt.Sprintf("%s is in use by another run", e.Dir)
	case DirForeign:
		return fmt.Sprintf("%s holds %s but no %s", e.Dir, e.Entry, metaFile)
	case DirVersion:
		return fmt.Sprintf("%s is not a run description of this version", e.Entry)
	}
	return fmt.Sprintf("%s belongs to a run with %s %q, not %q", e.Dir, e.Field, e.Have, e.Want)
}

// kindError is an error of a kind (ErrInput): errors.Is finds the kind,
// and the message is the error's own, without a prefix.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string        { return e.err.Error() }
func (e *kindError) Unwrap() error        { return e.err }
func (e *kindError) Is(target error) bool { return target == e.kind }

func inputErr(err error) error { return &kindError{ErrInput, err} }

// Open creates and locks Dir and checks that it is new or holds an
// earlier attempt of this run, fixing the decision time. It reads only the
// fields that name the run (Dir, Campaign, Format, Pack, Seed, Strict, Shard, At,
// Describe, Clock), so that a caller can learn that Dir is wrong before it
// opens the source and the store. Run calls it when the caller did not;
// Close releases the lock.
func (r *Runner) Open() error {
	if r.opened {
		return nil
	}
	if err := r.defaults(); err != nil {
		return err
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return outputErr(err)
	}
	unlock, err := lockDir(r.Dir)
	if err != nil {
		return err
	}
	meta, err := prepareMeta(r.Dir, r.newMeta(r.Clock()), r.At)
	if err != nil {
		unlock()
		return err
	}
	if meta.Attempts > 1 {
		// A directory bound to this run already: every start counts, even
		// one that fails before it reaches the store (report.json's
		// attempts). A first attempt writes run.json in Run, once the
		// store is open, so that a mistyped flag binds nothing.
		if err := writeJSONFile(filepath.Join(r.Dir, metaFile), meta); err != nil {
			unlock()
			return err
		}
	}
	r.opened, r.unlock, r.meta = true, unlock, meta
	return nil
}

// DecisionTime is the run's decision time, fixed by Open: At, the one the
// first attempt recorded, or Clock() at the first attempt.
func (r *Runner) DecisionTime() time.Time { return r.meta.DecisionTime }

// Close releases Dir. The runner is done with it after Run returns.
func (r *Runner) Close() {
	if r.unlock != nil {
		r.unlock()
		r.unlock = nil
	}
}

// Run runs, or completes, the campaign, and returns its report (also
// written to Dir/report.json). A run whose records or messages were
// rejected returns its report and no error; Report.Totals.Rejected says
// so. Errors are a *DirError, or wrap ErrInput, ErrInterrupted,
// ErrStoreLost, decide.ErrStoreUnavailable or decide.ErrLibraryChanged
// where those apply.
func (r *Runner) Run(ctx context.Context) (*Report, error) {
	rep, err := r.run(ctx)
	var de *DirError
	if err != nil && ctx.Err() != nil && !errors.As(err, &de) {
		// Stopped at any point, startup included: nothing is lost.
		return nil, ErrInterrupted
	}
	return rep, err
}

// defaults checks the fields Open reads and fills in their defaults.
func (r *Runner) defaults() error {
	switch {
	case r.Campaign.ID == "":
		return errors.New("batch: the campaign id must not be empty")
	case strings.ContainsAny(r.Campaign.ID, "\r\n\x00"):
		return fmt.Errorf("batch: the campaign id %q holds a control character", r.Campaign.ID)
	case r.Dir == "":
		return errors.New("batch: Runner needs a Dir")
	}
	switch r.Format {
	case "":
		r.Format = campaign.EML
	case campaign.EML, campaign.HTML, campaign.JSON:
	default:
		return fmt.Errorf("batch: format %q: messages are eml, html or json", r.Format)
	}
	if r.Campaign.Name == "" {
		r.Campaign.Name = r.Campaign.ID
	}
	if r.Describe.Delivery == "" {
		r.Describe.Delivery = "files"
		if r.Sink != nil {
			r.Describe.Delivery = "sink"
		}
	}
	if r.Clock == nil {
		r.Clock = time.Now
	}
	return nil
}

func (r *Runner) run(ctx context.Context) (*Report, error) {
	if err := r.defaults(); err != nil {
		return nil, err
	}
	switch {
	case r.Project == nil || r.Template == nil:
		return nil, errors.New("batch: Runner needs a Project and a Template")
	case r.Source == nil || r.Store == nil:
		return nil, errors.New("batch: Runner needs a Source and a Store")
	case r.Workers < 0:
		return nil, errors.New("batch: Workers must not be negative")
	case r.Pack < 0:
		return nil, errors.New("batch: Pack must not be negative")
	case r.Pack > 0 && r.Sink != nil:
		return nil, errors.New("batch: Pack writes part files; a run with a Sink of its own cannot pack")
	}
	if err := r.Open(); err != nil {
		return nil, err
	}
	defer r.Close()
	if r.Workers == 0 {
		r.Workers = runtime.NumCPU()
	}
	if r.BatchSize <= 0 {
		r.BatchSize = 256
	}
	if r.Grace <= 0 {
		r.Grace = sendGrace
	}
	started := r.Clock()
	out, meta := r.Dir, r.meta
	if err := writeJSONFile(filepath.Join(out, metaFile), meta); err != nil {
		return nil, err
	}
	live := r.Live
	if live == nil {
		live = track.NewLive(r.Store, 0, nil)
	}
	// A store that cannot give the statistics stops the run before it
	// starts; Step.Reserve reads them again as they age.
	if _, err := live.Stats(ctx, r.Project.Library, meta.DecisionTime); err != nil {
		return nil, fmt.Errorf("read feedback for learned ranking: %w", err)
	}
	step := &Step{Project: r.Project, Template: r.Template, Format: r.Format, Live: live, Options: campaign.Options{
		Campaign: r.Campaign, Seed: r.Seed, Now: meta.DecisionTime, Strict: r.Strict, MaxBytes: r.MaxMessageBytes,
		Tracker: r.Tracker, Trace: r.Trace,
	}}

	done, err := resume(out, r.Campaign.ID, newLedgerCheck(ctx, r.Store, r.Campaign.ID, filepath.Join(out, decisionsFile)), r.ResendUnknown)
	if err != nil {
		return nil, err
	}
	sink := r.Sink
	var packed *parts
	switch {
	case sink != nil:
	case r.Pack > 0:
		var indexed []string
		if packed, indexed, err = openParts(out, r.Format, r.Pack, meta.DecisionTime, done); err != nil {
			return nil, err
		}
		defer packed.close()
		done.adoptIndexed(indexed)
	default:
		fs, err := openFiles(out, string(r.Format))
		if err != nil {
			return nil, err
		}
		defer fs.close()
		sink = fs
	}
	var syncSink func() error
	if s, ok := sink.(Syncer); ok {
		syncSink = s.Sync
	} else if packed != nil {
		syncSink = packed.Sync
	}

	j, err := openJournal(out, syncSink)
	if err != nil {
		return nil, err
	}
	if err := done.adopt(ctx, r.Store, r.Project.Library, r.Campaign.ID, campaign.Scopes(r.Template), j); err != nil {
		j.close()
		return nil, err
	}

	// Lines from here on are this attempt's: the report takes their
	// counts from the pipeline instead of reading them back.
	st, err := j.decisions.Stat()
	if err != nil {
		j.close()
		return nil, outputErr(err)
	}
	from := st.Size()
	p := &pipeline{r: r, step: step, sink: sink, parts: packed, reserver: decide.NewReserver(r.Project.Engine, r.Store),
		counts: newPlacements(campaign.Scopes(r.Template))}
	runErr := p.run(ctx, done, j)
	if err := j.close(); runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return nil, runErr
	}

	finished := r.Clock()
	c := &r.progress
	rep, err := buildReport(out, meta, campaign.Scopes(r.Template), started, finished, Attempt{
		Number: meta.Attempts, Recipients: int(c.done.Load()),
		Replayed: int(c.replayed.Load()), Rejected: int(c.rejected.Load()),
	}, p.counts, from)
	if err != nil {
		return nil, err
	}
	if err := writeJSONFile(filepath.Join(out, reportFile), rep); err != nil {
		return nil, err
	}
	if !r.NoHTML {
		if err := WriteHTML(out, rep, nil); err != nil {
			return nil, err
		}
	}
	return rep, nil
}
