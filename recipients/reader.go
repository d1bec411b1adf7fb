package recipients

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/offermail/offermail/diag"
)

// Record is one good recipient.
type Record struct {
	Line    int    // 1-based line where the record starts in its file
	ID      string // non-empty, at most 256 bytes, no control characters
	Email   string // a bare address, as net/mail parses it
	Profile map[string]any
	Context map[string]any
	// Order is the key order of the JSON objects in Profile and Context
	// (nil for CSV, whose nested fields go in sorted order).
	Order *KeyOrder
}

// Reject is one bad record: where it is and why it was refused.
type Reject struct {
	Line int    // 1-based line where the record starts
	ID   string // the record's id when it could be read, else ""
	// Reason says what is wrong and, where it helps, how to fix it. When
	// the problem is at a place on the line it starts "col N: ", N counting
	// characters, as in "col 20: malformed JSON: …".
	Reason string
	// Err is the reason as a positioned error, for callers that branch on
	// its Code or show it with a caret: File is the reader's name, Line
	// and Col (0 when about the record as a whole) where the problem is,
	// Msg the reason without its "col N: ".
	Err *diag.Error
}

// newReject builds a Reject for the record starting on line: col is the
// character column of the problem on that line, 0 for the whole record.
// src, when given, is the line, for the error's caret.
func (c config) newReject(line, col int, id string, code diag.Code, msg string, src []byte) *Reject {
	reason := msg
	if col > 0 {
		reason = "col " + strconv.Itoa(col) + ": " + msg
	}
	e := &diag.Error{Code: code, File: c.name, Line: line, Col: col, Msg: msg}
	if src != nil {
		e.BindLine(string(src))
	}
	return &Reject{Line: line, ID: id, Reason: reason, Err: e}
}

// String formats r as "line 7: reason" or `line 7 (id "u1"): reason`.
func (r *Reject) String() string {
	if r.ID != "" {
		return fmt.Sprintf("line %d (id %s): %s", r.Line, quote(r.ID), r.Reason)
	}
	return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
}

// Reader streams the records of one file. A Reader is for one goroutine;
// the records it returns are never reused, so they may be handed on to
// others.
type Reader interface {
	// Next returns the next good record, or a reject for a bad one (exactly
	// one of them is set), or io.EOF at the end. Records and rejects come
	// in file order. Any other error is fatal and the reader returns it
	// from then on: a *diag.Error for a CSV record too long to read
	// safely (bad input), anything else for I/O.
	Next() (*Record, *Reject, error)
}

// ErrFormat is returned (wrapped) by Open for a path whose extension names
// no recipients format.
var ErrFormat = errors.New("unknown recipients file format")

// DefaultMaxLineBytes bounds one NDJSON line or one CSV record.
const DefaultMaxLineBytes = 1 << 20

// Option changes how a reader works.
type Option func(*config)

type config struct {
	dupCheck bool
	maxLine  int
	name     string
}

func newConfig(opts []Option) config {
	c := config{dupCheck: true, maxLine: DefaultMaxLineBytes}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func (c config) dupSet() *dupSet {
	if !c.dupCheck {
		return nil
	}
	return newDupSet()
}

// WithDuplicateCheck turns the duplicate-id check on (the default) or off.
// Off, a reader's memory stays constant however many records it reads; on,
// it grows by about 20 bytes per distinct id.
func WithDuplicateCheck(on bool) Option {
	return func(c *config) { c.dupCheck = on }
}

// WithMaxLineBytes bounds an NDJSON line (a longer one is rejected and
// skipped) or a CSV record (a longer one is a fatal error, since an
// unbalanced quote leaves nowhere safe to resume). n <= 0 means
// DefaultMaxLineBytes; n is capped at 1 GiB.
func WithMaxLineBytes(n int) Option {
	return func(c *config) {
		if n <= 0 {
			n = DefaultMaxLineBytes
		}
		c.maxLine = min(n, 1<<30)
	}
}

// WithName names the input in positional errors (Open sets it to the path).
func WithName(name string) Option {
	return func(c *config) { c.name = name }
}

// Open opens a recipients file, choosing the format by extension: .ndjson,
// .jsonl and .json are NDJSON (one object per line), .csv is CSV, and a
// further .gz means gzip. The path "-" reads NDJSON from standard input,
// which the closer leaves open.
func Open(path string, opts ...Option) (Reader, io.Closer, error) {
	if path == "-" {
		opts = append([]Option{WithName("stdin")}, opts...)
		return NewNDJSON(os.Stdin, opts...), closers(nil), nil
	}
	if err := CheckFormat(path); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open recipients: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, nil, fmt.Errorf("open recipients %q: is a directory", path)
	}
	r, closer, err := FromReader(path, f, opts...)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, closers{closer, f}, nil
}

// format returns the format a path names by extension, and whether it is
// gzipped.
func format(path string) (ext string, gz bool, err error) {
	base := strings.ToLower(path)
	gz = strings.HasSuffix(base, ".gz")
	ext = filepath.Ext(strings.TrimSuffix(base, ".gz"))
	switch ext {
	case ".ndjson", ".jsonl", ".json", ".csv":
		return ext, gz, nil
	}
	return "", false, fmt.Errorf("open recipients %q: %w %q; use .ndjson, .jsonl, .json (one object per line) or .csv, optionally .gz", path, ErrFormat, ext)
}

// CheckFormat reports, with an error wrapping ErrFormat, a path whose
// extension names no recipients format.
func CheckFormat(path string) error {
	_, _, err := format(path)
	return err
}

// FromReader reads recipients from in, in the format path names (as Open
// chooses it), so a caller can read through its own reader (to count
// bytes, say). The closer closes what FromReader opened on top of in (a
// gzip reader), not in itself.
func FromReader(path string, in io.Reader, opts ...Option) (Reader, io.Closer, error) {
	ext, gz, err := format(path)
	if err != nil {
		return nil, nil, err
	}
	opts = append([]Option{WithName(path)}, opts...)
	closer := io.Closer(closers(nil))
	if gz {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, nil, fmt.Errorf("open recipients %q: %w", path, err)
		}
		in, closer = zr, zr
	}
	if ext == ".csv" {
		r, err := NewCSV(in, opts...)
		if err != nil {
			closer.Close()
			return nil, nil, err
		}
		return r, closer, nil
	}
	return NewNDJSON(in, opts...), closer, nil
}

// closers closes each in turn and reports the first error.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
