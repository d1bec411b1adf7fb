package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// Journal commits: at least this often, or after this many outcomes or
// bytes, whichever comes first. They bound what a crash makes the next
// attempt redo, and the SMTP at-least-once window.
const (
	commitEvery = 100 * time.Millisecond
	commitLines = 512
	commitBytes = 1 << 20
	// sendGrace is the default Runner.Grace: how long messages already
	// handed to an SMTP server may take to finish once the run is stopping.
	sendGrace = 5 * time.Second
)

// pipeline is one attempt's stages.
type pipeline struct {
	r        *Runner
	step     *Step
	sink     Sink
	reserver *decide.Reserver
	// parts, in a packed run, receives the messages instead of sink, in
	// the order of the recipients: workers hand their buffers (from free)
	// to the journal, which appends them in sequence and gives them back.
	parts  *parts
	free   chan []byte
	window chan struct{} // see stream
	// deliverCtx is what deliveries see: it ends Grace after the run.
	deliverCtx context.Context
	// counts, owned by record, counts the decisions lines it journals,
	// for the report.
	counts *placements
}

// job is one decided recipient on its way to a message, or a suppressed
// one on its way to a reject.
type job struct {
	rec        *recipients.Record
	res        decide.Result
	suppressed bool
	seq        uint64 // its place among the records the attempt decides
}

// batch is records of the source on their way to a decider; the first
// has sequence number first, the next first+1, and so on. Its decider
// commits its reservations once turn is closed, and closes done when they
// are all in the store: turn is the previous batch's done.
type batch struct {
	recs  []*recipients.Record
	first uint64
	turn  <-chan struct{}
	done  chan struct{}
}

// run streams the recipients through the stages:
//
//	reader ─batches─▶ deciders (store round trip per batch) ─jobs─▶
//	workers (render, encode, deliver) ─outcomes─▶ journal
//
// Channels are short, so a slow stage holds the others back and memory is
// bounded by the batches in flight, whatever the number of recipients.
func (p *pipeline) run(ctx context.Context, done *resumed, j *journal) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var stopDeliver context.CancelFunc
	p.deliverCtx, stopDeliver = context.WithCancel(context.WithoutCancel(ctx))
	defer stopDeliver()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(p.r.Grace, stopDeliver) })
	defer stop()

	size := p.r.BatchSize
	deciders := max(2, p.r.Workers/4)
	batches := make(chan batch, 1)
	jobs := make(chan job, size)
	outcomes := make(chan *outcome, 2*size)

	if p.parts != nil {
		// Enough for the stages to stay busy: what the channels and the
		// workers hold, twice over.
		p.window = make(chan struct{}, 2*(2*size+p.r.Workers))
		// A buffer for every message in flight: the window bounds them.
		p.free = make(chan []byte, cap(p.window)+p.r.Workers)
	}
	recorded := make(chan error, 1)
	go func() { recorded <- p.record(outcomes, j, cancel) }()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		return p.r.stream(gctx, done, size, p.window, batches, outcomes)
	})
	var decided sync.WaitGroup
	for range deciders {
		decided.Add(1)
		g.Go(func() error {
			defer decided.Done()
			return p.decideBatches(gctx, batches, jobs)
		})
	}
	go func() { decided.Wait(); close(jobs) }()
	for range p.r.Workers {
		g.Go(func() error { return p.deliver(gctx, jobs, outcomes) })
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
func (p *pipeline) record(outcomes <-chan *outcome, j *journal, cancel context.CancelCauseFunc) error {
	tick := time.NewTicker(commitEvery)
	defer tick.Stop()
	counts := &p.r.progress
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
		counts.done.Add(pend.done)
		counts.rejected.Add(pend.rejected)
		counts.replayed.Add(pend.replayed)
		pend.done, pend.rejected, pend.replayed = 0, 0, 0
		if p.r.onCommit != nil {
			p.r.onCommit()
		}
	}
	take := func(o *outcome) {
		if failed != nil {
			return
		}
		delivered := o.decision != nil && o.reject == nil
		if o.msg != nil {
			err := p.parts.add(o.recipient, o.from, o.msg)
			p.putBuf(o.msg)
			if err != nil {
				failed = outputErr(err)
				cancel(err)
				return
			}
		}
		if err := j.add(o, delivered); err != nil {
			failed = err
			cancel(err)
			return
		}
		if o.decision != nil {
			p.counts.decision(o.d)
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
	}
	// In a packed run, outcomes of decided recipients are taken in the
	// order of the source (seq), so that parts are written in that order:
	// the same run writes the same bytes. The others wait in held, which
	// the window bounds (see stream).
	var next uint64
	held := map[uint64]*outcome{}
	for {
		select {
		case o, ok := <-outcomes:
			if !ok {
				commit()
				// What is still held waits for a recipient the stages
				// gave up on: it is done again by the next attempt.
				return failed
			}
			if p.parts == nil || !o.ordered {
				take(o)
				continue
			}
			if o.seq != next {
				held[o.seq] = o
				continue
			}
			take(o)
			<-p.window
			for next++; held[next] != nil; next++ {
				take(held[next])
				delete(held, next)
				<-p.window
			}
		case <-tick.C:
			commit()
		}
	}
}

// decideBatches decides and reserves one batch per store round trip. The
// decisions are in the ledger before any message is delivered, so a crash
// from here on loses nothing: the next attempt replays them. Recipients on
// the store's suppression list are not decided: they become rejects.
//
// The deciders decide their batches at once (Step.Prepare) but reserve
// them in the source's order, each when the batch before it has all its
// reservations in the store (Reserver.Commit, which decides again if the
// previous batches taught the Reserver that a total cap ran out). So the
// store sees what it would see from a single decider, and the same run
// makes the same decisions, whoever wins a contested total cap, whatever
// the timing; only the releases of render rejects, done later by the
// workers, come at moments that depend on it.
func (p *pipeline) decideBatches(ctx context.Context, batches <-chan batch, jobs chan<- job) error {
	fail := func(err error) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("decide: %w", err)
	}
	for b := range batches {
		ids := make([]string, len(b.recs))
		for i, rec := range b.recs {
			ids[i] = rec.ID
		}
		suppressed, err := p.r.Store.Suppressed(ctx, ids)
		if err != nil {
			return fail(err)
		}
		out := make([]job, len(b.recs))
		var decided []*recipients.Record
		var at []int
		for i, rec := range b.recs {
			out[i] = job{rec: rec, suppressed: suppressed[i], seq: b.first + uint64(i)}
			if !suppressed[i] {
				decided = append(decided, rec)
				at = append(at, i)
			}
		}
		var prep *decide.Prepared
		if len(decided) > 0 {
			if prep, err = p.step.Prepare(ctx, p.reserver, decided); err != nil {
				return fail(err)
			}
		}
		select {
		case <-b.turn:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if prep != nil {
			results, err := p.reserver.Commit(ctx, prep)
			if err != nil {
				return fail(err)
			}
			for k, i := range at {
				out[i].res = results[k]
			}
		}
		close(b.done)
		for _, j := range out {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
	}
	return nil
}

// deliver renders, encodes and delivers, and hands each outcome to the
// journal. When ctx ends it stops taking jobs; the message it was busy
// with is finished (a file) or given the grace period (SMTP).
func (p *pipeline) deliver(ctx context.Context, jobs <-chan job, outcomes chan<- *outcome) error {
	// The worker renders into out and encodes into own (or, in a packed
	// run, a buffer of free), both reused from recipient to recipient.
	var out render.Output
	var own []byte
	for j := range jobs {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		buf := own[:0]
		if p.parts != nil {
			// The buffer goes with the outcome to the journal, which
			// appends it to a part and gives it back to free.
			buf = p.getBuf()
		}
		o, buf, err := p.message(j, &out, buf)
		if p.parts == nil {
			own = buf
		}
		if errors.Is(err, errStopped) {
			return context.Cause(ctx)
		}
		if err != nil {
			return err
		}
		outcomes <- o
	}
	return nil
}

// getBuf returns a buffer for a packed message, empty, from free when it
// holds one.
func (p *pipeline) getBuf() []byte {
	select {
	case b := <-p.free:
		return b[:0]
	default:
		return make([]byte, 0, 16<<10)
	}
}

// putBuf gives a packed message's buffer back to free.
func (p *pipeline) putBuf(b []byte) {
	select {
	case p.free <- b:
	default:
	}
}

// errStopped: a delivery was given up because the run is stopping.
var errStopped = errors.New("stopped")

// message makes one recipient's outcome, rendering into out and encoding
// into buf, which it returns (grown) for the worker to reuse; in a packed
// run the outcome takes it along, or it goes back to free. Problems of
// this recipient's data become rejects; problems of the run are returned.
func (p *pipeline) message(j job, out *render.Output, buf []byte) (*outcome, []byte, error) {
	if j.suppressed {
		if p.parts != nil {
			p.putBuf(buf)
		}
		// In the source's order like the others: a packed run's journal
		// waits for every seq.
		return &outcome{ordered: true, seq: j.seq, reject: &rejectLine{Line: j.rec.Line, ID: j.rec.ID, Stage: stageSuppressed,
			Reason: "the recipient is on the store's suppression list (unsubscribed, or added with mailpreview suppress): nothing decided or written"}}, buf, nil
	}
	rec, d := j.rec, j.res.Decision
	line, err := decisionOf(p.step.Options.Campaign.ID, rec.ID, d)
	if err != nil {
		return nil, buf, err
	}
	o := &outcome{decision: line, d: d, replayed: j.res.Replayed, ordered: true, seq: j.seq}
	reject := func(stage string, err error) (*outcome, []byte, error) {
		o.reject = &rejectLine{Line: rec.Line, ID: rec.ID, Stage: stage, Reason: err.Error()}
		if p.parts != nil {
			p.putBuf(buf)
		}
		return o, buf, nil
	}
	buf, err = p.step.Message(out, buf, rec, d)
	if err != nil {
		// Nothing is sent, so the caps the decision reserved go back
		// before the reject is journaled. A decision replayed after a
		// crash carries no counters: they are computed again, and the
		// release ledger makes a release already done count nothing.
		counters := d.Counters
		if j.res.Replayed {
			counters = p.step.Project.Library.Counters(d, rec.ID, p.step.Options.Now)
		}
		if _, rerr := p.reserver.Release(p.deliverCtx, p.step.Options.Campaign.ID, rec.ID, counters); rerr != nil {
			return nil, buf, fmt.Errorf("recipient %s: %w", rec.ID, rerr)
		}
		return reject(stageRender, err)
	}
	from := out.From
	if from == "" {
		from = render.DefaultFrom
	}
	if p.parts != nil {
		o.msg, o.recipient, o.from = buf, rec.ID, from
		return o, buf, nil
	}
	err = p.sink.Deliver(p.deliverCtx, &Message{Recipient: rec, Format: p.step.Format, From: from, To: out.To, Data: buf, Decision: d})
	switch {
	case err == nil:
		return o, buf, nil
	case errors.Is(err, ErrRefused):
		return reject(stageSend, err)
	case errors.Is(err, ErrUnknown):
		// Its decisions line waits for a delivery the server confirms.
		o.decision = nil
		return reject(stageUnknown, fmt.Errorf("%w; not sent again unless the run is resumed with --resend-unknown", err))
	case p.deliverCtx.Err() != nil:
		return nil, buf, errStopped
	}
	return nil, buf, err
}
