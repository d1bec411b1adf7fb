package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/recipients"
)

// Records is a record source over an iterator of good records, for a
// pipeline that has its recipients in memory or in its own store. It
// yields them as a recipients.Reader would, without checking them: the
// caller vouches for ids and addresses. Each record's Line, when zero, is
// its 1-based position. The reader it returns is also an io.Closer: close
// it when a run stops before the end, to release the iterator.
func Records(seq iter.Seq[*recipients.Record]) recipients.Reader {
	next, stop := iter.Pull(seq)
	return &seqReader{next: next, stop: stop}
}

// Close releases the iterator.
func (s *seqReader) Close() error {
	s.stop()
	return nil
}

type seqReader struct {
	next func() (*recipients.Record, bool)
	stop func()
	n    int
}

func (s *seqReader) Next() (*recipients.Record, *recipients.Reject, error) {
	rec, ok := s.next()
	if !ok {
		s.stop()
		return nil, nil, io.EOF
	}
	s.n++
	if rec.Line == 0 {
		c := *rec
		c.Line = s.n
		rec = &c
	}
	return rec, nil, nil
}

// stream reads the records of this shard that earlier attempts did not
// finish: good ones in batches to batches, bad ones straight to the
// journal. It returns at the end of the source, on a fatal read error, or
// when ctx ends. With a window (a packed run), each good record takes a
// slot of it, in order, which the journal gives back when it takes the
// record's outcome: so the outcomes waiting for an earlier one are at most
// the window's size. (Slots are taken in order, so the window always holds
// the oldest record not journalled, and a window of at least one batch
// never blocks the batch that holds it.)
func (r *Runner) stream(ctx context.Context, done *resumed, size int, window chan struct{}, batches chan<- batch, outcomes chan<- *outcome) error {
	shard, counts := r.Shard, &r.progress
	// Each batch's turn to reserve is the end of the previous one's.
	first := make(chan struct{})
	close(first)
	b := batch{recs: make([]*recipients.Record, 0, size), turn: first, done: make(chan struct{})}
	var pos uint64 // good records of the shard so far, done or not
	send := func() error {
		select {
		case batches <- b:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		b = batch{recs: make([]*recipients.Record, 0, size), first: b.first + uint64(len(b.recs)), turn: b.done, done: make(chan struct{})}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		rec, rej, err := r.Source.Next()
		if err == io.EOF {
			break
		}
		counts.read.Add(1)
		if err != nil {
			var re *diag.Error
			if errors.As(err, &re) {
				return inputErr(err)
			}
			return fmt.Errorf("read recipients: %w", err)
		}
		if rej != nil {
			mine := shard.HasLine(rej.Line)
			if rej.ID != "" {
				mine = shard.HasID(rej.ID)
			}
			if !mine || done.badLines.hasInt(rej.Line) {
				counts.skipped.Add(1)
				continue
			}
			outcomes <- &outcome{reject: &rejectLine{Line: rej.Line, ID: rej.ID, Stage: stageRead, Reason: rej.Reason}}
			continue
		}
		if !shard.HasID(rec.ID) {
			counts.skipped.Add(1)
			continue
		}
		// A batch is the shard's next size good records, less those done:
		// an attempt that completes a stopped run forms the batches the
		// run never stopped formed, less what is done, so that the batches
		// reserve the same recipients together (see decideBatches).
		pos++
		if done.done.has(rec.ID) {
			counts.skipped.Add(1)
		} else {
			if window != nil {
				select {
				case window <- struct{}{}:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
			b.recs = append(b.recs, rec)
		}
		if pos%uint64(size) == 0 && len(b.recs) > 0 {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(b.recs) > 0 {
		return send()
	}
	return nil
}
