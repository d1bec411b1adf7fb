package adobe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/diag"
)

// ReportFile is the name of the report written beside the library.
const ReportFile = "import-report.json"

// Sentinels for the command to choose exit codes by.
var (
	// ErrCheck: the library was written but does not pass check; the
	// report lists why.
	ErrCheck = errors.New("the imported library does not pass check")
	// ErrOutExists: the output directory holds something else than an
	// earlier import.
	ErrOutExists = errors.New("output directory exists")
	// ErrRead: an export file could not be read (missing, a directory).
	ErrRead = errors.New("read export")
)

// Import reads Adobe export files and writes an offermail library into
// out: one YAML file per kind and import-report.json. It writes into a
// temporary directory beside out and renames it into place at the end, so
// out never holds half a library; an earlier import in out is replaced.
//
// Bad input (malformed JSON, wrong types, references to objects missing
// from the export) is a diag.List naming each problem's file, line,
// column and JSON path; nothing is written then. A library that was
// written but fails check is returned with its report and ErrCheck.
func Import(files []string, out string) (*Report, error) {
	c := newConverter()
	c.report.Files = files
	c.report.Out = out
	if len(files) == 0 {
		return nil, errors.New("no export files given")
	}
	for _, name := range files {
		st, err := os.Stat(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRead, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%w: %s is a directory; name the JSON files", ErrRead, name)
		}
		if st.Size() > MaxFileSize {
			c.errs.Add(&diag.Error{Code: diag.Limit, File: name, Msg: fmt.Sprintf("file of %d bytes is over the limit of %d", st.Size(), MaxFileSize)})
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRead, err)
		}
		root, err := parseJSON(&source{name: name, data: data})
		if err != nil {
			var e *diag.Error
			if errors.As(err, &e) {
				c.errs.Add(e)
				continue
			}
			return nil, err
		}
		for _, env := range c.instances(root) {
			c.add(env)
		}
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	c.convert()
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	lib, err := c.lib.files()
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"placements.yaml", "rules.yaml", "formulas.yaml", "offers.yaml", "fallbacks.yaml", "collections.yaml", "activities.yaml"} {
		if lib[name] != nil {
			c.report.Written[strings.TrimSuffix(name, ".yaml")] = len(c.itemsOf(name))
		}
	}
	if err := write(out, lib, c.report); err != nil {
		return nil, err
	}
	if !c.report.Check.OK {
		return c.report, ErrCheck
	}
	return c.report, nil
}

func (c *converter) itemsOf(file string) []*ymap {
	switch file {
	case "placements.yaml":
		return c.lib.placements
	case "rules.yaml":
		return c.lib.rules
	case "formulas.yaml":
		return c.lib.formulas
	case "offers.yaml":
		return c.lib.offers
	case "fallbacks.yaml":
		return c.lib.fallbacks
	case "collections.yaml":
		return c.lib.collections
	}
	return c.lib.activities
}

// convert converts every instance, references before what refers to them.
func (c *converter) convert() {
	for _, kind := range kindOrder {
		for _, in := range c.byKind[kind] {
			switch kind {
			case kTag:
				c.tag(in)
			case kPlacement:
				c.placement(in)
			case kRule:
				c.rule(in)
			case kFormula:
				c.formula(in)
			case kOffer:
				c.offer(in, false)
			case kFallback:
				c.offer(in, true)
			case kCollection:
				c.collection(in)
			case kDecision:
				c.decision(in)
			}
		}
	}
	for _, kind := range kindOrder {
		for _, in := range c.byKind[kind] {
			c.unread(in, in.v)
		}
	}
}

// write writes the library and the report into a new directory and
// renames it to out.
func write(out string, lib map[string][]byte, report *Report) error {
	out = filepath.Clean(out)
	if err := checkOut(out); err != nil {
		return err
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write library: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".import-")
	if err != nil {
		return fmt.Errorf("write library: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	for name, data := range lib {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return fmt.Errorf("write library: %w", err)
		}
	}
	report.Check = check(tmp, out)
	data, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ReportFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write library: %w", err)
	}
	if _, err := os.Stat(out); err == nil {
		old := tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("replace %s: %w", out, err)
		}
		if err := os.Rename(tmp, out); err != nil {
			os.Rename(old, out)
			return fmt.Errorf("replace %s: %w", out, err)
		}
		os.RemoveAll(old)
	} else if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("write library: %w", err)
	}
	done = true
	return nil
}

// checkOut refuses an output directory that holds anything but an earlier
// import: replacing it must not delete someone's work.
func checkOut(out string) error {
	st, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write library: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%w: %s is a file", ErrOutExists, out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("write library: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, ReportFile)); err != nil {
		return fmt.Errorf("%w: %s holds files that no import wrote (it has no %s); choose a new --out or empty it", ErrOutExists, out, ReportFile)
	}
	return nil
}

// check loads the written library as mailpreview check does, offer
// content included, naming files by their final place.
func check(dir, out string) Check {
	res := Check{OK: true, Errors: []string{}}
	if _, err := campaign.Check(dir); err != nil {
		res.OK = false
		for _, e := range diag.Errors(err) {
			res.Errors = append(res.Errors, strings.Replace(e.Error(), dir, out, 1))
		}
	}
	return res
}
