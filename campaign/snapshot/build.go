package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// The files of one template × profile pair, by suffix.
const (
	ExtHTML      = ".html"
	ExtText      = ".txt"
	ExtEML       = ".eml"
	ExtDecisions = ".decisions.json"
	// ExtError holds the error of a pair that does not render, so that a
	// template breaking for one profile is a change QA sees, not a crash.
	ExtError = ".error"
)

var suffixes = []string{ExtDecisions, ExtHTML, ExtText, ExtEML, ExtError}

// File is one snapshot file: its path below the golden directory, with
// slashes (template/profile.ext), and its normalized content.
type File struct {
	Path string
	Data []byte
}

// Build decides and renders every template of set for every profile, as a
// dry run, and returns the normalized files, sorted by path. o.Trace is
// always on, since the decisions files hold the traces; o.Now should be
// fixed, since decisions depend on time.
//
// A pair that fails to decide or render gives a .error file (with the
// decisions when they were made) instead of its message files; one whose
// MIME cannot be written (no sender) gives its html and text and a .error
// file instead of the eml. Build itself
// fails only when ctx ends or the counter store cannot be read.
func Build(ctx context.Context, p *campaign.Project, set *render.Set, profiles []Profile, o campaign.Options) ([]File, error) {
	o.Trace = true
	var files []File
	for _, tpl := range set.Templates() {
		for _, prof := range profiles {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			base := path.Join(tpl.Name(), prof.Name)
			msg, d, err := p.Preview(ctx, tpl, prof.Recipient, o)
			if errors.Is(err, decide.ErrStoreUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			if d != nil {
				data, jerr := decisionsJSON(d)
				if jerr != nil {
					return nil, jerr
				}
				files = append(files, File{base + ExtDecisions, data})
			}
			if err != nil {
				files = append(files, File{base + ExtError, normalizeText([]byte(relative(err.Error(), tpl)))})
				continue
			}
			files = append(files,
				File{base + ExtHTML, normalizeText([]byte(msg.HTML))},
				File{base + ExtText, normalizeText([]byte(msg.Text))},
			)
			// A message that renders but cannot be sent (no sender, say)
			// keeps its html and text; the error replaces the eml.
			var eml bytes.Buffer
			if err := campaign.Encode(&eml, campaign.EML, msg, d, o.Now); err != nil {
				files = append(files, File{base + ExtError, normalizeText([]byte(relative(err.Error(), tpl)))})
				continue
			}
			files = append(files, File{base + ExtEML, normalizeText(NormalizeEML(eml.Bytes()))})
		}
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// decisionsJSON is the decision as the decide command prints it, traces
// included.
func decisionsJSON(d *decide.Decision) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// relative strips the templates directory from the file names in an error,
// so the golden file reads the same on every machine and checkout.
func relative(msg string, tpl *render.Template) string {
	files := tpl.Files()
	if len(files) == 0 {
		return msg
	}
	dir := filepath.Dir(files[0]) + string(filepath.Separator)
	return strings.ReplaceAll(msg, dir, "")
}

// hasSuffix reports whether name is a snapshot file name.
func hasSuffix(name string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			return true
		}
	}
	return false
}
