package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/offermail/offermail/recipients"
)

// source is the recipients file, read through a byte counter so that the
// progress bar can tell how far the run is without counting lines first.
type source struct {
	r      recipients.Reader
	closer io.Closer
	size   int64 // bytes of the file; 0 when unknown (standard input)
	pos    atomic.Int64
	// read counts the records (good or bad) read so far, skipped those
	// that need nothing: another shard's, or done by an earlier attempt.
	read, skipped atomic.Int64
}

// openSource opens a recipients file as recipients.Open does (the format
// by extension, .gz for gzip, "-" for NDJSON on standard input).
func openSource(path string) (*source, error) {
	s := &source{}
	if path == "-" {
		s.r = recipients.NewNDJSON(&counter{os.Stdin, &s.pos}, recipients.WithName("stdin"))
		s.closer = io.NopCloser(os.Stdin) // standard input stays open
		return s, nil
	}
	if err := recipients.CheckFormat(path); err != nil {
		return nil, usageErr("--recipients %s: %v", path, err)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, inputErr(fmt.Errorf("recipients file %s not found", path))
	}
	if err != nil {
		return nil, fmt.Errorf("open recipients: %w", err)
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, usageErr("--recipients %s is not a file", path)
	}
	s.size = st.Size()
	r, closer, err := recipients.FromReader(path, &counter{f, &s.pos})
	if err != nil {
		f.Close()
		return nil, inputErr(err)
	}
	s.r, s.closer = r, closerFunc(func() error { return errors.Join(closer.Close(), f.Close()) })
	return s, nil
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }

type counter struct {
	r io.Reader
	n *atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// read streams the records of this shard that earlier attempts did not
// finish: good ones in batches to batches, bad ones straight to the
// journal. It returns at the end of the file, on a fatal read error, or
// when ctx ends.
func (s *source) stream(ctx context.Context, shard Shard, done *resumed, size int, batches chan<- []*recipients.Record, outcomes chan<- *outcome) error {
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
		rec, rej, err := s.r.Next()
		if err == io.EOF {
			break
		}
		s.read.Add(1)
		if err != nil {
			var re *recipients.Error
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
				s.skipped.Add(1)
				continue
			}
			outcomes <- &outcome{reject: &rejectLine{Line: rej.Line, ID: rej.ID, Stage: stageRead, Reason: rej.Reason}}
			continue
		}
		if !shard.HasID(rec.ID) || done.done.has(rec.ID) {
			s.skipped.Add(1)
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
