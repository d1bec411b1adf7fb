package preview

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

func TestRenderChoosesAndExplains(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	tests := []struct {
		profile string
		// the hero offer the library gives this profile at testAt, and a
		// line of its content
		offer, content string
		// a candidate the trace must explain
		other, outcome, step string
	}{
		// Gold members see their perk first (group 1); the wine tasting
		// qualified too but the only slot was taken.
		{"maya-gold-runner", "gold-double-points", "Double points all December, Maya", "wine-tasting", "eligible", ""},
		// A silver skier in the snow: the parka wins on margin-boost.
		{"lukas-silver-skier", "parka-30", "30% off the Summit parka", "gold-double-points", "dropped", "eligibility"},
		// No tier: the welcome offer; Black Friday is over.
		{"sam-new-customer", "new-member-welcome", "Welcome to Northwind, Sam!", "black-friday", "dropped", "dates"},
	}
	for _, tt := range tests {
		r := mustRender(t, ts, "offers.hbs", tt.profile)
		if !strings.Contains(r.HTML, tt.content) {
			t.Errorf("%s: html lacks %q:\n%s", tt.profile, tt.content, r.HTML)
		}
		hero := r.Decisions.Propositions[0]
		if hero.Placement != "hero" || len(hero.Offers) != 1 || hero.Offers[0].ID != tt.offer || hero.Offers[0].Rank != 1 {
			t.Errorf("%s: hero = %+v, want %s at rank 1", tt.profile, hero.Offers, tt.offer)
		}
		found := false
		for _, e := range hero.Trace {
			if e.Offer == tt.other && e.Outcome == tt.outcome && e.Step == tt.step && e.Reason != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: trace does not show %s %s %s: %+v", tt.profile, tt.other, tt.outcome, tt.step, hero.Trace)
		}
	}
}

func TestRenderMessage(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	r := mustRender(t, ts, "offers.hbs", "maya-gold-runner")
	if r.Subject != "Hi Maya" || r.At != "2026-12-02T09:00:00Z" {
		t.Errorf("render = subject %q at %q, want Hi Maya at 2026-12-02T09:00:00Z", r.Subject, r.At)
	}
	// The layout's CSS is inlined, as for a real send.
	if !strings.Contains(r.HTML, `<h1 id="greeting" style="color:#123456">Hello Maya</h1>`) {
		t.Errorf("html lacks the inlined heading:\n%s", r.HTML)
	}
	if !strings.Contains(r.Text, "Double points all December, Maya") {
		t.Errorf("text lacks the offer:\n%s", r.Text)
	}
	for _, want := range []string{"Subject: Hi Maya\r\n", "Date: Wed, 02 Dec 2026 09:00:00 +0000\r\n", "Content-Type: multipart/alternative;"} {
		if !strings.Contains(r.EML, want) {
			t.Errorf("eml lacks %q:\n%s", want, r.EML)
		}
	}
	// The footer writes out a field no sample profile has.
	wantMissing := filepath.Join(p.templates, "partials", "footer.hbs")
	if len(r.Missing) != 1 || r.Missing[0].Field != "profile.nickname" || r.Missing[0].File != wantMissing || r.Missing[0].Line != 1 || r.Missing[0].Col != 29 {
		t.Errorf("missing = %+v, want profile.nickname at %s:1:29", r.Missing, wantMissing)
	}
}

// TestRenderEscapesProfile: profile data reaches the email escaped as
// Handlebars escapes it, and the page's API hands it over as JSON data.
func TestRenderEscapesProfile(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	r := mustRender(t, ts, "offers.hbs", "script-injection")
	if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<img src=x") {
		t.Errorf("profile markup reached the html unescaped:\n%s", r.HTML)
	}
	// The CSS inliner writes the HTML out again, which leaves = unescaped
	// in text; < and > stay escaped.
	for _, want := range []string{"Hello &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;", "in &lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("html lacks %q:\n%s", want, r.HTML)
		}
	}
}

func TestRenderEditedProfile(t *testing.T) {
	p := newProject(t)
	_, ts := start(t, p.config())
	path := filepath.Join(p.profiles, "maya-gold-runner.json")
	before, _ := os.ReadFile(path)
	edited := strings.Replace(string(before), `"firstName": "Maya"`, `"firstName": "Zoë"`, 1)

	code, r := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner", ProfileJSON: edited})
	if code != http.StatusOK || !r.Rendered || r.Subject != "Hi Zoë" {
		t.Errorf("render with edited profile = %d, subject %q, want Hi Zoë", code, r.Subject)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("rendering an edited profile changed %s", path)
	}

	broken := "{\n  \"id\": \"u-1001\",\n  \"email\": \"maya.chen@example.com\",\n  \"profile\": {\"age\": 34,}\n}\n"
	code, r = postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner", ProfileJSON: broken})
	if code != http.StatusOK || r.Rendered || len(r.Problems) != 1 {
		t.Fatalf("render with broken profile = %d, rendered %v, problems %+v; want 200, false, one problem", code, r.Rendered, r.Problems)
	}
	pr := r.Problems[0]
	if pr.Where != "profile" || pr.At() != "maya-gold-runner.json (edited):4:25" || pr.Source != `  "profile": {"age": 34,}` || pr.Caret != strings.Repeat(" ", 24)+"^" {
		t.Errorf("problem = %s, want profile at maya-gold-runner.json (edited):4:25 with the line and a caret", problemText(r.Problems))
	}
}

func TestRenderDecisionTime(t *testing.T) {
	p := newProject(t)
	cfg := p.config()
	cfg.At = time.Time{}
	cfg.Now = func() time.Time { return time.Date(2026, 12, 24, 18, 30, 0, 0, time.FixedZone("EST", -5*3600)) }
	_, ts := start(t, cfg)

	// No time from the page and no default: the clock, read per request.
	if r := mustRender(t, ts, "offers.hbs", "maya-gold-runner"); r.At != "2026-12-24T23:30:00Z" {
		t.Errorf("render without a time: at %q, want the clock's 2026-12-24T23:30:00Z", r.At)
	}
	// Before the winter sale nothing is decided, and the trace says why.
	code, r := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner", At: "2026-10-01T00:00:00Z"})
	if code != http.StatusOK || r.At != "2026-10-01T00:00:00Z" {
		t.Fatalf("render at 2026-10-01 = %d, at %q", code, r.At)
	}
	hero := r.Decisions.Propositions[0]
	if len(hero.Offers) != 0 || hero.Fallback != nil || len(hero.Trace) != 1 || hero.Trace[0].Outcome != "inactive" || !strings.Contains(hero.Trace[0].Reason, "not running") {
		t.Errorf("hero before the sale = %+v, want nothing, traced inactive", hero)
	}
	if code, _ := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner", At: "next tuesday"}); code != http.StatusBadRequest {
		t.Errorf("render at %q = %d, want %d", "next tuesday", code, http.StatusBadRequest)
	}
}

// readOnlyStore serves counters and fails the test on any write.
type readOnlyStore struct {
	decide.SuppressionList // never called: the preview does not read it
	t                      *testing.T
	reads                  atomic.Int64
	values                 func(key string) int64
}

func (s *readOnlyStore) Counts(_ context.Context, keys []string) ([]int64, error) {
	s.reads.Add(int64(len(keys)))
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = s.values(k)
	}
	return out, nil
}

func (s *readOnlyStore) Reserve(context.Context, []decide.Reservation) ([]decide.Outcome, error) {
	s.t.Error("the preview reserved counters")
	return nil, nil
}

func (s *readOnlyStore) Add(context.Context, []decide.Delta) error {
	s.t.Error("the preview added to counters")
	return nil
}

func (s *readOnlyStore) Records(context.Context, string, []string) ([][]byte, error) { return nil, nil }
func (s *readOnlyStore) Close() error                                                { return nil }

// TestCapsAreReadNeverWritten: with Maya's monthly Gold perk used up in
// the store, the preview shows the cap with its counter and limit, picks
// the next offer, and writes nothing however often it renders.
func TestCapsAreReadNeverWritten(t *testing.T) {
	p := newProject(t)
	store := &readOnlyStore{t: t, values: func(key string) int64 {
		if strings.HasPrefix(key, "cap|gold-double-points|profile|") && strings.HasSuffix(key, "|u-1001") {
			return 1
		}
		return 0
	}}
	cfg := p.config()
	cfg.Counts = decide.StoreCounts(store)
	_, ts := start(t, cfg)
	for i := 0; i < 3; i++ {
		r := mustRender(t, ts, "offers.hbs", "maya-gold-runner")
		hero := r.Decisions.Propositions[0]
		if len(hero.Offers) != 1 || hero.Offers[0].ID != "wine-tasting" {
			t.Fatalf("hero with the perk capped = %+v, want wine-tasting", hero.Offers)
		}
		capped := false
		for _, e := range hero.Trace {
			if e.Offer == "gold-double-points" && e.Step == "capped" && e.Counter != nil && *e.Counter == 1 && e.Limit != nil && *e.Limit == 1 {
				capped = true
			}
		}
		if !capped {
			t.Errorf("trace does not show gold-double-points capped at counter 1, limit 1: %+v", hero.Trace)
		}
	}
	if store.reads.Load() == 0 {
		t.Error("the preview never read the counters")
	}
}

func TestRenderErrorForRecipient(t *testing.T) {
	p := newProject(t)
	p.write(t, "templates/dated.hbs", "---\nfrom: news@northwind.example\n---\n<p>{{formatDate profile.city}}</p>\n")
	_, ts := start(t, p.config())
	code, r := postRender(t, ts, renderRequest{Template: "dated.hbs", Profile: "maya-gold-runner"})
	if code != http.StatusOK || r.Rendered || len(r.Problems) != 1 {
		t.Fatalf("render = %d, rendered %v, problems %+v; want 200, false, one problem", code, r.Rendered, r.Problems)
	}
	pr := r.Problems[0]
	want := filepath.Join(p.templates, "dated.hbs") + ":4:6"
	if pr.Where != "render" || pr.At() != want || !strings.Contains(pr.Message, `"Portland" is not`) || pr.Source != "<p>{{formatDate profile.city}}</p>" || pr.Caret != "     ^" {
		t.Errorf("problem =\n%s\nwant render error at %s with its line and caret", problemText(r.Problems), want)
	}
	// The same template renders for a profile without a city.
	mustRender(t, ts, "dated.hbs", "sam-new-customer")
}

// TestRenderLearnsAsOfPageTime: learned ranking reads the store's
// statistics with a model's window ending at the page's decision time,
// not at the server's start: 200 impressions of socks-3for2 without a
// click on 2026-11-20 weigh on a decision of 2026-11-21 (7-day window),
// not on one of 2026-12-02, when Maya's draw from Beta(1,1) picks it.
func TestRenderLearnsAsOfPageTime(t *testing.T) {
	p := newProject(t)
	p.write(t, "templates/library/models.yaml", "models:\n  - {id: ctr, window: 7d}\n")
	p.write(t, "templates/hero.hbs", "---\nfrom: news@northwind.example\n---\n{{offer \"weekly-digest\" placement=\"hero\"}}\n")
	store := capstore.NewMemory()
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var events []track.Event
	for i := range 200 {
		events = append(events, track.Event{Type: track.Impression, Time: day,
			Prop: track.Proposition{Campaign: "digest", Recipient: fmt.Sprint("v", i), Activity: "weekly-digest", Placement: "hero", Offer: "socks-3for2"}})
	}
	rec := &track.Recorder{Store: store, Now: func() time.Time { return day }}
	if _, err := rec.Record(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	cfg := p.config()
	cfg.Stats = track.NewLive(store, 0, nil).Stats
	cfg.Campaign = render.Campaign{ID: "preview", Name: "preview"} // as the command's default: the golden files' draws
	_, ts := start(t, cfg)
	for _, tc := range []struct{ at, want string }{
		{"2026-11-21T09:00:00Z", "hydration-vest"},
		{"2026-12-02T09:00:00Z", "socks-3for2"},
		{"2026-11-26T09:00:00Z", "hydration-vest"}, // the window's last day
		{"2026-11-27T09:00:00Z", "socks-3for2"},
	} {
		code, r := postRender(t, ts, renderRequest{Template: "hero.hbs", Profile: "maya-gold-runner", At: tc.at})
		if code != http.StatusOK || r.Decisions == nil || len(r.Decisions.Propositions) != 1 || len(r.Decisions.Propositions[0].Offers) != 1 {
			t.Fatalf("render at %s = %d, %+v", tc.at, code, r)
		}
		if got := r.Decisions.Propositions[0].Offers[0].ID; got != tc.want {
			t.Errorf("hero at %s = %s, want %s", tc.at, got, tc.want)
		}
	}
}

// TestRenderStatsUnreadable: a store whose statistics cannot be read
// still gets the page its message, decided without feedback, and says so.
func TestRenderStatsUnreadable(t *testing.T) {
	p := newProject(t)
	cfg := p.config()
	cfg.Stats = func(context.Context, *decide.Library, time.Time) (decide.Stats, error) {
		return nil, fmt.Errorf("redis down: %w", decide.ErrStoreUnavailable)
	}
	_, ts := start(t, cfg)
	code, r := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner"})
	if code != http.StatusOK || !r.Rendered || !strings.Contains(problemText(r.Problems), "read feedback for learned ranking (decided without it): redis down") {
		t.Errorf("render with the statistics unreadable = %d, rendered %v, problems %s", code, r.Rendered, problemText(r.Problems))
	}
}
