// Package snapshot keeps golden snapshots of rendered email for QA: for
// every template × profile, the HTML, the plain text, the MIME message and
// the decisions with their traces, normalized so that they only change when
// the output does.
//
// Build renders the files through the production path (campaign.Project,
// as a dry run: counters are read, never written); Compare reports every
// file that differs from a golden directory, with a unified diff, and every
// golden file nothing produces any more; Write brings the directory up to
// date. The mailpreview snapshot command and render's golden test share it.
//
// The golden directory holds one directory per template, named after the
// template file, and in it one file per profile and kind:
//
//	GOLDEN/newsletter.hbs/maya-gold-runner.html
//	GOLDEN/newsletter.hbs/maya-gold-runner.txt
//	GOLDEN/newsletter.hbs/maya-gold-runner.eml
//	GOLDEN/newsletter.hbs/maya-gold-runner.decisions.json
//	GOLDEN/newsletter.hbs/maya-gold-runner.error   (only when it fails to render)
//
// Other files in the golden directory are left alone.
package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// Kind says how a snapshot file differs from its golden file.
type Kind int

// Kinds of difference.
const (
	Changed Kind = iota + 1 // both exist, with different content
	New                     // produced, but there is no golden file yet
	Stale                   // a golden file that no template × profile produces
)

func (k Kind) String() string {
	switch k {
	case Changed:
		return "changed"
	case New:
		return "new"
	case Stale:
		return "stale"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Diff is one difference between the snapshot and the golden directory.
type Diff struct {
	Path string // below the golden directory, with slashes
	Kind Kind
	// Unified is the unified diff from the golden file to the new one
	// (from /dev/null for a new file, to /dev/null for a stale one).
	Unified string
}

// String is the difference as the snapshot command prints it: a line
// naming the file and what happened to it, then the diff.
func (d Diff) String() string {
	var head string
	switch d.Kind {
	case New:
		head = fmt.Sprintf("new: %s (no golden file yet)\n", d.Path)
	case Stale:
		head = fmt.Sprintf("stale: %s (no template × profile produces it any more)\n", d.Path)
	default:
		head = fmt.Sprintf("changed: %s\n", d.Path)
	}
	return head + d.Unified
}

// Compare compares files with the golden directory dir and returns every
// difference, sorted by path. A missing directory is no golden files at
// all.
func Compare(dir string, files []File) ([]Diff, error) {
	golden, err := list(dir)
	if err != nil {
		return nil, err
	}
	var diffs []Diff
	produced := map[string]bool{}
	for _, f := range files {
		produced[f.Path] = true
		name := filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(f.Path)))
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, Diff{f.Path, New, fileDiff(f.Path, "/dev/null", "got/"+f.Path, nil, f.Data)})
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Data):
			diffs = append(diffs, Diff{f.Path, Changed, fileDiff(f.Path, name, "got/"+f.Path, old, f.Data)})
		}
	}
	for _, g := range golden {
		if produced[g] {
			continue
		}
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(g)))
		if err != nil {
			return nil, err
		}
		name := filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(g)))
		diffs = append(diffs, Diff{g, Stale, fileDiff(g, name, "/dev/null", old, nil)})
	}
	slices.SortFunc(diffs, func(a, b Diff) int { return strings.Compare(a.Path, b.Path) })
	return diffs, nil
}

// Result lists what Write changed, with slash paths below the directory.
type Result struct {
	Written []string // new or changed files
	Removed []string // stale files
}

// Write brings the golden directory dir up to date with files: it writes
// the new and changed files, leaves equal ones untouched, and removes the
// stale ones (and template directories left empty by that).
func Write(dir string, files []File) (Result, error) {
	diffs, err := Compare(dir, files)
	if err != nil {
		return Result{}, err
	}
	data := map[string][]byte{}
	for _, f := range files {
		data[f.Path] = f.Data
	}
	var res Result
	for _, d := range diffs {
		p := filepath.Join(dir, filepath.FromSlash(d.Path))
		if d.Kind == Stale {
			if err := os.Remove(p); err != nil {
				return res, err
			}
			res.Removed = append(res.Removed, d.Path)
			// Only succeeds once the template's directory is empty.
			_ = os.Remove(filepath.Dir(p))
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return res, err
		}
		if err := os.WriteFile(p, data[d.Path], 0o644); err != nil {
			return res, err
		}
		res.Written = append(res.Written, d.Path)
	}
	return res, nil
}

// fileDiff is the diff of one snapshot file: of the decoded views of two
// messages for an .eml (falling back to the bytes when they do not decode,
// or decode the same), of the bytes for the others.
func fileDiff(path, aName, bName string, a, b []byte) string {
	if strings.HasSuffix(path, ExtEML) {
		da, okA := decodeOrEmpty(a)
		db, okB := decodeOrEmpty(b)
		if okA && okB && da != db {
			return unified(aName+" (decoded)", bName+" (decoded)", []byte(da), []byte(db))
		}
	}
	return unified(aName, bName, a, b)
}

func decodeOrEmpty(eml []byte) (string, bool) {
	if eml == nil {
		return "", true
	}
	return DecodeEML(eml)
}

// unified is the unified diff from a to b as diff -u prints it: gofmt's
// own diff (rogpeppe/go-internal/diff), without its leading "diff a b"
// line, since the snapshot command names the file itself, and with long
// unchanged lines cut short (ShortenContext). It is "" when a and b are
// equal.
func unified(aName, bName string, a, b []byte) string {
	d := diff.Diff(aName, a, bName, b)
	if d == nil {
		return ""
	}
	_, rest, _ := bytes.Cut(d, []byte("\n"))
	return ShortenContext(string(rest), maxContext)
}

// maxContext is how many characters of an unchanged line a diff shows.
const maxContext = 100

// ShortenContext keeps a unified diff readable where its lines are long:
// a context line (starting with a space) longer than max characters is cut
// to an excerpt and a note of what was left out — a long line that did not
// change, such as the 2 KB of preheader filler in every HTML email, is not
// repeated whole around each change — and a changed line paired with its
// replacement (the i-th of a run of - lines with the i-th of the + lines
// after it) has a long common start or end cut the same way, so that the
// change itself stands out.
func ShortenContext(unified string, max int) string {
	lines := strings.Split(unified, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, " "):
			if r := []rune(l); len(r) > max+max/2 {
				lines[i] = fmt.Sprintf("%s… [unchanged, %d more characters]", string(r[:max+1]), len(r)-max-1)
			}
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			j := i
			for j < len(lines) && strings.HasPrefix(lines[j], "-") {
				j++
			}
			k := j
			for k < len(lines) && strings.HasPrefix(lines[k], "+") {
				k++
			}
			for n := 0; n < j-i && n < k-j; n++ {
				lines[i+n], lines[j+n] = trimCommon(lines[i+n], lines[j+n], max)
			}
			i = k - 1
		}
	}
	return strings.Join(lines, "\n")
}

// trimCommon cuts the long common start and end of a removed line and its
// replacement, keeping a few characters of each around the change.
func trimCommon(minus, plus string, max int) (string, string) {
	a, b := []rune(minus[1:]), []rune(plus[1:])
	keep := max / 5
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	cut := func(r []rune) string {
		var sb strings.Builder
		start, end := 0, len(r)
		if pre > max {
			fmt.Fprintf(&sb, "[%d unchanged characters] …", pre-keep)
			start = pre - keep
		}
		tail := ""
		if suf > max {
			end = len(r) - suf + keep
			tail = fmt.Sprintf("… [%d unchanged characters]", suf-keep)
		}
		sb.WriteString(string(r[start:end]))
		sb.WriteString(tail)
		return sb.String()
	}
	if pre <= max && suf <= max {
		return minus, plus
	}
	return "-" + cut(a), "+" + cut(b)
}

// list returns the snapshot files already in dir: template/profile.ext,
// hidden names left out.
func list(dir string) ([]string, error) {
	tpls, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range tpls {
		if !t.IsDir() || strings.HasPrefix(t.Name(), ".") {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(dir, t.Name()))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && hasSuffix(e.Name()) {
				out = append(out, path.Join(t.Name(), e.Name()))
			}
		}
	}
	return out, nil
}
