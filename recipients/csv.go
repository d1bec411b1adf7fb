package recipients

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/offermail/offermail/diag"
)

type csvReader struct {
	cr       *csv.Reader
	in       *boundedReader
	cfg      config
	dups     *dupSet
	cols     []column
	idCol    int
	emailCol int
	bom      int64 // bytes of the BOM before what encoding/csv reads
	lastLine int   // start line of the last record read
	err      error // sticky: io.EOF or a fatal error
}

// NewCSV returns a reader of comma-separated records with a header row. It
// reads the header at once and returns a *diag.Error, with the position, when
// the header is unusable: no id or email column, a column without a name,
// two columns for one field, or dotted names that conflict (loyalty and
// loyalty.tier).
func NewCSV(r io.Reader, opts ...Option) (Reader, error) {
	cfg := newConfig(opts)
	in := &boundedReader{r: r, limit: int64(cfg.maxLine) + 2*bufSize}
	br := bufio.NewReaderSize(in, bufSize)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // a short or long row is a reject, not a stop
	cr.ReuseRecord = true
	rd := &csvReader{cr: cr, in: in, cfg: cfg, dups: cfg.dupSet()}
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		br.Discard(len(utf8BOM))
		rd.bom = int64(len(utf8BOM))
	}
	rd.extend()

	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, &diag.Error{Code: diag.Missing, File: cfg.name, Line: 1, Msg: "empty file; the first row must be a header with id and email columns"}
	case errors.As(err, &pe):
		line := in.lastLine(rd.bom, rd.bom+cr.InputOffset())
		return nil, (&diag.Error{Code: diag.Syntax, File: cfg.name, Line: pe.Line, Col: diag.Column(line, pe.Column-1),
			Msg: "malformed CSV header: " + pe.Err.Error()}).BindLine(string(line))
	case errors.Is(err, errRecordTooLong):
		return nil, &diag.Error{Code: diag.Limit, File: cfg.name, Line: 1, Msg: fmt.Sprintf("header is longer than %d bytes; is this a CSV file?", cfg.maxLine)}
	case err != nil:
		return nil, rd.fatal(err)
	}
	// encoding/csv gives byte columns; the header's text, from the start
	// of the input, turns them into characters.
	pos := func(i int) (int, int) {
		line, col := cr.FieldPos(i)
		text := in.nthLine(rd.bom, line)
		return line, diag.Column(text, col-1)
	}
	rd.cols, rd.idCol, rd.emailCol, err = parseHeader(header, pos, cfg.name)
	if err != nil {
		var e *diag.Error
		if errors.As(err, &e) {
			e.BindLine(string(in.nthLine(rd.bom, e.Line)))
		}
		return nil, err
	}
	rd.lastLine, _ = cr.FieldPos(0)
	return rd, nil
}

func (r *csvReader) Next() (*Record, *Reject, error) {
	if r.err != nil {
		return nil, nil, r.err
	}
	before := r.cr.InputOffset()
	r.in.keepFrom(r.bom + before)
	row, err := r.cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		r.err = io.EOF
		return nil, nil, r.err
	case errors.As(err, &pe):
		r.lastLine = pe.StartLine
		// encoding/csv reports the line it read last, in bytes.
		line := r.in.lastLine(r.bom+before, r.bom+r.cr.InputOffset())
		col := diag.Column(line, pe.Column-1)
		r.extend()
		rej := r.cfg.newReject(pe.StartLine, 0, "", diag.Syntax, parseErrorReason(pe, col), nil)
		rej.Err.Line, rej.Err.Col = pe.Line, col
		rej.Err.BindLine(string(line))
		return nil, rej, nil
	case errors.Is(err, errRecordTooLong):
		r.err = r.tooLong(r.lastLine + 1)
		return nil, nil, r.err
	case err != nil:
		r.err = r.fatal(err)
		return nil, nil, r.err
	}
	line, _ := r.cr.FieldPos(0)
	r.lastLine = line
	if r.cr.InputOffset()-before > int64(r.cfg.maxLine) {
		// Read whole, but longer than the bound promises: stop as a longer
		// record would, so the limit means one thing.
		r.err = r.tooLong(line)
		return nil, nil, r.err
	}
	r.extend()
	rec, rej := r.decode(row, line)
	return rec, rej, nil
}

// extend lets the next record be read: the bounded reader allows the
// limit past the current offset, plus what the two buffers may read ahead
// (and a BOM).
func (r *csvReader) extend() {
	r.in.limit = r.cr.InputOffset() + int64(r.cfg.maxLine) + 2*bufSize + int64(len(utf8BOM))
}

func (r *csvReader) tooLong(line int) error {
	return &diag.Error{Code: diag.Limit, File: r.cfg.name, Line: line, Msg: fmt.Sprintf(
		"CSV record is longer than %d bytes; look for an unbalanced quote, or raise the limit", r.cfg.maxLine)}
}

func (r *csvReader) fatal(err error) error {
	name := r.cfg.name
	if name == "" {
		name = "recipients"
	}
	return fmt.Errorf("read %s: after line %d: %w", name, r.lastLine, err)
}

// decode turns one row into a record or a reject. The first failing check
// is the reason: cell count, id, duplicate id, email, cell encoding.
func (r *csvReader) decode(row []string, line int) (*Record, *Reject) {
	reject := func(id string, code diag.Code, reason string) (*Record, *Reject) {
		return nil, r.cfg.newReject(line, 0, id, code, reason, nil)
	}
	if len(row) != len(r.cols) {
		id := ""
		if r.idCol < len(row) && checkID(row[r.idCol]) == "" {
			id = row[r.idCol]
		}
		return reject(id, diag.Invalid, fmt.Sprintf("row has %d cells but the header has %d; quote cells that contain commas",
			len(row), len(r.cols)))
	}
	id := row[r.idCol]
	if reason := checkID(id); reason != "" {
		return reject("", fieldCode(id, true, maxIDBytes), reason)
	}
	if first := r.dups.add(id, line); first > 0 {
		return reject(id, diag.Duplicate, duplicateReason(id, first))
	}
	if reason := checkEmail(row[r.emailCol]); reason != "" {
		return reject(id, fieldCode(row[r.emailCol], true, maxEmailBytes), reason)
	}

	rec := &Record{Line: line, ID: id, Email: row[r.emailCol], Profile: map[string]any{}, Context: map[string]any{}}
	for i, c := range r.cols {
		cell := row[i]
		if c.target == toID || c.target == toEmail || cell == "" {
			continue
		}
		if !utf8.ValidString(cell) {
			return reject(id, diag.Syntax, fmt.Sprintf("cell in column %s is not valid UTF-8; save the file as UTF-8", quote(c.header)))
		}
		dst := rec.Profile
		if c.target == toContext {
			dst = rec.Context
		}
		setPath(dst, c.path, typeCell(cell))
	}
	return rec, nil
}

// parseErrorReason explains a CSV syntax error. Its position is absolute
// (line:col in the file, col in characters), since a quoted cell may span
// lines.
func parseErrorReason(pe *csv.ParseError, col int) string {
	hint := ""
	switch pe.Err {
	case csv.ErrQuote:
		hint = `; a quoted cell must end with " and a quote inside it is written ""`
	case csv.ErrBareQuote:
		hint = `; quote the whole cell and write a quote inside it as ""`
	}
	return fmt.Sprintf("malformed CSV at %d:%d: %v%s", pe.Line, col, pe.Err, hint)
}

// errRecordTooLong is what boundedReader returns at its limit.
var errRecordTooLong = errors.New("record too long")

// boundedReader stops reading at limit bytes, so that one endless record
// (an unbalanced quote at the top of a large file) cannot pull the whole
// file into memory; encoding/csv has no bound of its own.
//
// It also keeps what it read since the start of the current record:
// encoding/csv gives columns in bytes and no access to the text, and a
// column in characters needs the line.
type boundedReader struct {
	r      io.Reader
	n      int64 // bytes read so far
	limit  int64
	recent []byte // the input from offset base on
	base   int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		return 0, errRecordTooLong
	}
	if rest := b.limit - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.recent = append(b.recent, p[:n]...)
	return n, err
}

// keepFrom forgets the input before offset off. The kept bytes move only
// once the forgotten part outgrows them, so keeping costs a copy of the
// input at most twice over, and memory stays within twice the record
// limit and the read-ahead.
func (b *boundedReader) keepFrom(off int64) {
	drop := int(off - b.base)
	if drop <= 0 || drop < len(b.recent)-drop {
		return
	}
	drop = min(drop, len(b.recent))
	b.recent = b.recent[:copy(b.recent, b.recent[drop:])]
	b.base += int64(drop)
}

// span returns the kept input between offsets from and to.
func (b *boundedReader) span(from, to int64) []byte {
	lo, hi := from-b.base, to-b.base
	if lo < 0 || hi > int64(len(b.recent)) || lo > hi {
		return nil
	}
	return b.recent[lo:hi]
}

// lastLine returns the last line of the input between from and to,
// without its line ending: where encoding/csv stopped at an error.
func (b *boundedReader) lastLine(from, to int64) []byte {
	s := bytes.TrimRight(b.span(from, to), "\r\n")
	return s[bytes.LastIndexByte(s, '\n')+1:]
}

// nthLine returns line n (1-based) of the input from offset from on, which
// is the start of line 1 (the header's lines, at the start of the file).
func (b *boundedReader) nthLine(from int64, n int) []byte {
	s := b.span(from, b.base+int64(len(b.recent)))
	for ; n > 1; n-- {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			return nil
		}
		s = s[i+1:]
	}
	if i := bytes.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return bytes.TrimRight(s, "\r")
}
