package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/send"
)

// Journal commits: at least this often, or after this many outcomes or
// bytes, whichever comes first. They bound what a crash makes the next
// attempt redo, and the SMTP at-least-once window.
const (
	commitEvery = 100 * time.Millisecond
	commitLines = 512
	commitBytes = 1 << 20
	// sendGrace is how long messages already handed to the SMTP server may
	// take to finish once the run is stopping.
	sendGrace = 5 * time.Second
)

// runner is one attempt of a run.
type runner struct {
	cfg      *Config
	now      time.Time // the decision time
	scopes   []decide.Scope
	opts     campaign.Options
	reserver *decide.Reserver
	feedback decide.Stats
	sender   *send.Sender
	sendCtx  context.Context
	msgDir   string
	tmpDir   string
	counts   attemptCounts
}

// attemptCounts are this attempt's outcomes once committed to the journal.
type attemptCounts struct {
	done, rejected, replayed atomic.Int64
}

// Run runs, or completes, the batch cfg describes, and returns its report
// (also written to OUT/report.json). A run whose records or messages were
// rejected returns its report and no error; Report.Totals.Rejected says
// so. Errors wrap ErrUsage, ErrInput, ErrInterrupted or
// decide.ErrStoreUnavailable where those apply.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	rep, err := run(ctx, cfg)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ErrUsage) {
		// Stopped at any point, startup included: nothing is lost.
		return nil, ErrInterrupted
	}
	return rep, err
}

func run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	started := cfg.Clock()
	out := cfg.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, outputErr(err)
	}
	unlock, err := lockDir(out)
	if err != nil {
		return nil, err
	}
	defer unlock()

	// Everything a user may have mistyped is checked before run.json binds
	// the directory to this run.
	src, err := openSource(cfg.Recipients)
	if err != nil {
		return nil, err
	}
	defer src.closer.Close()
	meta, err := prepareMeta(out, &cfg, started)
	if err != nil {
		return nil, err
	}
	store, err := capstore.Open(cfg.Store)
	if err != nil {
		if errors.Is(err, decide.ErrStoreUnavailable) {
			return nil, err
		}
		return nil, usageErr("--store: %v", err)
	}
	defer store.Close()
	feedback, err := decide.LoadStats(ctx, store, cfg.Project.Library)
	if err != nil {
		return nil, fmt.Errorf("read feedback for learned ranking: %w", err)
	}
	if err := writeJSONFile(filepath.Join(out, metaFile), meta); err != nil {
		return nil, err
	}

	r := &runner{
		cfg: &cfg, now: meta.DecisionTime, scopes: campaign.Scopes(cfg.Template),
		reserver: decide.NewReserver(cfg.Project.Engine, store), feedback: feedback,
		msgDir: filepath.Join(out, messagesDir), tmpDir: filepath.Join(out, tmpDir),
	}
	r.opts = options(&cfg, r.now, feedback)
	// Temporary files of interrupted attempts are never renamed: drop them.
	if err := os.RemoveAll(r.tmpDir); err != nil {
		return nil, outputErr(err)
	}
	if err := os.MkdirAll(r.tmpDir, 0o755); err != nil {
		return nil, outputErr(err)
	}
	syncFiles, closeSync := func() error { return nil }, func() {}
	if cfg.SMTP == nil {
		if err := os.MkdirAll(r.msgDir, 0o755); err != nil {
			return nil, outputErr(err)
		}
		if syncFiles, closeSync, err = fileSyncer(r.msgDir); err != nil {
			return nil, err
		}
	} else {
		if r.sender, err = send.New(*cfg.SMTP); err != nil {
			return nil, usageErr("--smtp: %v", err)
		}
		defer r.sender.Close()
	}
	defer closeSync()

	done, err := resume(out, cfg.Campaign.ID)
	if err != nil {
		return nil, err
	}
	j, err := openJournal(out, syncFiles)
	if err != nil {
		return nil, err
	}
	if err := done.adopt(ctx, store, cfg.Campaign.ID, j); err != nil {
		j.close()
		return nil, err
	}

	bar := startProgress(cfg.Progress, src, &r.counts, started)
	runErr := r.pipeline(ctx, src, done, j)
	if err := j.close(); runErr == nil {
		runErr = err
	}
	bar.stop(runErr == nil)
	if runErr != nil {
		return nil, runErr
	}

	finished := cfg.Clock()
	rep, err := buildReport(out, meta, r.scopes, cfg.SMTP != nil, started, finished, Attempt{
		Number: meta.Attempts, Recipients: int(r.counts.done.Load()),
		Replayed: int(r.counts.replayed.Load()), Rejected: int(r.counts.rejected.Load()),
	})
	if err != nil {
		return nil, err
	}
	return rep, writeJSONFile(filepath.Join(out, reportFile), rep)
}

// pipeline streams the recipients through the stages:
//
//	reader ─batches─▶ deciders (store round trip per batch) ─jobs─▶
//	workers (render, write or send) ─outcomes─▶ journal
//
// Channels are short, so a slow stage holds the others back and memory is
// bounded by the batches in flight, whatever the number of recipients.
func (r *runner) pipeline(ctx context.Context, src *source, done *resumed, j *journal) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if r.sender != nil {
		var stopSend context.CancelFunc
		r.sendCtx, stopSend = context.WithCancel(context.WithoutCancel(ctx))
		defer stopSend()
		stop := context.AfterFunc(ctx, func() { time.AfterFunc(sendGrace, stopSend) })
		defer stop()
	}

	size := r.cfg.BatchSize
	deciders := max(2, r.cfg.Workers/4)
	batches := make(chan []*recipients.Record, 1)
	jobs := make(chan job, size)
	outcomes := make(chan *outcome, 2*size)

	recorded := make(chan error, 1)
	go func() { recorded <- r.record(outcomes, j, cancel) }()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		return src.stream(gctx, r.cfg.Shard, done, size, batches, outcomes)
	})
	var decided sync.WaitGroup
	for range deciders {
		decided.Add(1)
		g.Go(func() error {
			defer decided.Done()
			return r.decideBatches(gctx, batches, jobs)
		})
	}
	go func() { decided.Wait(); close(jobs) }()
	for range r.cfg.Workers {
		g.Go(func() error { return r.deliver(gctx, jobs, outcomes) })
	}
	err := g.Wait()
	close(outcomes)
	// A journal failure cancels the stages; report it rather than theirs.
	if rerr := <-recorded; rerr != nil {
		err = rerr
	}
	return err
}

// record appends outcomes to the journal and commits it often. When the
// journal fails, the run is cancelled and the remaining outcomes are
// drained without being recorded: their recipients are done again by the
// next attempt.
func (r *runner) record(outcomes <-chan *outcome, j *journal, cancel context.CancelCauseFunc) error {
	tick := time.NewTicker(commitEvery)
	defer tick.Stop()
	var failed error
	var pend struct{ done, rejected, replayed int64 }
	commit := func() {
		if failed != nil || j.pending == 0 {
			return
		}
		if err := j.commit(); err != nil {
			failed = err
			cancel(err)
			return
		}
		r.counts.done.Add(pend.done)
		r.counts.rejected.Add(pend.rejected)
		r.counts.replayed.Add(pend.replayed)
		pend.done, pend.rejected, pend.replayed = 0, 0, 0
		if r.cfg.onCommit != nil {
			r.cfg.onCommit()
		}
	}
	for {
		select {
		case o, ok := <-outcomes:
			if !ok {
				commit()
				return failed
			}
			if failed != nil {
				continue
			}
			file := r.sender == nil && o.decision != nil && o.reject == nil
			if err := j.add(o, file); err != nil {
				failed = err
				cancel(err)
				continue
			}
			pend.done++
			if o.reject != nil {
				pend.rejected++
			}
			if o.replayed {
				pend.replayed++
			}
			if j.pending >= commitLines || j.size() >= commitBytes {
				commit()
			}
		case <-tick.C:
			commit()
		}
	}
}
