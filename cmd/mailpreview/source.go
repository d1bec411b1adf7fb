package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/offermail/offermail/recipients"
)

// source is the recipients file of a batch run, read through a byte
// counter so that the progress bar can tell how far the run is without
// counting lines first.
type source struct {
	r      recipients.Reader
	closer io.Closer
	size   int64 // bytes of the file; 0 when unknown (standard input)
	pos    atomic.Int64
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
		return nil, usage("--recipients %s: %v", path, err)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, invalid(fmt.Errorf("recipients file %s not found", path))
	}
	if err != nil {
		return nil, batchError(fmt.Errorf("open recipients: %w", err))
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, usage("--recipients %s is not a file", path)
	}
	s.size = st.Size()
	r, closer, err := recipients.FromReader(path, &counter{f, &s.pos})
	if err != nil {
		f.Close()
		return nil, invalid(err)
	}
	s.r, s.closer = r, closerFunc(func() error { return errors.Join(closer.Close(), f.Close()) })
	return s, nil
}

// Close closes the file.
func (s *source) Close() error { return s.closer.Close() }

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
