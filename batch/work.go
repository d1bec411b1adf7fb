package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/send"
)

// job is one decided recipient on its way to a message.
type job struct {
	rec *recipients.Record
	res decide.Result
}

// decideBatches decides and reserves one batch per store round trip. The
// decisions are in the ledger before any message is written, so a crash
// from here on loses nothing: the next attempt replays them.
func (r *runner) decideBatches(ctx context.Context, batches <-chan []*recipients.Record, jobs chan<- job) error {
	for batch := range batches {
		reqs := make([]*decide.Request, len(batch))
		for i, rec := range batch {
			reqs[i] = campaign.NewRequest(campaign.Recipient(rec), r.scopes, r.opts)
		}
		results, err := r.reserver.Reserve(ctx, reqs)
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return fmt.Errorf("decide: %w", err)
		}
		for i, rec := range batch {
			select {
			case jobs <- job{rec: rec, res: results[i]}:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
	}
	return nil
}

// deliver renders, writes or sends, and hands each outcome to the
// journal. When ctx ends it stops taking jobs; the message it was busy
// with is finished (a file) or given the send grace period (SMTP).
func (r *runner) deliver(ctx context.Context, jobs <-chan job, outcomes chan<- *outcome) error {
	var buf bytes.Buffer
	// The message in hand is rendered to the end even when ctx ends.
	busy := context.WithoutCancel(ctx)
	for j := range jobs {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		o, err := r.message(busy, j, &buf)
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

// errStopped: a send was given up because the run is stopping.
var errStopped = errors.New("stopped")

// message makes one recipient's outcome. Problems of this recipient's
// data become rejects; problems of the run are returned.
func (r *runner) message(ctx context.Context, j job, buf *bytes.Buffer) (*outcome, error) {
	rec, d := j.rec, j.res.Decision
	record := j.res.Record
	if record == nil {
		var err error
		if record, err = d.Record(); err != nil {
			return nil, err
		}
	}
	o := &outcome{decision: decisionLine(r.cfg.Campaign.ID, rec.ID, record), replayed: j.res.Replayed}
	reject := func(stage string, err error) (*outcome, error) {
		o.reject = &rejectLine{Line: rec.Line, ID: rec.ID, Stage: stage, Reason: err.Error()}
		return o, nil
	}
	msg, err := r.cfg.Project.Render(r.cfg.Template, campaign.Recipient(rec), r.opts, d)
	if err != nil {
		return reject(stageRender, err)
	}
	// Encoding into memory first keeps a recipient's bad header from ever
	// reaching a file.
	buf.Reset()
	if err := campaign.Encode(buf, campaign.Format(r.cfg.Format), msg, d, r.now); err != nil {
		return reject(stageRender, err)
	}
	if r.sender == nil {
		return o, r.writeFile(FileName(rec.ID, r.cfg.ext()), buf.Bytes())
	}
	err = r.sender.Send(r.sendCtx, msg.From, msg.To, buf.Bytes())
	var rej *send.RejectError
	switch {
	case err == nil:
		return o, nil
	case errors.As(err, &rej):
		return reject(stageSend, err)
	case r.sendCtx.Err() != nil:
		return nil, errStopped
	}
	return nil, fmt.Errorf("send to %s (recipient %s, line %d): %w", rec.Email, rec.ID, rec.Line, err)
}

// writeFile writes a message file atomically: under a temporary name in
// OUT/tmp, then renamed into OUT/messages, so that a crash never leaves a
// partial message under a real name.
func (r *runner) writeFile(name string, data []byte) error {
	f, err := os.CreateTemp(r.tmpDir, "m-*")
	if err != nil {
		return outputErr(err)
	}
	_, err = f.Write(data)
	if err == nil && perFileSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(r.msgDir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return outputErr(err)
	}
	return nil
}

// options are the decision and rendering options of every recipient of
// the run.
func options(cfg *Config, now time.Time, stats decide.Stats) campaign.Options {
	return campaign.Options{Campaign: cfg.Campaign, Seed: cfg.Seed, Now: now, Strict: cfg.Strict, Stats: stats}
}
