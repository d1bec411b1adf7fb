package preview

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
)

// state is one load of the directories. It is never changed once built: a
// reload builds a new one, so a request holds a consistent view without
// locking.
type state struct {
	version int
	// project is the library that loaded last; nil while it never has.
	project *campaign.Project
	// templates by name: every template file in the directory, with the
	// last version that loaded.
	templates map[string]*entry
	names     []string
	// profiles maps a profile name (file name without .json) to its path.
	profiles     map[string]string
	profileNames []string
	// problems are the load errors of the library and the templates.
	problems []Problem
	// images are the library's local copies of its images.
	images localImages
}

// entry is a template file and the last version of it that loaded.
type entry struct {
	tpl *render.Template // nil when it never loaded
	// broken: the file as it is now does not load; tpl (if any) is older.
	broken bool
	path   string
}

// load reads the library, the templates and the profile list, keeping from
// prev whatever no longer loads, so that an error while editing does not
// blank the preview.
func load(cfg *Config, prev *state) *state {
	st := &state{version: 1, templates: map[string]*entry{}, profiles: map[string]string{}}
	if prev != nil {
		st.version = prev.version + 1
		st.project = prev.project
	}

	p, err := campaign.Load(cfg.Library)
	if err != nil {
		st.problems = append(st.problems, problems(err, "library")...)
	} else {
		st.project = p
	}

	var set *render.Set
	if st.project != nil {
		set, err = st.project.LoadTemplates(cfg.Templates)
		if err != nil {
			st.problems = append(st.problems, problems(err, "template")...)
		}
	}
	for _, name := range templateFiles(cfg.Templates) {
		e := &entry{path: filepath.Join(cfg.Templates, name)}
		if set != nil {
			e.tpl = set.Lookup(name)
		}
		if e.tpl != nil {
			if p := outside(cfg.Templates, e.tpl.Files()); p != nil {
				st.problems = append(st.problems, *p)
				e.tpl = nil
			}
		}
		if e.tpl == nil {
			e.broken = true
			if prev != nil && prev.templates[name] != nil {
				e.tpl = prev.templates[name].tpl
			}
		}
		st.templates[name] = e
		st.names = append(st.names, name)
	}

	st.images = loadImages(cfg.Library)
	for _, name := range profileFiles(cfg.Profiles) {
		id := strings.TrimSuffix(name, ".json")
		st.profiles[id] = filepath.Join(cfg.Profiles, name)
		st.profileNames = append(st.profileNames, id)
	}
	return st
}

// templateFiles lists the template files of dir as render.LoadDir finds
// them: *.hbs, *.html and *.md, not hidden, not in subdirectories.
func templateFiles(dir string) []string {
	var names []string
	for _, e := range readDir(dir) {
		switch filepath.Ext(e.Name()) {
		case ".hbs", ".html", ".md":
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
	}
	return names
}

// profileFiles lists the *.json files of dir.
func profileFiles(dir string) []string {
	var names []string
	for _, e := range readDir(dir) {
		if !e.IsDir() && filepath.Ext(e.Name()) == ".json" && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// readDir is os.ReadDir, sorted, with a missing directory read as empty:
// New checked the directories exist, and one removed since is an empty list
// until it comes back.
func readDir(dir string) []os.DirEntry {
	entries, _ := os.ReadDir(dir)
	slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries
}

// problemsFor returns the load problems that concern a template: the
// library's, and those in the files it is made of. While it does not load,
// that includes every partial and layout, since its includes are unknown.
func (st *state) problemsFor(name string) []Problem {
	e := st.templates[name]
	files := map[string]bool{}
	if e != nil {
		files[filepath.Clean(e.path)] = true
		if e.tpl != nil {
			for _, f := range e.tpl.Files() {
				files[filepath.Clean(f)] = true
			}
		}
	}
	var out []Problem
	for _, p := range st.problems {
		switch {
		case p.Where == "library", files[filepath.Clean(p.File)]:
			out = append(out, p)
		case e != nil && e.broken && !isTopLevel(p.File, e.path):
			out = append(out, p)
		}
	}
	return out
}

// isTopLevel reports whether file is a template beside tpl, rather than a
// partial or layout below it.
func isTopLevel(file, tpl string) bool {
	return filepath.Dir(filepath.Clean(file)) == filepath.Dir(filepath.Clean(tpl))
}
