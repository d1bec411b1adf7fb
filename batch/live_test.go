package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/internal/redistest"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

// liveLibrary ranks three offers for the hero by a model that has learned
// nothing yet: every offer samples from Beta(1, 1).
const liveLibrary = `placements:
  - {id: hero, content: html}
offers:
  - {id: a, content: {hero: {html: A}}}
  - {id: b, content: {hero: {html: B}}}
  - {id: c, content: {hero: {html: C}}}
collections:
  - {id: all, offers: [a, b, c]}
fallbacks:
  - {id: fb, content: {hero: {html: F}}}
activities:
  - {id: pick, fallback: fb, placements: {hero: {criteria: [{collection: all, rank: 'model:ctr'}]}}}
`

// liveRun is one run of the TestBatchLearnsLive tests: 60 recipients decided 20 per
// store round trip, whose source holds recipient 21 back until event,
// when set, has been called once recipient 20 was delivered.
type liveRun struct {
	store string
	// clock is the statistics' clock (track.Live's): a run's re-reads
	// happen when a test moves it, not when the wall clock does.
	clock func() time.Time
	// event is called between recipient 20 and 21 with the run's store
	// (a bbolt file is open in one place at a time).
	event func(t *testing.T, st decide.Store)
	// stop, instead, stops the run (ErrInterrupted) at its first
	// delivery, as a crash or Ctrl-C would: the first 20 recipients are
	// decided, in the ledger, and none is done. dir, when set, is the
	// run's directory (a resumed run's).
	stop bool
	dir  string
}

const liveN, liveK = 60, 20

func (lr liveRun) run(t *testing.T, p *campaign.Project, tpl *render.Template) []byte {
	data, _ := lr.runReport(t, p, tpl)
	return data
}

func (lr liveRun) runReport(t *testing.T, p *campaign.Project, tpl *render.Template) ([]byte, *Report) {
	t.Helper()
	out := lr.dir
	if out == "" {
		out = filepath.Join(t.TempDir(), "out")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := capstore.Open(lr.store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	delivered := make(chan struct{})
	var once sync.Once
	held := func(yield func(*recipients.Record) bool) {
		for i := range liveN {
			if i == liveK && lr.stop {
				<-ctx.Done()
				return
			}
			if i == liveK && lr.event != nil {
				<-delivered
				lr.event(t, st)
			}
			id := fmt.Sprintf("r%02d", i)
			if !yield(&recipients.Record{ID: id, Email: id + "@example.com"}) {
				return
			}
		}
	}
	sink := SinkFunc(func(_ context.Context, m *Message) error {
		if lr.stop {
			// The first batch is in the ledger, nothing delivered.
			cancel()
			return context.Canceled
		}
		if m.Recipient.ID == fmt.Sprintf("r%02d", liveK-1) {
			once.Do(func() { close(delivered) })
		}
		return nil
	})
	r := &Runner{
		Project: p, Template: tpl, Campaign: render.Campaign{ID: "live"}, At: decisionAt,
		Source: Records(iter.Seq[*recipients.Record](held)), Store: st, Sink: sink, Dir: out,
		Workers: 1, BatchSize: liveK, Live: track.NewLive(st, time.Second, lr.clock),
	}
	rep, err := r.Run(ctx)
	if lr.stop && !errors.Is(err, ErrInterrupted) {
		t.Fatalf("run stopped after recipient %d = %v, want ErrInterrupted", liveK, err)
	} else if !lr.stop && err != nil {
		t.Fatal(err)
	}
	if lr.stop {
		return nil, nil
	}
	data, err := os.ReadFile(filepath.Join(out, decisionsFile))
	if err != nil {
		t.Fatal(err)
	}
	// Lines are in the order recipients finished, which concurrent
	// deciders vary; what each line says is the run's.
	lines := bytes.SplitAfter(data, []byte("\n"))
	slices.SortFunc(lines, bytes.Compare)
	return bytes.Join(lines, nil), rep
}

// liveProject loads liveLibrary and a template of its one placeholder.
func liveProject(t *testing.T) (*campaign.Project, *render.Template) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lib.yaml"), []byte(liveLibrary), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := campaign.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := p.LoadTemplate(writeTemplate(t, "pick.hbs", "---\nsubject: Hi\nfrom: news@example.com\n---\n<p>{{offer \"pick\" placement=\"hero\"}}</p>\n"))
	if err != nil {
		t.Fatal(err)
	}
	return p, tpl
}

// liveStores make a new store URL of each kind.
var liveStores = map[string]func(t *testing.T) string{
	"bolt":  func(t *testing.T) string { return "bolt:" + filepath.Join(t.TempDir(), "state.db") },
	"redis": func(t *testing.T) string { return redistest.Start(t).URL(t) },
}

// liveClicks records that offer b was clicked by everyone it was shown
// to, a and c by nobody: Beta(201, 1) against Beta(1, 201).
func liveClicks(t *testing.T, st decide.Store) {
	t.Helper()
	var events []track.Event
	for i := range 200 {
		for _, offer := range []string{"a", "b", "c"} {
			prop := track.Proposition{Campaign: "earlier", Recipient: fmt.Sprint("v", i), Activity: "pick", Placement: "hero", Offer: offer}
			events = append(events, track.Event{Type: track.Impression, Prop: prop, Time: decisionAt})
			if offer == "b" {
				events = append(events, track.Event{Type: track.Click, Prop: prop, Time: decisionAt})
			}
		}
	}
	rec := &track.Recorder{Store: st, Now: func() time.Time { return decisionAt }}
	if _, err := rec.Record(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}

// TestBatchLearnsLive, on bbolt and on a real Redis: clicks recorded in
// the store while a run goes on move the decisions of the recipients it
// decides after its statistics are re-read (SPEC §10, "within a second"),
// not of those decided before. Without a re-read, or re-reading with no
// new events, the run decides what it decides on the statistics of its
// start, to the byte.
func TestBatchLearnsLive(t *testing.T) {
	p, tpl := liveProject(t)
	for name, newStore := range liveStores {
		t.Run(name, func(t *testing.T) {
			clicks := liveClicks
			frozen := func() time.Time { return decisionAt }

			// Re-reading before every batch, no events: the same bytes as
			// reading once.
			var ticks atomic.Int64
			everyCall := func() time.Time { return decisionAt.Add(time.Duration(ticks.Add(1)) * time.Second) }
			base := liveRun{store: newStore(t), clock: frozen}.run(t, p, tpl)
			reread := liveRun{store: newStore(t), clock: everyCall}.run(t, p, tpl)
			if !bytes.Equal(base, reread) {
				t.Errorf("re-reading unchanged statistics changed the decisions:\n%s\nwant\n%s", reread, base)
			}

			// Events, but the statistics are younger than a second: not
			// read again yet.
			stale := liveRun{store: newStore(t), clock: frozen, event: clicks}.run(t, p, tpl)
			if !bytes.Equal(base, stale) {
				t.Errorf("events within the statistics' second changed the decisions:\n%s\nwant\n%s", stale, base)
			}

			// Events, then the second passes: recipients 21 to 60 learn.
			var now atomic.Int64
			now.Store(decisionAt.UnixNano())
			moved := liveRun{store: newStore(t), clock: func() time.Time { return time.Unix(0, now.Load()).UTC() }, event: func(t *testing.T, st decide.Store) {
				clicks(t, st)
				now.Add(int64(time.Second))
			}}.run(t, p, tpl)

			first, later := livePicks(t, base), livePicks(t, moved)
			baseB := 0
			for i := range liveN {
				id := fmt.Sprintf("r%02d", i)
				if i < liveK {
					if later[id] != first[id] {
						t.Errorf("recipient %s, decided before the events, got %s, want %s as without them", id, later[id], first[id])
					}
					continue
				}
				if later[id] != "b" {
					t.Errorf("recipient %s, decided after the events, got %s, want the clicked offer b", id, later[id])
				}
				if first[id] == "b" {
					baseB++
				}
			}
			// Without the events b is one offer of three: the test would
			// see a run that did not learn.
			if baseB == liveN-liveK {
				t.Fatalf("without events b was chosen for all %d later recipients; the test cannot tell learning from chance", baseB)
			}
		})
	}
}

// TestBatchLearnsLiveOnResume, on bbolt and on a real Redis: a run stopped
// once its first batch was decided, before any message, is resumed after
// clicks were recorded. The recipients it had decided keep their
// decisions (replayed from the ledger); the others are decided on the new
// statistics.
func TestBatchLearnsLiveOnResume(t *testing.T) {
	p, tpl := liveProject(t)
	for name, newStore := range liveStores {
		t.Run(name, func(t *testing.T) {
			frozen := func() time.Time { return decisionAt }
			base := livePicks(t, liveRun{store: newStore(t), clock: frozen}.run(t, p, tpl))
			store, dir := newStore(t), filepath.Join(t.TempDir(), "out")
			liveRun{store: store, clock: frozen, stop: true, dir: dir}.run(t, p, tpl)
			st, err := capstore.Open(store)
			if err != nil {
				t.Fatal(err)
			}
			liveClicks(t, st)
			st.Close()
			data, rep := liveRun{store: store, clock: frozen, dir: dir}.runReport(t, p, tpl)
			if a := rep.Attempt; a.Replayed != liveK || a.Recipients != liveN {
				t.Errorf("resumed attempt: %d recipients, %d replayed from the ledger; want %d and %d", a.Recipients, a.Replayed, liveN, liveK)
			}
			resumed := livePicks(t, data)
			for i := range liveN {
				id := fmt.Sprintf("r%02d", i)
				if i < liveK && resumed[id] != base[id] {
					t.Errorf("recipient %s, decided before the stop, got %s after the resume, want %s as decided", id, resumed[id], base[id])
				}
				if i >= liveK && resumed[id] != "b" {
					t.Errorf("recipient %s, decided by the resumed run, got %s, want the clicked offer b", id, resumed[id])
				}
			}
		})
	}
}

// livePicks reads decisions.ndjson: recipient → the hero's offer.
func livePicks(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "d")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, decisionsFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	picks := map[string]string{}
	for id, d := range readDecisions(t, out) {
		if len(d.Propositions) != 1 || len(d.Propositions[0].Offers) != 1 {
			t.Fatalf("recipient %s: %+v, want one offer", id, d)
		}
		picks[id] = d.Propositions[0].Offers[0].ID
	}
	if len(picks) != liveN {
		t.Fatalf("%d recipients decided, want %d", len(picks), liveN)
	}
	return picks
}
