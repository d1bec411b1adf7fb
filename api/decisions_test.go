package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/offermail/offermail/track"
)

// TestDecisionsAnswer: every placement type answers its content rendered
// for the recipient, tokens name the proposition, scopes of one request
// do not repeat an offer, and the counters count what was answered.
func TestDecisionsAnswer(t *testing.T) {
	f := start(t, "", nil)
	a := f.post(t, "/v1/decisions", decisionsBody("u1", ""))
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var got struct {
		DecisionID   string `json:"decisionId"`
		Propositions []struct {
			Activity, Placement string
			Offers              []struct {
				ID      string
				Score   float64
				Rank    int
				Token   string
				Content json.RawMessage
			}
			Fallback *struct {
				ID, Token string
				Content   json.RawMessage
			}
			Trace []any
		}
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.DecisionID) != 32 {
		t.Errorf("decisionId = %q, want 32 hex digits", got.DecisionID)
	}
	type prop struct{ offers, content, fallback string }
	var props []prop
	for _, p := range got.Propositions {
		var pr prop
		for _, o := range p.Offers {
			pr.offers += o.ID + " "
			pr.content += string(o.Content) + " "
			if want := tokenOf(t, "api", "u1", p.Activity, p.Placement, o.ID); o.Token != want {
				t.Errorf("%s/%s offer %s token = %q, want %q", p.Activity, p.Placement, o.ID, o.Token, want)
			}
		}
		if p.Fallback != nil {
			pr.fallback = p.Fallback.ID + " " + string(p.Fallback.Content)
		}
		if p.Trace != nil {
			t.Errorf("%s: a trace nobody asked for", p.Placement)
		}
		props = append(props, pr)
	}
	// scarce goes to the hero (rank by priority), once and plenty to the
	// side (no duplicates); the banner and the app only have offers
	// already shown, so they get the fallback (SPEC §4.3).
	want := []prop{
		{"scarce ", `"<b>Ana &lt;3</b> Scarce &amp; rare" `, ""},
		{"once plenty ", `"O" "P" `, ""},
		{"", "", `fb {"url":"https://cdn.example/f.png","alt":"F","link":""}`},
		{"", "", `fb {"none":true}`},
	}
	if !reflect.DeepEqual(props, want) {
		t.Errorf("propositions =\n%q\nwant\n%q", props, want)
	}
	if n := f.counter(t, scarceKey); n != 1 {
		t.Errorf("scarce's total counter = %d, want 1", n)
	}
	if n := f.counter(t, onceKey("u1")); n != 1 {
		t.Errorf("once's counter of u1 = %d, want 1", n)
	}

	// The same recipient again: once is capped for them now; a request
	// without an Idempotency-Key is a new decision event.
	b := f.post(t, "/v1/decisions", decisionsBody("u1", "")).json(t)
	side := b["propositions"].([]any)[1].(map[string]any)["offers"].([]any)
	if len(side) != 1 || side[0].(map[string]any)["id"] != "plenty" {
		t.Errorf("second request's side offers = %v, want plenty alone (once is capped for u1)", side)
	}
	if b["decisionId"] == got.DecisionID {
		t.Errorf("two requests share decision id %s", got.DecisionID)
	}
	if n := f.counter(t, scarceKey); n != 2 {
		t.Errorf("scarce's total counter = %d after two requests, want 2", n)
	}
}

// TestDecisionsImageAndJSONContent: an image placement answers url, alt
// and link; a json placement the offer's value.
func TestDecisionsImageAndJSONContent(t *testing.T) {
	f := start(t, "", nil)
	for _, tt := range []struct {
		placement string
		want      any
	}{
		{"banner", map[string]any{"url": "https://cdn.example/s.png", "alt": "Scarce for Bo", "link": "https://x.example/s"}},
		{"app", map[string]any{"sku": "S1", "pct": 0.2}},
	} {
		body := `{"recipient": {"id": "u1", "profile": {"name": "Bo"}}, "propositionRequests": [{"activity": "act", "placement": "` + tt.placement + `"}]}`
		got := f.post(t, "/v1/decisions", body).json(t)
		o := got["propositions"].([]any)[0].(map[string]any)["offers"].([]any)[0].(map[string]any)
		if !reflect.DeepEqual(o["content"], tt.want) {
			t.Errorf("%s content = %v, want %v", tt.placement, o["content"], tt.want)
		}
	}
}

// TestDecisionsTrace: trace: true explains every scope, counted or not.
func TestDecisionsTrace(t *testing.T) {
	f := start(t, "", nil)
	for _, extra := range []string{`, "trace": true`, `, "trace": true, "dryRun": true`} {
		got := f.post(t, "/v1/decisions", decisionsBody("u1", extra)).json(t)
		for _, p := range got["propositions"].([]any) {
			tr, _ := p.(map[string]any)["trace"].([]any)
			if len(tr) == 0 {
				t.Errorf("%s: no trace in %v", extra, p)
			}
		}
	}
}

// TestDryRunCountsNothing: dry runs read the counters (a capped offer
// stays capped) and write neither counters nor ledger entries.
func TestDryRunCountsNothing(t *testing.T) {
	f := start(t, "", nil)
	f.post(t, "/v1/decisions", decisionsBody("u1", ""))
	before := []int64{f.counter(t, scarceKey), f.counter(t, onceKey("u1")), f.counter(t, onceKey("u2"))}
	for i := 0; i < 5; i++ {
		for _, r := range []string{"u1", "u2"} {
			a := f.post(t, "/v1/decisions", decisionsBody(r, `, "dryRun": true`), "Idempotency-Key", "dry-"+r)
			if a.status != http.StatusOK {
				t.Fatalf("dry run: %d %s", a.status, a.body)
			}
			side := a.json(t)["propositions"].([]any)[1].(map[string]any)["offers"].([]any)
			first := side[0].(map[string]any)["id"]
			if want := map[string]string{"u1": "plenty", "u2": "once"}[r]; first != want {
				t.Errorf("dry run for %s: first side offer %v, want %s (counters are read)", r, first, want)
			}
		}
		m := f.post(t, "/v1/messages", `{"template": "mail.hbs", "recipient": {"id": "u3", "email": "c@example.com"}, "dryRun": true}`)
		if m.status != http.StatusOK {
			t.Fatalf("dry-run message: %d %s", m.status, m.body)
		}
	}
	after := []int64{f.counter(t, scarceKey), f.counter(t, onceKey("u1")), f.counter(t, onceKey("u2"))}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("counters (scarce, once u1, once u2) = %v after dry runs, %v before", after, before)
	}
	recs, err := f.store.Records(t.Context(), ledgerOf(testAt), []string{"k:dry-u1", "k:dry-u2"})
	if err != nil {
		t.Fatal(err)
	}
	if recs[0] != nil || recs[1] != nil {
		t.Errorf("dry runs wrote ledger entries: %q", recs)
	}
}

// TestDecisionsCampaignAndItems: the campaign member and an integer
// recipient id name the tokens; items overrides the placement's.
func TestDecisionsCampaignAndItems(t *testing.T) {
	f := start(t, "", nil)
	got := f.post(t, "/v1/decisions", `{"recipient": {"id": 1001}, "propositionRequests": [{"activity": "act", "placement": "side", "items": 1}], "campaign": "spring"}`).json(t)
	p := got["propositions"].([]any)[0].(map[string]any)
	offers := p["offers"].([]any)
	if len(offers) != 1 {
		t.Fatalf("items: 1 answered %d offers", len(offers))
	}
	if tok := offers[0].(map[string]any)["token"]; tok != tokenOf(t, "spring", "1001", "act", "side", "scarce") {
		t.Errorf("token %v does not name campaign spring and recipient 1001", tok)
	}
}

func tokenOf(t testing.TB, campaign, recipient, activity, placement, offer string) string {
	t.Helper()
	var none *track.Tracker
	return none.Proposition(track.Proposition{Campaign: campaign, Recipient: recipient, Activity: activity, Placement: placement, Offer: offer})
}

// TestDecisionsSameScopeTwice: one scope asked twice in one request shows
// one decision, counted once (SPEC §4.3).
func TestDecisionsSameScopeTwice(t *testing.T) {
	f := start(t, "", nil)
	got := f.post(t, "/v1/decisions", `{"recipient": {"id": "u1"}, "propositionRequests": [{"activity": "act", "placement": "hero"}, {"activity": "act", "placement": "hero"}]}`).json(t)
	ps := got["propositions"].([]any)
	if len(ps) != 2 {
		t.Fatalf("%d propositions, want 2", len(ps))
	}
	a, _ := json.Marshal(ps[0])
	b, _ := json.Marshal(ps[1])
	if string(a) != string(b) || !strings.Contains(string(a), `"scarce"`) {
		t.Errorf("the same scope twice answered\n%s\n%s", a, b)
	}
	if n := f.counter(t, scarceKey); n != 1 {
		t.Errorf("scarce counted %d times for one scope asked twice, want 1", n)
	}
}
