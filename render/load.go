package render

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aymerick/raymond/ast"

	"github.com/offermail/offermail/diag"
	closest "github.com/offermail/offermail/internal/suggest"
)

// Set is the templates of a directory. It is immutable and safe for
// concurrent use.
type Set struct {
	templates []*Template
	byName    map[string]*Template
}

// Templates returns the templates sorted by name.
func (s *Set) Templates() []*Template { return slices.Clone(s.templates) }

// Lookup returns the template with the given file name, or nil.
func (s *Set) Lookup(name string) *Template { return s.byName[name] }

// isTemplate reports whether a file name is a template: *.hbs, *.html or
// *.md, and not hidden (editors leave dotfiles behind).
func isTemplate(name string) bool {
	switch path.Ext(name) {
	case ".hbs", ".html", ".md":
		return !strings.HasPrefix(name, ".")
	}
	return false
}

// LoadDir loads every template in dir (*.hbs, *.html, *.md; not the
// partials/ and layouts/ it uses, nor any other subdirectory) and checks
// each placeholder against cat. Every problem found is reported, as an
// diag.List sorted by file and position; the Set then holds the templates
// that loaded, so a preview can show them beside the errors of the others.
func LoadDir(dir string, cat Catalog) (*Set, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	return loadFS(os.DirFS(dir), dir, cat)
}

// LoadFS is LoadDir over a file system (such as an embed.FS); file names
// in errors are relative to its root.
func LoadFS(fsys fs.FS, cat Catalog) (*Set, error) { return loadFS(fsys, "", cat) }

func loadFS(fsys fs.FS, dir string, cat Catalog) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("load templates %s: %w", dir, err)
	}
	lib := newLibrary(fsys, dir)
	set := &Set{byName: map[string]*Template{}}
	var errs diag.List
	for _, e := range entries {
		if e.IsDir() || !isTemplate(e.Name()) {
			continue
		}
		t, terrs := lib.template(e.Name(), cat)
		errs = append(errs, terrs...)
		if t != nil {
			set.templates = append(set.templates, t)
			set.byName[t.name] = t
		}
	}
	// Broken partials and layouts no template uses are errors too.
	errs = append(errs, lib.checkAll()...)
	lib.bind(errs)
	return set, errs.Err()
}

// LoadFile loads one template, with the partials/ and layouts/ beside it.
func LoadFile(file string, cat Catalog) (*Template, error) {
	dir, name := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	lib := newLibrary(os.DirFS(dir), strings.TrimSuffix(dir, string(filepath.Separator)))
	if dir == "." && !strings.HasPrefix(file, ".") {
		lib.dir = ""
	}
	t, errs := lib.template(name, cat)
	lib.bind(errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// library reads and parses a template directory's files, each once, for
// all the templates of a load.
type library struct {
	fsys   fs.FS
	dir    string // prefix of file names in errors and Files()
	parsed map[string]*parsedFile
	texts  map[string]string // by display name: every file read, for carets
}

// parsedFile is a partial or layout: parsed once, compiled per template.
type parsedFile struct {
	src  *source
	prog *ast.Program
	err  *diag.Error
}

func newLibrary(fsys fs.FS, dir string) *library {
	return &library{fsys: fsys, dir: dir, parsed: map[string]*parsedFile{}, texts: map[string]string{}}
}

// display is the name of a file as errors and Files() show it.
func (l *library) display(name string) string {
	if l.dir == "" {
		return name
	}
	return filepath.Join(l.dir, filepath.FromSlash(name))
}

// read returns a file's text, or an error at its start.
func (l *library) read(name string) (string, *diag.Error) {
	data, err := readAtMost(l.fsys, name, maxTemplateBytes+len(utf8BOM))
	if errors.Is(err, errTooLarge) {
		line, col := diag.Position(data, maxTemplateBytes)
		return "", &diag.Error{Code: diag.Limit, File: l.display(name), Line: line, Col: col,
			Msg: fmt.Sprintf("the file is over %d bytes; a template, partial or layout may be at most %d bytes", maxTemplateBytes, maxTemplateBytes)}
	}
	if err != nil {
		return "", &diag.Error{File: l.display(name), Line: 1, Col: 1, Msg: fmt.Sprintf("cannot read: %v", err), Err: err}
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		line, col := diag.Position(text, i)
		return "", (&diag.Error{Code: diag.Syntax, File: l.display(name), Line: line, Col: col, Msg: "the file is not UTF-8 text: save it as UTF-8"}).Bind(text)
	}
	l.texts[l.display(name)] = text
	return text, nil
}

// file parses a partial or layout, or returns nil when it does not exist.
func (l *library) file(name string) *parsedFile {
	if pf, ok := l.parsed[name]; ok {
		return pf
	}
	var pf *parsedFile
	if st, err := fs.Stat(l.fsys, name); err == nil && !st.IsDir() {
		pf = &parsedFile{}
		text, rerr := l.read(name)
		pf.src = plainSource(l.display(name), text, 1, 1)
		if rerr != nil {
			pf.err = rerr
		} else {
			pf.prog, pf.err = parseSource(pf.src)
		}
	}
	l.parsed[name] = pf
	return pf
}

// partial finds partials/<name>.hbs (or .html). When there is none it
// returns nil and the path to create.
func (l *library) partial(name string) (*parsedFile, string) {
	return l.find("partials", name)
}

// layout finds layouts/<name> as given, or with .hbs or .html added.
func (l *library) layout(name string) (*parsedFile, string) {
	return l.find("layouts", name)
}

// hint is the " (did you mean …?)" of a partial or layout name that is
// not there: the nearest of the names in dir (partials or layouts).
func (l *library) hint(dir, name string) string {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		return ""
	}
	var names []string
	for _, e := range entries {
		if ext := path.Ext(e.Name()); !e.IsDir() && (ext == ".hbs" || ext == ".html") {
			names = append(names, strings.TrimSuffix(e.Name(), ext))
		}
	}
	return closest.DidYouMean(strings.TrimSuffix(strings.TrimSuffix(name, ".hbs"), ".html"), names)
}

func (l *library) find(dir, name string) (*parsedFile, string) {
	want := l.display(dir + "/" + name + ".hbs")
	if !fs.ValidPath(name) || name == "." {
		return nil, want
	}
	cands := []string{dir + "/" + name + ".hbs", dir + "/" + name + ".html"}
	if ext := path.Ext(name); ext == ".hbs" || ext == ".html" {
		cands = []string{dir + "/" + name}
		want = l.display(cands[0])
	}
	for _, c := range cands {
		if pf := l.file(c); pf != nil {
			return pf, l.display(c)
		}
	}
	return nil, want
}

// checkAll parses every partial and layout, for the errors of those no
// template uses.
func (l *library) checkAll() diag.List {
	var errs diag.List
	for _, dir := range []string{"partials", "layouts"} {
		_ = fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if ext := path.Ext(p); ext != ".hbs" && ext != ".html" {
				return nil
			}
			if pf := l.file(p); pf != nil && pf.err != nil {
				errs = append(errs, pf.err)
			}
			return nil
		})
	}
	return errs
}

// bind gives every error of a load its source line and caret, from the
// text of the file it is in: computed once, here, where the files are at
// hand.
func (l *library) bind(errs diag.List) {
	for _, e := range errs {
		if text, ok := l.texts[e.File]; ok {
			e.Bind(text)
		}
	}
}

const utf8BOM = "\uFEFF"

var errTooLarge = errors.New("file too large")

// readAtMost reads a file of at most limit bytes; of a larger one it
// returns the first limit+1 bytes and errTooLarge, without reading the rest.
func readAtMost(fsys fs.FS, name string, limit int) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return data, errTooLarge
	}
	return data, nil
}
