package recipients

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/offermail/offermail/diag"
)

// bufSize is the read buffer of the NDJSON reader. A line that fits is
// parsed where it lies, without a copy.
const bufSize = 64 << 10

var utf8BOM = []byte("\xEF\xBB\xBF")

type ndjsonReader struct {
	in   *bufio.Reader
	cfg  config
	dups *dupSet
	line int    // number of the last line read
	long []byte // a line longer than the buffer, assembled
	err  error  // sticky: io.EOF or a fatal error
	json parser // reused from line to line
}

// NewNDJSON returns a reader of newline-delimited JSON records: one object
// per line, blank lines skipped, a UTF-8 BOM at the start ignored.
func NewNDJSON(r io.Reader, opts ...Option) Reader {
	cfg := newConfig(opts)
	return &ndjsonReader{in: bufio.NewReaderSize(r, bufSize), cfg: cfg, dups: cfg.dupSet(), json: parser{values: newValueCache()}}
}

func (r *ndjsonReader) Next() (*Record, *Reject, error) {
	for r.err == nil {
		line, tooLong, err := r.readLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = r.fatal(err)
			}
			r.err = err
			break
		}
		r.line++
		if tooLong {
			return nil, r.cfg.newReject(r.line, 0, "", diag.Limit, fmt.Sprintf(
				"line is longer than %d bytes; split the record or raise the limit", r.cfg.maxLine), nil), nil
		}
		if isBlank(line) {
			continue
		}
		rec, rej := r.decode(line)
		return rec, rej, nil
	}
	return nil, nil, r.err
}

func (r *ndjsonReader) fatal(err error) error {
	if r.cfg.name != "" {
		return fmt.Errorf("read %s: after line %d: %w", r.cfg.name, r.line, err)
	}
	return fmt.Errorf("read recipients: after line %d: %w", r.line, err)
}

// readLine returns the next line without its newline. A line longer than
// the limit is read through to its end but not kept (tooLong, or an empty
// line if it was blank), so memory stays bounded and reading resumes on
// the next line. err is io.EOF only when no byte was left.
func (r *ndjsonReader) readLine() (line []byte, tooLong bool, err error) {
	chunk, err := r.in.ReadSlice('\n')
	if r.line == 0 {
		chunk = bytes.TrimPrefix(chunk, utf8BOM)
	}
	if err == nil || (err == io.EOF && len(chunk) > 0) {
		line = trimNewline(chunk)
		// A blank line is skipped whatever its length.
		return line, len(line) > r.cfg.maxLine && !isBlank(line), nil
	}
	if err != bufio.ErrBufferFull {
		return nil, false, err
	}

	// The line outgrew the buffer: assemble it up to just past the limit,
	// then only count what is left.
	total := len(chunk)
	blank := isBlank(chunk)
	r.long = append(r.long[:0], chunk...)
	for err == bufio.ErrBufferFull {
		chunk, err = r.in.ReadSlice('\n')
		total += len(chunk)
		blank = blank && isBlank(chunk)
		if len(r.long) <= r.cfg.maxLine {
			r.long = appendCapped(r.long, chunk, r.cfg.maxLine+bufSize)
		}
	}
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
		total--
	}
	if total > r.cfg.maxLine {
		return nil, !blank, nil
	}
	return trimNewline(r.long), false, nil
}

// appendCapped appends more to b, growing b to at most limit bytes of
// capacity (append alone may overshoot by a quarter or more); the caller
// makes sure that the result fits.
func appendCapped(b, more []byte, limit int) []byte {
	if n := len(b) + len(more); n > cap(b) {
		grown := make([]byte, len(b), min(max(2*cap(b), n), max(limit, n)))
		copy(grown, b)
		b = grown
	}
	return append(b, more...)
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return b[:n-1]
	}
	return b
}

// isBlank reports whether line holds only JSON white space.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// decode turns one line into a record or a reject. The checks run in a
// fixed order and the first failure is the reason: syntax and keys, id,
// duplicate id, email.
func (r *ndjsonReader) decode(line []byte) (*Record, *Reject) {
	p, perr := r.json.parseRecord(line)
	reject := func(off int, code diag.Code, reason string) (*Record, *Reject) {
		col := 0
		if off >= 0 {
			col = diag.Column(line, off)
		}
		return nil, r.cfg.newReject(r.line, col, p.knownID(), code, reason, line)
	}
	// Register the id before judging the rest, so that a later record
	// with the same id is a duplicate whatever was wrong with this one.
	var first int
	if id := p.knownID(); id != "" && p.complete {
		first = r.dups.add(id, r.line)
	}
	// Only syntax and key problems say "col N": an id or email problem
	// is about the field, whatever its place on the line.
	if perr != nil {
		return reject(perr.off, perr.code, perr.msg)
	}
	if reason, _ := p.idProblem(); reason != "" {
		return reject(-1, fieldCode(p.id, p.haveID, maxIDBytes), reason)
	}
	if first > 0 {
		return reject(-1, diag.Duplicate, duplicateReason(p.id, first))
	}
	if reason, _ := p.emailProblem(); reason != "" {
		return reject(-1, fieldCode(p.email, p.haveEmail, maxEmailBytes), reason)
	}
	return &Record{Line: r.line, ID: p.id, Email: p.email, Profile: p.profile, Context: p.context, Order: p.order.orNil()}, nil
}
