package preview

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// Problem is an error as the page shows it: where it is, what it says, and
// the offending line with a caret under the column.
type Problem struct {
	// Where is what failed: library, template, profile or render (the
	// template failed for this recipient).
	Where   string `json:"where"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
	// Source is the offending line (a window of it when it is long), Caret
	// the line under it: blanks (tabs where Source has tabs) and a ^.
	Source string `json:"source,omitempty"`
	Caret  string `json:"caret,omitempty"`
}

// At is the position as editors read it: file:line:col.
func (p Problem) At() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// maxSource bounds the part of a long line (minified HTML, say) shown
// around the column.
const maxSource = 160

// problems turns an error, or the list of errors in it, into problems.
// Source lines are read only from files in the configured directories, or
// from data when the error is about a profile edited in the page.
func problems(err error, where string, cfg *Config) []Problem {
	return problemsData(err, where, cfg, nil)
}

func problemsData(err error, where string, cfg *Config, data []byte) []Problem {
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		if errs := multi.Unwrap(); len(errs) > 1 {
			var out []Problem
			for _, e := range errs {
				out = append(out, problemsData(e, where, cfg, data)...)
			}
			return out
		}
	}
	p := Problem{Where: where, Message: err.Error()}
	var de *decide.Error
	var re *render.Error
	var pe *recipients.Error
	var byteCol bool
	switch {
	case errors.As(err, &de):
		p.File, p.Line, p.Col, p.Message, p.Source = de.File, de.Line, de.Col, de.Msg, de.Source
		byteCol = true
	case errors.As(err, &re):
		p.File, p.Line, p.Col, p.Message = re.File, re.Line, re.Col, re.Msg
	case errors.As(err, &pe):
		p.File, p.Line, p.Col, p.Message = pe.File, pe.Line, pe.Col, pe.Msg
		byteCol = true
	default:
		return []Problem{p}
	}
	if p.Source == "" && p.Line > 0 {
		if data != nil {
			p.Source = nthLine(string(data), p.Line)
		} else if cfg.contains(p.File) {
			p.Source = fileLine(p.File, p.Line)
		}
	}
	if p.Source != "" && p.Col > 0 {
		p.Source, p.Caret = caret(p.Source, p.Col, byteCol)
	}
	return []Problem{p}
}

// caret returns the source line, cut to a window around the column when
// long, and the caret line under it. col is 1-based, in bytes or in
// characters.
func caret(src string, col int, bytesCol bool) (string, string) {
	src = strings.TrimRight(src, "\r\n")
	runes := []rune(src)
	at := col - 1
	if bytesCol {
		at = utf8.RuneCountInString(src[:min(max(col-1, 0), len(src))])
	}
	at = min(max(at, 0), len(runes))
	start := 0
	if len(runes) > maxSource {
		start = max(0, min(at-maxSource/2, len(runes)-maxSource))
		end := min(len(runes), start+maxSource)
		prefix, suffix := "", ""
		if start > 0 {
			prefix = "…"
		}
		if end < len(runes) {
			suffix = "…"
		}
		shown := prefix + string(runes[start:end]) + suffix
		runes = []rune(shown)
		at = at - start + len([]rune(prefix))
	}
	var c strings.Builder
	for _, r := range runes[:min(at, len(runes))] {
		if r == '\t' {
			c.WriteByte('\t')
		} else {
			c.WriteByte(' ')
		}
	}
	c.WriteByte('^')
	return string(runes), c.String()
}

// fileLine returns line n (1-based) of a file, or "".
func fileLine(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return sc.Text()
		}
	}
	return ""
}

func nthLine(s string, n int) string {
	for i := 1; ; i++ {
		line, rest, found := strings.Cut(s, "\n")
		if i == n {
			return line
		}
		if !found {
			return ""
		}
		s = rest
	}
}

// contains reports whether path is inside one of the directories the
// preview was given, so that an error message can never make it read
// another file.
func (cfg *Config) contains(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, dir := range []string{cfg.Templates, cfg.Library, cfg.Profiles} {
		d, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(d, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
