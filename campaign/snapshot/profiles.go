package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/offermail/offermail/render"
)

// Profile is a sample recipient, named after its file.
type Profile struct {
	// Name is the file name without .json; it names the snapshot files.
	Name      string
	Recipient render.Recipient
}

// ParseFunc reads the content of one profile file, named name in errors.
// The mailpreview command passes its recipients reader, which checks a
// profile as strictly as a batch run checks a record.
type ParseFunc func(name string, data []byte) (render.Recipient, error)

// ReadProfiles reads every *.json file of dir, sorted by name, with parse,
// or with DecodeProfile when parse is nil. Every bad file is reported, not
// just the first.
func ReadProfiles(dir string, parse ParseFunc) ([]Profile, error) {
	if parse == nil {
		parse = DecodeProfile
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("profiles directory: %w", err)
		}
		return nil, fmt.Errorf("%s: no profiles (*.json files) to snapshot", dir)
	}
	sort.Strings(paths)
	var profiles []Profile
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, err := parse(p, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		profiles = append(profiles, Profile{Name: strings.TrimSuffix(filepath.Base(p), ".json"), Recipient: r})
	}
	return profiles, errors.Join(errs...)
}

// DecodeProfile reads a profile in the recipient shape of SPEC §6 ({"id",
// "email", "profile", "context"}) with encoding/json, for callers without
// the command's recipients reader: unknown keys and a missing id or email
// are errors, named file:line:col where the position is known.
func DecodeProfile(name string, data []byte) (render.Recipient, error) {
	var rec struct {
		ID      *string        `json:"id"`
		Email   *string        `json:"email"`
		Profile map[string]any `json:"profile"`
		Context map[string]any `json:"context"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := lineCol(data, syn.Offset)
			return render.Recipient{}, fmt.Errorf("%s:%d:%d: %v", name, line, col, err)
		case errors.As(err, &typ):
			// The offset is where the value starts, one byte before the
			// one a syntax error points after.
			line, col := lineCol(data, typ.Offset+1)
			return render.Recipient{}, fmt.Errorf("%s:%d:%d: %v", name, line, col, err)
		}
		return render.Recipient{}, fmt.Errorf("%s: %v", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return render.Recipient{}, fmt.Errorf("%s: a profile file holds one JSON object, and nothing after it", name)
	}
	if rec.ID == nil || *rec.ID == "" || rec.Email == nil || *rec.Email == "" {
		return render.Recipient{}, fmt.Errorf(`%s: a profile needs "id" and "email"`, name)
	}
	return render.Recipient{ID: *rec.ID, Email: *rec.Email, Profile: rec.Profile, Context: rec.Context}, nil
}

// lineCol converts a byte offset to a 1-based line and byte column.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
