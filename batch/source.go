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
// when ctx ends.
func (r *Runner) stream(ctx context.Context, done *resumed, size int, batches chan<- []*recipients.Record, outcomes chan<- *outcome) error {
	shard, counts := r.Shard, &r.progress
	batch := make([]*recipients.Record, 0, size)
	send := func() error {
		select {
		case batches <- batch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		batch = make([]*recipients.Record, 0, size)
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
		if !shard.HasID(rec.ID) || done.done.has(rec.ID) {
			counts.skipped.Add(1)
			continue
		}
		if batch = append(batch, rec); len(batch) == size {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		return send()
	}
	return nil
}
