package recipients

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/offermail/offermail/diag"
)

// MaxProfileBytes bounds a profile file. Profiles are hand-written samples;
// a larger file is a mistake, such as pointing --profile at a recipients
// export.
const MaxProfileBytes = 4 << 20

// ReadProfile reads a profile file: one recipient record in the NDJSON
// shape, as a single JSON object that may span lines (pretty-printed). It
// checks what a recipients reader checks, except duplicates. Every problem
// is a *diag.Error naming file:line:col, with the line and a caret.
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
		return nil, &diag.Error{Code: diag.Limit, File: path, Msg: fmt.Sprintf("profile file is larger than %d bytes; a profile holds one recipient", MaxProfileBytes)}
	}
	return ParseProfile(path, data)
}

// ParseProfile is ReadProfile for a profile already in memory, such as one
// edited in the preview page; name is used in errors.
func ParseProfile(name string, data []byte) (*Record, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if isBlank(data) {
		return nil, &diag.Error{Code: diag.Missing, File: name, Line: 1, Col: 1, Msg: `empty profile; it must hold one JSON object like {"id": "u1", "email": "a@example.com"}`}
	}
	var json parser
	p, perr := json.parseRecord(data)
	fail := func(off int, code diag.Code, msg string) (*Record, error) {
		line, col := diag.Position(data, off)
		return nil, (&diag.Error{Code: code, File: name, Line: line, Col: col, Msg: msg}).Bind(string(data))
	}
	if perr != nil {
		return fail(perr.off, perr.code, perr.msg)
	}
	if reason, off := p.idProblem(); reason != "" {
		return fail(off, fieldCode(p.id, p.haveID, maxIDBytes), reason)
	}
	if reason, off := p.emailProblem(); reason != "" {
		return fail(off, fieldCode(p.email, p.haveEmail, maxEmailBytes), reason)
	}
	line, _ := diag.Position(data, p.objOff)
	return &Record{Line: line, ID: p.id, Email: p.email, Profile: p.profile, Context: p.context, Order: p.order.orNil()}, nil
}
