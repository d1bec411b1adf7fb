package render

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/offermail/offermail/diag"
)

// sampleFS returns the shipped templates directory as a map file system,
// without the offer library.
func sampleFS(t testing.TB) fstest.MapFS {
	root := filepath.Join("..", "templates")
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(root), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "library/") {
			return err
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

// FuzzLoad loads arbitrary template text (as Handlebars or Markdown,
// beside the sample partials and layout) and renders whatever loads. It
// must never panic, every load error must be positioned, and rendering
// may fail but not crash. Rendering stops before the render/message
// post-processing, which is not this package's to fuzz and would slow
// every execution down tenfold. Run it with -fuzzminimizetime 100x: its
// seeds are whole templates, and minimizing each new input for the
// default 60 s leaves it showing a dozen executions and 0/sec.
func FuzzLoad(f *testing.F) {
	base := sampleFS(f)
	for name, file := range base {
		if isTemplate(name) || strings.HasPrefix(name, "partials/") || strings.HasPrefix(name, "layouts/") {
			f.Add(path.Ext(name) == ".md", string(file.Data))
		}
	}
	f.Add(false, offersTemplate)
	f.Add(false, strictTemplate)
	f.Add(true, "| a |\n|---|\n{{#each x}}\n| {{y}} |\n{{/each}}\n- a\n{{#if b}}\n- c\n{{/if}}\n")
	in := &Input{
		Recipient: Recipient{ID: "u-1", Email: "a@example.com", Profile: map[string]any{
			"firstName": "Maya", "interests": []any{"run"}, "loyalty": map[string]any{"tier": "gold", "points": 12.0},
			"lastOrder": map[string]any{"id": "1", "date": "2026-11-20T14:03:00Z", "total": 5.0, "currency": "USD", "items": []any{map[string]any{"name": "x", "qty": 1.0, "price": 5.0}}},
		}},
		Campaign: Campaign{ID: "c"}, Now: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
	}
	offers := sampleOffers(f)
	f.Fuzz(func(t *testing.T, markdown bool, src string) {
		name := "main.hbs"
		if markdown {
			name = "main.md"
		}
		fsys := fstest.MapFS{name: &fstest.MapFile{Data: []byte(src)}}
		for p, file := range base {
			if strings.Contains(p, "/") { // partials and layouts
				fsys[p] = file
			}
		}
		set, err := LoadFS(fsys, sampleCatalog)
		if err != nil {
			var list diag.List
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("LoadFS error %T is not a non-empty diag.List: %v", err, err)
			}
			for _, e := range list {
				if e.File == "" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("LoadFS error without a position: %#v", e)
				}
			}
		}
		for _, tmpl := range set.Templates() {
			in := offers.forTemplate(in, tmpl)
			in.Strict = len(src)%2 == 0
			_, _, _ = tmpl.execute(in)
		}
	})
}
