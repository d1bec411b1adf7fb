package adobe

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/offermail/offermail/adobe/pql"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/diag"
)

// Report says what an import did: objects read and written, every PQL
// text translated (and into what), everything that could not be
// translated or was approximated or ignored, with the object path
// (offers[3].xdm:selectionConstraint…) and the file position, the ids
// given, and the result of checking the written library.
type Report struct {
	Files        []string       `json:"files"`
	Out          string         `json:"out"`
	Read         map[string]int `json:"read"`
	Written      map[string]int `json:"written"`
	Translated   []Item         `json:"translated"`
	Untranslated []Item         `json:"untranslated"`
	Approximated []Item         `json:"approximated"`
	Ignored      []Item         `json:"ignored"`
	Renamed      []Rename       `json:"renamed"`
	IDs          []ID           `json:"ids"`
	Check        Check          `json:"check"`
}

// Item is one report entry.
type Item struct {
	Path       string `json:"path"`   // offers[3].xdm:selectionConstraint.xdm:eligibilityRule
	Source     string `json:"source"` // file:line:col of that value
	Object     string `json:"object,omitempty"`
	Reason     string `json:"reason,omitempty"`
	PQL        string `json:"pql,omitempty"`
	Expression string `json:"expression,omitempty"`
}

// Rename is an id that had to differ from its name's slug because
// another object of the same kind took it first.
type Rename struct {
	Kind    string `json:"kind"`
	AdobeID string `json:"adobeId"`
	Name    string `json:"name"`
	Wanted  string `json:"wanted"`
	ID      string `json:"id"`
}

// ID maps one Adobe object to the offermail object written for it.
type ID struct {
	Kind    string `json:"kind"`
	AdobeID string `json:"adobeId"`
	Name    string `json:"name"`
	ID      string `json:"id"`
}

// Check is the outcome of loading the written library as mailpreview
// check does.
type Check struct {
	OK     bool     `json:"ok"`
	Errors []string `json:"errors"`
}

func newReport() *Report {
	return &Report{Read: map[string]int{}, Written: map[string]int{}, Translated: []Item{}, Untranslated: []Item{},
		Approximated: []Item{}, Ignored: []Item{}, Renamed: []Rename{}, IDs: []ID{}, Check: Check{Errors: []string{}}}
}

func (r *Report) item(in *instance, v *value, reason string) Item {
	if v == nil {
		v = in.v
	}
	return Item{Path: in.at(v), Source: where(v), Object: describeInstance(in), Reason: reason}
}

func describeInstance(in *instance) string {
	if in.name != "" {
		return fmt.Sprintf("%s %q", in.adobeID, in.name)
	}
	return in.adobeID
}

func (r *Report) translated(in *instance, v *value, src, expr string) {
	it := r.item(in, v, "")
	it.PQL, it.Expression = src, expr
	r.Translated = append(r.Translated, it)
}

func (r *Report) untranslated(in *instance, v *value, reason, src string) {
	it := r.item(in, v, reason)
	it.PQL = src
	r.Untranslated = append(r.Untranslated, it)
}

func (r *Report) approximated(in *instance, v *value, format string, args ...any) {
	r.Approximated = append(r.Approximated, r.item(in, v, fmt.Sprintf(format, args...)))
}

func (r *Report) ignored(in *instance, v *value, format string, args ...any) {
	r.Ignored = append(r.Ignored, r.item(in, v, fmt.Sprintf(format, args...)))
}

// compiles reports why an expression would not load, or "".
func compiles(expr string, kind pql.Kind) string {
	doc := "rules:\n  - id: r\n    when: " + yamlQuote(expr) + "\n"
	if kind == pql.Formula {
		doc = "formulas:\n  - id: f\n    score: " + yamlQuote(expr) + "\n"
	}
	_, err := decide.LoadFiles([]decide.File{{Name: "expression", Data: []byte(doc)}})
	if err == nil {
		return ""
	}
	var msgs []string
	for _, e := range diag.Errors(err) {
		var de *diag.Error
		if errors.As(e, &de) {
			msgs = append(msgs, de.Msg)
		} else {
			msgs = append(msgs, e.Error())
		}
	}
	return strings.Join(msgs, "; ")
}

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// WriteText writes the report as people read it on a terminal.
func (r *Report) WriteText(w io.Writer) {
	kinds := func(m map[string]int) string {
		var parts []string
		for _, k := range sortedKeys(m) {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
		if len(parts) == 0 {
			return "nothing"
		}
		return strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "read %d file(s): %s\n", len(r.Files), kinds(r.Read))
	fmt.Fprintf(w, "wrote %s: %s\n", r.Out, kinds(r.Written))
	fmt.Fprintf(w, "PQL translated: %d; not translated: %d; approximated: %d; ignored: %d; renamed: %d\n",
		len(r.Translated), len(r.Untranslated), len(r.Approximated), len(r.Ignored), len(r.Renamed))
	section := func(title string, items []Item) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, it := range items {
			fmt.Fprintf(w, "  %s (%s): %s\n", it.Path, it.Source, it.Reason)
			if it.PQL != "" {
				fmt.Fprintf(w, "      PQL: %s\n", oneLine(it.PQL))
			}
		}
	}
	section("not translated (rules written as false, formulas as the offer's priority)", r.Untranslated)
	section("approximated", r.Approximated)
	section("ignored", r.Ignored)
	for _, rn := range r.Renamed {
		fmt.Fprintf(w, "renamed: %s %q (%s) is %s, as %s was taken\n", rn.Kind, rn.Name, rn.AdobeID, rn.ID, rn.Wanted)
	}
	if r.Check.OK {
		fmt.Fprintf(w, "check: ok\n")
	} else {
		fmt.Fprintf(w, "check: %d error(s)\n", len(r.Check.Errors))
		for _, e := range r.Check.Errors {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
