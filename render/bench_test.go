package render

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/offermail/offermail/internal/cputime"
)

// newsletterBench loads the sample newsletter and an input for Maya whose
// decisions are fixed.
func newsletterBench(b testing.TB) (*Template, *Input) {
	tmpl, err := LoadFile(filepath.Join("..", "templates", "newsletter.hbs"), sampleCatalog)
	if err != nil {
		b.Fatal(err)
	}
	in := &Input{Recipient: loadProfile(b, "maya-gold-runner.json"), Campaign: Campaign{ID: "winter-2026", Name: "Winter sale"},
		Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Propositions: sampleOffers(b).props(tmpl.Scopes())}
	return tmpl, in
}

// BenchmarkRender is one recipient of the newsletter through Execute: the
// decisions (given), body, layout, partial, three placeholders, subject,
// and the render/message post-processing (plain text, preheader, CSS).
func BenchmarkRender(b *testing.B) {
	tmpl, in := newsletterBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Execute(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderTemplate is BenchmarkRender without the render/message
// post-processing: the work of this package alone, into buffers reused
// from one recipient to the next as a batch reuses them.
func BenchmarkRenderTemplate(b *testing.B) {
	tmpl, in := newsletterBench(b)
	var out Output
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		if err := tmpl.executeTo(&out, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMIME is BenchmarkRender followed by writing the message
// as MIME.
func BenchmarkRenderMIME(b *testing.B) {
	tmpl, in := newsletterBench(b)
	date := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		m, err := tmpl.Execute(in)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.WriteMIME(io.Discard, "", date); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessage is one full message of the newsletter, as a batch
// makes it after deciding: the template executed with its HTML finished
// at load (CSS inlined, text compiled), then MIME, into buffers reused
// from one message to the next (render.Output.AppendMIME, as a batch
// encodes).
func BenchmarkMessage(b *testing.B) {
	benchmarkMessage(b, (*Template).ExecuteTo)
}

// BenchmarkMessageReference is BenchmarkMessage the reference way: the
// rendered HTML parsed, its CSS inlined and its text derived per message.
func BenchmarkMessageReference(b *testing.B) {
	benchmarkMessage(b, (*Template).executeReference)
}

func benchmarkMessage(b *testing.B, exec func(*Template, *Output, *Input) error) {
	tmpl, in := newsletterBench(b)
	if tmpl.doc == nil {
		b.Fatalf("newsletter not compiled: %v", tmpl.docErr)
	}
	date := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	// A recipient id of its own per message, as in a batch: the offers'
	// links carry it, so no two messages have the same markup.
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = fmt.Sprintf("u-%07d", i)
	}
	var out Output
	var mime []byte
	b.ReportAllocs()
	defer cputime.Report(b)()
	i := 0
	for b.Loop() {
		in.Recipient.ID = ids[i%len(ids)]
		i++
		if err := exec(tmpl, &out, in); err != nil {
			b.Fatal(err)
		}
		// Encoded straight from the buffers, as a batch's workers do.
		var err error
		if mime, err = out.AppendMIME(mime[:0], date); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderParallel renders from every CPU at once with one
// template.
func BenchmarkRenderParallel(b *testing.B) {
	tmpl, in := newsletterBench(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := tmpl.execute(in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestConcurrentExecute renders different recipients from many goroutines
// with one template and checks each result against a sequential render.
// Run with -race.
func TestConcurrentExecute(t *testing.T) {
	tmpl, base := newsletterBench(t)
	const n = 64
	inputs := make([]*Input, n)
	want := make([]string, n)
	for i := range inputs {
		in := *base
		in.Recipient.ID = fmt.Sprintf("u-%d", i)
		in.Recipient.Profile = map[string]any{"firstName": fmt.Sprintf("Name%d", i), "loyalty": map[string]any{"tier": "gold", "points": float64(i * 1000)}}
		inputs[i] = &in
		_, html, err := tmpl.execute(&in)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = html
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range n {
				i := (k + g*7) % n
				_, html, err := tmpl.execute(inputs[i])
				if err != nil || html != want[i] {
					t.Errorf("concurrent Execute for %s differs from the sequential one (err %v)", inputs[i].Recipient.ID, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
