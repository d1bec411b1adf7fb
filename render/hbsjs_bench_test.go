package render

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/offermail/offermail/internal/cputime"
)

// BenchmarkRenderHbsjsKit renders the northwind kit's newsletter (layout,
// partials, hostile-free data/maya.json) up to the HTML before CSS
// inlining, into reused buffers: the work handlebars.js does for the same
// template and data in testdata/hbsjs/bench.mjs, whose figure is compared
// with this one's cpu-ns/op (the README's performance table).
func BenchmarkRenderHbsjsKit(b *testing.B) {
	dir := filepath.Join("testdata", "hbsjs", "emails", "northwind")
	data, err := os.ReadFile(filepath.Join(dir, "data", "maya.json"))
	if err != nil {
		b.Fatal(err)
	}
	c := &hbsCase{Data: string(data), dir: dir, file: "newsletter.hbs"}
	want, err := runCase(c)
	if err != nil {
		b.Fatal(err)
	}
	set, err := LoadFS(os.DirFS(dir), sampleCatalog)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := set.Lookup("newsletter.hbs")
	in := kitInput(b, string(data))
	var out Output
	if err := tmpl.executeTo(&out, in, nil); err != nil || string(out.HTML) != want {
		b.Fatalf("the kit renders differently here (err %v)", err)
	}
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		if err := tmpl.executeTo(&out, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// kitInput is the Input runEmailCase renders a kit's data with.
func kitInput(b *testing.B, data string) *Input {
	v, order, err := decodeOrdered(data)
	if err != nil {
		b.Fatal(err)
	}
	return emailInput(v, order)
}
