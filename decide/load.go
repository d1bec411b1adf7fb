package decide

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
)

// File is one library file's name and content, for LoadFiles.
type File struct {
	Name string
	Data []byte
}

// Load reads every *.yaml, *.yml and *.json file under dir, in lexical
// order of their paths, merges them and checks the result: ids, enums,
// dates, expressions, every reference, content types against placement
// types, and that every fallback covers the placements of the activities
// that use it. It reports every problem at once, as a diag.List whose
// items print as "file:line:col: message".
func Load(dir string, opts ...LoadOption) (*Library, error) {
	files, err := ReadDir(dir)
	if err != nil {
		return nil, err
	}
	return LoadFiles(files, opts...)
}

// ReadDir reads the library files under dir, in the order Load takes them.
func ReadDir(dir string) ([]File, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load library: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("load library: %s is not a directory", dir)
	}
	var files []File
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			// assets/ holds local copies of the content's images for
			// previews (mailpreview serve), never library files.
			if filepath.Dir(path) == filepath.Clean(dir) && d.Name() == AssetsDir {
				return filepath.SkipDir
			}
			return nil
		}
		if !isLibraryFile(d.Name()) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, File{Name: path, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load library %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load library: %s holds no *.yaml, *.yml or *.json files", dir)
	}
	return files, nil
}

// AssetsDir is the directory of a library that holds local copies of the
// images its content links to (ASSETS/HOST/PATH for https://HOST/PATH),
// for previews; the loader does not read it.
const AssetsDir = "assets"

func isLibraryFile(name string) bool {
	// import-report.json is what mailpreview import writes beside the
	// library it imports; it describes the library and is not part of it.
	if strings.HasPrefix(name, ".") || name == "import-report.json" {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// LoadFiles is Load over files already in memory, taken in the order given.
func LoadFiles(files []File, opts ...LoadOption) (*Library, error) {
	lib, err := LoadPartial(files, opts...)
	if err != nil {
		return nil, err
	}
	return lib, nil
}

// LoadPartial is LoadFiles for tools that check a library (mailpreview
// check): when the library has errors it returns them together with what
// did load, so that templates can still be checked against the placements
// and activities that are fine. A library returned with errors cannot
// decide: its Engine finds no scope.
func LoadPartial(files []File, opts ...LoadOption) (*Library, error) {
	l := newLoader()
	for _, o := range opts {
		o(l)
	}
	for _, f := range files {
		l.file(f.Name, f.Data)
	}
	l.resolve()
	if err := l.errs.Err(); err != nil {
		l.lib.plans = map[scopeKey]*plan{}
		return l.lib, err
	}
	l.lib.build()
	return l.lib, nil
}

// A LoadOption configures Load.
type LoadOption func(*loader)

// ContentCheck checks the text of one offer's (or fallback's) content for
// one placement — package decide does not know the template language, its
// caller does — and reports each problem in a field's text as an error
// whose Line and Col (1-based, in characters) are in that text; Load turns
// them into errors at the right place of the library file, keeping their
// Code, Msg and Err.
type ContentCheck func(o *Offer, placement string, c *Content, report func(field string, e *diag.Error))

// WithContentCheck runs check on every offer's and fallback's content.
func WithContentCheck(check ContentCheck) LoadOption {
	return func(l *loader) { l.contentCheck = check }
}

// loader accumulates the objects of every file, then resolves references.
type loader struct {
	lib     *Library
	errs    diag.List
	sources map[string]*source
	conds   map[string]*condition

	contentCheck ContentCheck

	// References to check once every file is read.
	offerDefs    []*offerDef
	fallbackDefs []*offerDef
	collDefs     []*collDef
	actDefs      []*actDef
}

func newLoader() *loader {
	return &loader{
		lib: &Library{
			placements:  map[string]*Placement{},
			rules:       map[string]*Rule{},
			formulas:    map[string]*Formula{},
			models:      map[string]*Model{},
			offers:      map[string]*Offer{},
			fallbacks:   map[string]*Offer{},
			collections: map[string]*Collection{},
			activities:  map[string]*Activity{},
		},
		sources: map[string]*source{},
		conds:   map[string]*condition{},
	}
}

var topLevel = []string{"placements", "rules", "formulas", "models", "offers", "fallbacks", "collections", "activities"}

func (l *loader) file(name string, data []byte) {
	s := &source{name: name, lines: strings.Split(string(data), "\n"), errs: &l.errs}
	l.sources[name] = s
	l.lib.files = append(l.lib.files, name)
	if len(bytes.TrimSpace(data)) == 0 {
		return
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return // only comments: an empty file
		}
		s.syntaxError(err)
		return
	}
	if !s.checkAliases(&doc) {
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		s.errorf(&extra, "a library file holds one YAML document; split the others into their own files")
	}
	if len(doc.Content) == 0 {
		return
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return
	}
	fields := s.fields(root, "library file", topLevel...)
	for _, kind := range topLevel {
		f, ok := fields[kind]
		if !ok || (f.val.Kind == yaml.ScalarNode && f.val.Tag == "!!null") {
			continue
		}
		s.list(f.val, kind, func(n *yaml.Node) {
			switch kind {
			case "placements":
				l.placement(s, n)
			case "rules":
				l.rule(s, n)
			case "formulas":
				l.formula(s, n)
			case "models":
				l.model(s, n)
			case "offers":
				l.offer(s, n, false)
			case "fallbacks":
				l.offer(s, n, true)
			case "collections":
				l.collection(s, n)
			case "activities":
				l.activity(s, n)
			}
		})
	}
}

// define registers id in table, reporting a duplicate. It reports whether
// the id is new.
func define[T any](l *loader, s *source, n *yaml.Node, kind, id string, table map[string]T, pos func(T) Pos, v T) bool {
	if prev, dup := table[id]; dup {
		p := pos(prev)
		s.errorc(diag.Duplicate, n, "%s %q is already defined at %s:%d:%d; ids must be unique", kind, id, p.File, p.Line, p.Col)
		return false
	}
	table[id] = v
	return true
}

// required reports a missing field at the object's position.
func required(s *source, obj *yaml.Node, fields map[string]field, what string, names ...string) bool {
	ok := true
	for _, name := range names {
		if _, has := fields[name]; !has {
			s.errorc(diag.Missing, obj, "%s: missing required field %q", what, name)
			ok = false
		}
	}
	return ok
}

// objectID reads the id of an object, for messages: "offer \"x\"".
func (l *loader) objectID(s *source, fields map[string]field, kind string) (string, bool) {
	f, ok := fields["id"]
	if !ok {
		return "", false
	}
	return s.id(f.val, kind+" id")
}

// resolve checks references once every file is read, and compiles what
// depends on other objects.
func (l *loader) resolve() {
	for _, d := range l.offerDefs {
		l.resolveOffer(d)
	}
	for _, d := range l.fallbackDefs {
		l.resolveOffer(d)
	}
	for _, d := range l.collDefs {
		l.resolveCollection(d)
	}
	for _, d := range l.actDefs {
		l.resolveActivity(d)
	}
	l.lib.placementIDs = slices.Sorted(maps.Keys(l.lib.placements))
	l.lib.offerIDs = slices.Sorted(maps.Keys(l.lib.offers))
	l.lib.fallbackIDs = slices.Sorted(maps.Keys(l.lib.fallbacks))
	l.lib.activityIDs = slices.Sorted(maps.Keys(l.lib.activities))
	l.lib.conditions = make([]*condition, len(l.conds))
	for _, c := range l.conds {
		l.lib.conditions[c.index] = c
	}
	sort.SliceStable(l.lib.conditions, func(i, j int) bool { return l.lib.conditions[i].index < l.lib.conditions[j].index })
}
