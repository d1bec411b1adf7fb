package message_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/campaign/snapshot"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/render/message"
)

// sample is what Finish was given for one template and profile.
type sample struct {
	name, src, preheader string
}

// samples renders every sample template for every sample profile through
// campaign, the production path, and returns the HTML each produced before
// Finish, with its preheader.
func samples(tb testing.TB) []sample {
	tb.Helper()
	var out []sample
	var last sample
	// Captured before the templates load: they then leave every message
	// to Finish instead of finishing their HTML at load.
	defer message.CaptureFinish(func(src, preheader string) { last = sample{src: src, preheader: preheader} })()
	p, set, profiles, o := sampleProject(tb)
	for _, tpl := range set.Templates() {
		for _, prof := range profiles {
			last = sample{}
			if _, _, err := p.Preview(context.Background(), tpl, prof.Recipient, o); err != nil {
				// A pair that does not render is the golden files' business
				// (a .error file); it gives no HTML to compare here.
				tb.Logf("%s × %s: %v", tpl.Name(), prof.Name, err)
				continue
			}
			if last.src == "" {
				tb.Fatalf("%s × %s: Finish was not called", tpl.Name(), prof.Name)
			}
			last.name = tpl.Name() + "/" + prof.Name
			out = append(out, last)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no sample rendered")
	}
	return out
}

// TestFinishSamples checks, for every sample template × profile, that
// Finish gives premailer's HTML, and the text PlainText reads in it, byte
// for byte, and that it got there by the fast path, so that the comparison
// tests it.
func TestFinishSamples(t *testing.T) {
	for _, s := range samples(t) {
		full := message.WithPreheader(s.src, s.preheader)
		wantHTML, err := message.InlineCSSPremailer(full)
		if err != nil {
			t.Fatalf("%s: premailer: %v", s.name, err)
		}
		wantText, err := message.PlainText(wantHTML)
		if err != nil {
			t.Fatalf("%s: PlainText: %v", s.name, err)
		}
		gotHTML, err := message.InlineCSS(full)
		if err != nil {
			t.Fatalf("%s: InlineCSS: %v", s.name, err)
		}
		if gotHTML != wantHTML {
			t.Errorf("%s: InlineCSS differs from premailer:\n%s", s.name, message.FirstDiff(gotHTML, wantHTML))
		}
		gotHTML, gotText, err := message.Finish(s.src, s.preheader)
		if err != nil {
			t.Fatalf("%s: Finish: %v", s.name, err)
		}
		if gotHTML != wantHTML {
			t.Errorf("%s: Finish html differs from premailer:\n%s", s.name, message.FirstDiff(gotHTML, wantHTML))
		}
		if gotText != wantText {
			t.Errorf("%s: Finish text differs from PlainText:\n%s", s.name, message.FirstDiff(gotText, wantText))
		}
		if why := message.FastPathRefusal(full); why != "" {
			t.Errorf("%s: the fast path refused the sample: %s", s.name, why)
		}
	}
}

// sampleProject loads the sample library, templates and profiles, and the
// options the golden files are made with.
func sampleProject(tb testing.TB) (*campaign.Project, *render.Set, []snapshot.Profile, campaign.Options) {
	tb.Helper()
	p, err := campaign.Load("../../templates/library")
	if err != nil {
		tb.Fatalf("load library: %v", err)
	}
	set, err := p.LoadTemplates("../../templates")
	if err != nil {
		tb.Fatalf("load templates: %v", err)
	}
	profiles, err := snapshot.ReadProfiles("../../testdata/profiles")
	if err != nil {
		tb.Fatalf("read profiles: %v", err)
	}
	o := campaign.Options{
		Campaign: render.Campaign{ID: "preview", Name: "preview"},
		Now:      time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
	}
	return p, set, profiles, o
}

// newsletterSample is the sample newsletter as Finish gets it for Maya.
func newsletterSample(b *testing.B) sample {
	for _, s := range samples(b) {
		if s.name == "newsletter.hbs/maya-gold-runner" {
			return s
		}
	}
	b.Fatal("no newsletter.hbs/maya-gold-runner sample")
	return sample{}
}

// BenchmarkNewsletterFinish is Finish on the sample newsletter with its
// CSS compiled ahead, as render.Template does at load: the CSS inlining
// and the plain text of one message. (Compiled here from the whole
// message, so every element's styling is known ahead; a template knows
// those of its own text, not of offer content.)
func BenchmarkNewsletterFinish(b *testing.B) {
	s := newsletterSample(b)
	st := message.CompileStyles([]string{s.src})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := st.Finish(s.src, s.preheader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewsletterFinishUncompiled is Finish without a template: the
// style sheet compiled for the one message.
func BenchmarkNewsletterFinishUncompiled(b *testing.B) {
	s := newsletterSample(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := message.Finish(s.src, s.preheader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewsletterFinishReference is what Finish replaces: PlainText,
// then premailer on the HTML with its preheader.
func BenchmarkNewsletterFinishReference(b *testing.B) {
	s := newsletterSample(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := message.PlainText(s.src); err != nil {
			b.Fatal(err)
		}
		if _, err := message.InlineCSSPremailer(message.WithPreheader(s.src, s.preheader)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewsletterMessage is one message of the sample newsletter end
// to end, as a batch makes it: decide, render, Finish, MIME.
func BenchmarkNewsletterMessage(b *testing.B) {
	p, err := campaign.Load("../../templates/library")
	if err != nil {
		b.Fatal(err)
	}
	set, err := p.LoadTemplates("../../templates")
	if err != nil {
		b.Fatal(err)
	}
	tpl := set.Lookup("newsletter.hbs")
	profiles, err := snapshot.ReadProfiles("../../testdata/profiles")
	if err != nil {
		b.Fatal(err)
	}
	var r render.Recipient
	for _, prof := range profiles {
		if prof.Name == "maya-gold-runner" {
			r = prof.Recipient
		}
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	o := campaign.Options{Campaign: render.Campaign{ID: "preview", Name: "preview"}, Now: now}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		msg, _, err := p.Preview(ctx, tpl, r, o)
		if err != nil {
			b.Fatal(err)
		}
		if err := msg.WriteMIME(io.Discard, "", now); err != nil {
			b.Fatal(err)
		}
	}
}
