package render

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/internal/cputime"
	"github.com/offermail/offermail/render/message"
	"github.com/rogpeppe/go-internal/diff"
)

// TestOutputAppendMIME checks that a message encoded straight from the
// buffers of ExecuteTo, one Output reused for every sample template and
// profile, has the bytes of the Message that Execute returns — which
// encodes its HTML whole, where Output copies in the encoding of the
// compiled pieces' lines (message.PieceAt), as it must for some.
func TestOutputAppendMIME(t *testing.T) {
	date := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var out Output
	var got []byte
	n, noted := 0, 0
	for _, c := range sampleCases(t) {
		name, tmpl, in := c.name, c.tmpl, c.in
		msg, err := tmpl.Execute(in)
		if err != nil {
			continue // a sample that does not render for this profile
		}
		want, err := msg.AppendMIME(nil, "", date)
		if err != nil {
			t.Errorf("%s: Message.AppendMIME: %v", name, err)
			continue
		}
		if err := tmpl.ExecuteTo(&out, in); err != nil {
			t.Errorf("%s: ExecuteTo: %v, where Execute succeeded", name, err)
			continue
		}
		if len(out.pieces) > 0 {
			noted++
		}
		if got, err = out.AppendMIME(got[:0], date); err != nil {
			t.Errorf("%s: Output.AppendMIME: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Output.AppendMIME differs from Message.AppendMIME:\n%s", name, diff.Diff("Message", want, "Output", got))
		}
		n++
	}
	if n == 0 {
		t.Fatal("no sample rendered")
	}
	if noted == 0 {
		t.Error("no sample's HTML holds a piece encoded ahead")
	}
}

// BenchmarkOutputAppendMIME is the MIME step of BenchmarkMessage alone,
// with the notes of where the HTML holds the compiled pieces (pieces: their
// encoding copied in) and without them (whole: the HTML encoded whole).
func BenchmarkOutputAppendMIME(b *testing.B) {
	tmpl, in := newsletterBench(b)
	var out Output
	if err := tmpl.ExecuteTo(&out, in); err != nil {
		b.Fatal(err)
	}
	if len(out.pieces) == 0 {
		b.Fatal("the newsletter's HTML holds no piece encoded ahead")
	}
	date := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	notes := out.pieces
	for _, bc := range []struct {
		name  string
		notes []message.PieceAt
	}{{"pieces", notes}, {"whole", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			out.pieces = bc.notes
			var mime []byte
			b.ReportAllocs()
			defer cputime.Report(b)()
			for b.Loop() {
				var err error
				if mime, err = out.AppendMIME(mime[:0], date); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sampleCase is a sample template with the input of a sample profile.
type sampleCase struct {
	name string // template/profile
	tmpl *Template
	in   *Input
}

// sampleCases is every sample template with every sample profile, and
// the sample offers for its scopes.
func sampleCases(t *testing.T) []sampleCase {
	t.Helper()
	set, err := LoadDir(filepath.Join("..", "templates"), sampleCatalog)
	if err != nil {
		t.Fatalf("LoadDir(templates): %v", err)
	}
	profiles, err := filepath.Glob(filepath.Join("..", "testdata", "profiles", "*.json"))
	if err != nil || len(profiles) == 0 {
		t.Fatalf("no sample profiles: %v", err)
	}
	offers := sampleOffers(t)
	var cases []sampleCase
	for _, tmpl := range set.Templates() {
		for _, p := range profiles {
			in := &Input{Recipient: loadProfile(t, filepath.Base(p)), Campaign: Campaign{ID: "winter-2026", Name: "Winter sale"},
				Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
			cases = append(cases, sampleCase{tmpl.Name() + "/" + strings.TrimSuffix(filepath.Base(p), ".json"), tmpl, offers.forTemplate(in, tmpl)})
		}
	}
	return cases
}
