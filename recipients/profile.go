package recipients

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MaxProfileBytes bounds a profile file. Profiles are hand-written samples;
// a larger file is a mistake, such as pointing --profile at a recipients
// export.
const MaxProfileBytes = 4 << 20

// ReadProfile reads a profile file: one recipient record in the NDJSON
// shape, as a single JSON object that may span lines (pretty-printed). It
// checks what a recipients reader checks, except duplicates. Every problem
// is an *Error naming file:line:col.
func ReadProfile(path string) (*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("read profile %q: is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxProfileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read profile %q: %w", path, err)
	}
	if len(data) > MaxProfileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("profile file is larger than %d bytes; a profile holds one recipient", MaxProfileBytes)}
	}
	return ParseProfile(path, data)
}

// ParseProfile is ReadProfile for a profile already in memory, such as one
// edited in the preview page; name is used in errors.
func ParseProfile(name string, data []byte) (*Record, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if isBlank(data) {
		return nil, &Error{File: name, Line: 1, Col: 1, Msg: `empty profile; it must hold one JSON object like {"id": "u1", "email": "a@example.com"}`}
	}
	p, perr := parseRecord(data)
	fail := func(off int, msg string) (*Record, error) {
		line, col := lineCol(data, off)
		return nil, &Error{File: name, Line: line, Col: col, Msg: msg}
	}
	if perr != nil {
		return fail(perr.off, perr.msg)
	}
	if reason, off := p.idProblem(); reason != "" {
		return fail(off, reason)
	}
	if reason, off := p.emailProblem(); reason != "" {
		return fail(off, reason)
	}
	line, _ := lineCol(data, p.objOff)
	return &Record{Line: line, ID: p.id, Email: p.email, Profile: p.profile, Context: p.context}, nil
}

// lineCol converts a byte offset in data to a 1-based line and byte column.
func lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Error is a problem with a whole file, at a position: a bad CSV header or
// a bad profile file. It prints as file:line:col: message, leaving out the
// parts that are not known.
type Error struct {
	File string // "" when the reader was given an io.Reader
	Line int    // 1-based; 0 when unknown
	Col  int    // 1-based byte column; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		if e.Col > 0 {
			b.WriteString(strconv.Itoa(e.Col))
			b.WriteByte(':')
		}
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	return b.String()
}
