package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/track"
)

// decideToken is the readable token of a proposition (no secret).
func decideToken(campaign, recipient, activity, placement, offer string) string {
	var none *track.Tracker
	return none.Proposition(track.Proposition{Campaign: campaign, Recipient: recipient, Activity: activity, Placement: placement, Offer: offer})
}

const (
	library  = "../../templates/library"
	tplDir   = "../../templates"
	profiles = "../../testdata/profiles"
	at       = "2026-12-02T09:00:00Z"
)

// run runs the command as main would and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// sampleLibrary copies the sample library's files, so that a test's real
// runs count in a store of their own (LIBRARY/.offermail) rather than in
// the repository's.
func sampleLibrary(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "library")
	files, err := filepath.Glob(filepath.Join(library, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample library files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, dir, map[string]string{filepath.Base(f): string(data)})
	}
	return dir
}

func TestCheckSample(t *testing.T) {
	code, out, errOut := run(t, "check", "--library", library, "--templates", tplDir)
	if code != exitOK || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("check = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckListsEveryError: errors in two library files and a template all
// come out, each at file:line:col, with carets, and exit code 1.
func TestCheckListsEveryError(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"lib/a.yaml": "placements:\n  - {id: hero, content: htm}\n",
		"lib/b.yaml": "rules:\n  - id: adult\n    when: 'profile.age >=> 18'\n",
		"tpl/t.hbs":  "<p>{{#if x}}</p>\n",
	})
	code, _, errOut := run(t, "check", "--library", filepath.Join(dir, "lib"), "--templates", filepath.Join(dir, "tpl"))
	if code != exitInvalid {
		t.Fatalf("check = %d, want %d\n%s", code, exitInvalid, errOut)
	}
	for _, want := range []string{
		filepath.Join(dir, "lib/a.yaml") + ":2:25: content \"htm\" is not valid",
		filepath.Join(dir, "lib/b.yaml") + ":3:26: unexpected token",
		"    " + strings.Repeat(" ", 25) + "^",
		filepath.Join(dir, "tpl/t.hbs") + ":1:",
		"3 error(s)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check output lacks %q:\n%s", want, errOut)
		}
	}
}

type decision struct {
	Propositions []struct {
		Activity, Placement string
		Offers              []struct {
			ID    string
			Score float64
			Rank  int
		}
		Fallback *struct{ ID string }
		Trace    []struct{ Offer, Outcome, Step, Reason string }
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		profile, placement, want string
	}{
		// Gold members get their perk first (group 1 of the hero).
		{"maya-gold-runner.json", "hero", "gold-double-points"},
		// A silver skier in the snow gets the parka (margin-boost 80+15).
		{"lukas-silver-skier.json", "hero", "parka-30"},
		// No tier: the welcome offer.
		{"sam-new-customer.json", "hero", "new-member-welcome"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, "decide", "--library", library, "--activity", "winter-sale", "--placement", tt.placement,
			"--profile", filepath.Join(profiles, tt.profile), "--at", at)
		if code != exitOK {
			t.Fatalf("decide %s = %d\n%s", tt.profile, code, errOut)
		}
		var d decision
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("decide output is not JSON: %v\n%s", err, out)
		}
		p := d.Propositions[0]
		if p.Activity != "winter-sale" || p.Placement != tt.placement || len(p.Offers) != 1 || p.Offers[0].ID != tt.want || p.Offers[0].Rank != 1 {
			t.Errorf("decide %s = %+v, want %s at rank 1", tt.profile, p, tt.want)
		}
		if len(p.Trace) == 0 {
			t.Errorf("decide %s has no trace", tt.profile)
		}
	}
}

func TestDecideFallbackAndItems(t *testing.T) {
	// A draft activity decides nothing; the sidebar takes --items.
	code, out, _ := run(t, "decide", "--library", library, "--activity", "winter-sale", "--placement", "sidebar", "--items", "3",
		"--profile", filepath.Join(profiles, "maya-gold-runner.json"), "--at", at)
	var d decision
	if code != exitOK || json.Unmarshal([]byte(out), &d) != nil || len(d.Propositions[0].Offers) != 3 {
		t.Fatalf("decide --items 3 = %d, %s", code, out)
	}
	// Before the winter sale starts nothing is decided: inactive, no fallback.
	code, out, _ = run(t, "decide", "--library", library, "--activity", "winter-sale", "--placement", "hero",
		"--profile", filepath.Join(profiles, "maya-gold-runner.json"), "--at", "2026-10-01T00:00:00Z")
	d = decision{}
	if code != exitOK || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("decide = %d, %s", code, out)
	}
	if p := d.Propositions[0]; len(p.Offers) != 0 || p.Fallback != nil || p.Trace[0].Outcome != "inactive" {
		t.Errorf("decide before the activity starts = %+v, want nothing, traced inactive", p)
	}
}

func TestDecideErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"bad.json": "{\n  \"id\": \"u1\",\n  \"email\": \"a@example.com\",\n  \"profile\": {\"age\": 3,}\n}\n"})
	maya := filepath.Join(profiles, "maya-gold-runner.json")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing profile flag", []string{"--activity", "winter-sale", "--placement", "hero"}, exitUsage, "needs --profile"},
		{"bad time", []string{"--activity", "winter-sale", "--placement", "hero", "--profile", maya, "--at", "tomorrow"}, exitUsage, "RFC 3339"},
		{"unknown activity", []string{"--activity", "winter-sail", "--placement", "hero", "--profile", maya}, exitUsage, `unknown activity "winter-sail" (did you mean "winter-sale"?)`},
		{"placement not in activity", []string{"--activity", "weekly-digest", "--placement", "banner", "--profile", maya}, exitUsage, `does not use placement "banner"`},
		{"missing profile file", []string{"--activity", "winter-sale", "--placement", "hero", "--profile", "nope.json"}, exitInvalid, "profile file nope.json not found"},
		{"malformed profile", []string{"--activity", "winter-sale", "--placement", "hero", "--profile", filepath.Join(dir, "bad.json")}, exitInvalid, filepath.Join(dir, "bad.json") + ":4:"},
		{"unknown flag", []string{"--activty", "x"}, exitUsage, "unknown flag"},
		{"missing library", []string{"--library", filepath.Join(dir, "nolib"), "--activity", "a", "--placement", "b", "--profile", maya}, exitInvalid, "nolib"},
	}
	for _, tt := range tests {
		args := append([]string{"decide", "--library", library}, tt.args...)
		code, _, errOut := run(t, args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: decide = %d, stderr %q; want %d and %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errOut := run(t, "decied"); code != exitUsage || !strings.Contains(errOut, `unknown command "decied" (did you mean "decide"?)`) {
		t.Errorf("mailpreview decied = %d, %q; want %d, unknown command", code, errOut, exitUsage)
	}
}

func TestRenderFormats(t *testing.T) {
	base := []string{"render", "--library", library, "--template", filepath.Join(tplDir, "newsletter.hbs"),
		"--profile", filepath.Join(profiles, "lukas-silver-skier.json"), "--at", at}
	code, html, errOut := run(t, append(base, "--format", "html")...)
	if code != exitOK || !strings.Contains(html, "Summit parka") {
		t.Fatalf("render html = %d, %s\n%s", code, errOut, html)
	}
	code, text, _ := run(t, append(base, "--format", "text")...)
	if code != exitOK || !strings.Contains(text, "https://northwind.example/go/parka?t=") {
		t.Errorf("render text = %d, want the parka link as text (url):\n%s", code, text)
	}
	code, eml, _ := run(t, append(base, "--format", "eml")...)
	msg, err := mail.ReadMessage(strings.NewReader(eml))
	if code != exitOK || err != nil {
		t.Fatalf("render eml = %d, %v", code, err)
	}
	if got := msg.Header.Get("To"); !strings.Contains(got, "lukas.brenner@example.com") {
		t.Errorf("To = %q", got)
	}
	if got := msg.Header.Get("Date"); got != "Wed, 02 Dec 2026 09:00:00 +0000" {
		t.Errorf("Date = %q, want the decision time", got)
	}
	code, js, _ := run(t, append(base, "--format", "json")...)
	var r struct {
		Subject, Preheader, HTML, Text string
		Propositions                   []json.RawMessage
	}
	if code != exitOK || json.Unmarshal([]byte(js), &r) != nil || r.Subject == "" || r.HTML == "" || r.Text == "" || len(r.Propositions) != 3 {
		t.Errorf("render json = %d, %.300s", code, js)
	}
	if code, _, errOut := run(t, append(base, "--format", "pdf")...); code != exitUsage {
		t.Errorf("render --format pdf = %d, %s; want %d", code, errOut, exitUsage)
	}
}

// TestRenderEscapesProfileData: markup in a profile is escaped, as
// handlebars.js escapes it.
func TestRenderEscapesProfileData(t *testing.T) {
	code, html, errOut := run(t, "render", "--library", library, "--template", filepath.Join(tplDir, "newsletter.hbs"),
		"--profile", filepath.Join(profiles, "script-injection.json"), "--at", at)
	if code != exitOK {
		t.Fatalf("render = %d\n%s", code, errOut)
	}
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "<img src=x") {
		t.Errorf("profile markup reached the HTML unescaped")
	}
	if !regexp.MustCompile(`&lt;script&gt;alert\(&quot;owned&quot;\)`).MatchString(html) {
		t.Errorf("escaped name not found in:\n%.2000s", html)
	}
}

func TestRenderStrict(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"t.hbs": "---\nsubject: Hi\nfrom: a@example.com\n---\n<p>Hi {{profile.firstName}}</p>\n<p>{{profile.lastName}}</p>\n"})
	args := []string{"render", "--library", library, "--template", filepath.Join(dir, "t.hbs"),
		"--profile", filepath.Join(profiles, "sam-new-customer.json"), "--at", at}
	if code, _, errOut := run(t, args...); code != exitOK {
		t.Fatalf("render without --strict = %d, %s; want 0 (missing fields render empty)", code, errOut)
	}
	code, _, errOut := run(t, append(args, "--strict")...)
	want := filepath.Join(dir, "t.hbs") + ":6:6: "
	if code != exitInvalid || !strings.Contains(errOut, want) || !strings.Contains(errOut, "profile.lastName") {
		t.Errorf("render --strict with a missing field = %d, %q; want %d naming profile.lastName at %s", code, errOut, exitInvalid, want)
	}
}

// TestFeedbackTeachesTheModel: clicks imported for one offer make learned
// ranking (rank: model:ctr in the weekly digest) choose it; importing the
// same file again counts nothing; bad lines are reported by line, exit 3.
func TestFeedbackTeachesTheModel(t *testing.T) {
	dir := t.TempDir()
	store := "bolt:" + filepath.Join(dir, "state.db")
	var events strings.Builder
	// 400 recipients, each shown the four offers, half of them clicking
	// trail-runner-20: each (type, token) counts once, so the statistics
	// are one impression per recipient and offer.
	for i := 0; i < 400; i++ {
		token := func(offer string) string {
			return decideToken("winter-2026", fmt.Sprint("u-", i), "weekly-digest", "hero", offer)
		}
		for _, offer := range []string{"trail-runner-20", "headlamp-15", "hydration-vest", "socks-3for2"} {
			fmt.Fprintf(&events, `{"type":"impression","token":%q,"time":"2026-11-20T10:00:00Z"}`+"\n", token(offer))
		}
		if i%2 == 0 {
			fmt.Fprintf(&events, `{"type":"click","token":%q,"time":"2026-11-20T10:01:00Z"}`+"\n", token("trail-runner-20"))
			// A second click of one proposition is the same event.
			fmt.Fprintf(&events, `{"type":"click","token":%q,"time":"2026-11-20T10:02:00Z"}`+"\n", token("trail-runner-20"))
		}
	}
	writeFiles(t, dir, map[string]string{"events.ndjson": events.String(), "bad.ndjson": "{\"type\":\"view\",\"token\":\"x\"}\n\n{nope\n  {\"type\": \"clïck\" x}\n"})
	// Several runners, each decided with the store's statistics: before
	// the import, trail-runner-20 is one of three offers with hero content
	// (a draw from Beta(1, 1) each); after it, the offer with a 50%
	// click-through wins nearly always.
	wins := func(store ...string) int {
		n := 0
		for _, p := range []string{"maya-gold-runner.json", "renee-montreal.json", "teen-runner.json"} {
			for _, seed := range []string{"a", "b", "c", "d"} {
				args := append([]string{"decide", "--library", library, "--activity", "weekly-digest", "--placement", "hero",
					"--profile", filepath.Join(profiles, p), "--at", at, "--seed", seed}, store...)
				code, out, errOut := run(t, args...)
				var d decision
				if code != exitOK || json.Unmarshal([]byte(out), &d) != nil {
					t.Fatalf("decide = %d %s", code, errOut)
				}
				if d.Propositions[0].Offers[0].ID == "trail-runner-20" {
					n++
				}
			}
		}
		return n
	}
	if n := wins(); n >= 11 { // no store: no feedback
		t.Fatalf("trail-runner-20 won %d of 12 decisions before any feedback: the sample library cannot show learning", n)
	}
	code, out, errOut := run(t, "feedback", "--library", library, "--events", filepath.Join(dir, "events.ndjson"), "--store", store)
	if code != exitOK || !strings.Contains(out, "1800 events counted, 200 already counted") {
		t.Fatalf("feedback = %d, %q %q", code, out, errOut)
	}
	if code, out, _ = run(t, "feedback", "--library", library, "--events", filepath.Join(dir, "events.ndjson"), "--store", store); code != exitOK || !strings.Contains(out, "0 events counted, 2000 already counted") {
		t.Errorf("second import = %d, %q; want nothing counted", code, out)
	}
	code, _, errOut = run(t, "feedback", "--library", library, "--events", filepath.Join(dir, "bad.ndjson"), "--store", store)
	if code != exitRejected || !strings.Contains(errOut, "bad.ndjson:1:1: type: \"view\" is not impression or click") || !strings.Contains(errOut, "bad.ndjson:3:3: malformed event") ||
		!strings.Contains(errOut, "bad.ndjson:4:20: malformed event: ") {
		t.Errorf("bad events = %d, %q; want exit 3 naming lines 1, 3 and 4 (col 20, in characters after the indent)", code, errOut)
	}
	if n := wins("--store", store); n < 11 {
		t.Errorf("trail-runner-20 won %d of 12 learned decisions, want nearly all", n)
	}
}

func TestStoreURLErrors(t *testing.T) {
	maya := filepath.Join(profiles, "maya-gold-runner.json")
	base := []string{"decide", "--library", library, "--activity", "winter-sale", "--placement", "hero", "--profile", maya, "--at", at}
	tests := []struct {
		store string
		code  int
	}{
		{"ftp://x", exitUsage},
		{"bolt:", exitUsage},
		{"redis://127.0.0.1:1/0?namespace={x}", exitUsage},
		{"redis://127.0.0.1:1/0", exitFailed}, // nothing listens on port 1
	}
	for _, tt := range tests {
		if code, _, errOut := run(t, append(base, "--store", tt.store)...); code != tt.code {
			t.Errorf("decide --store %s = %d (%s), want %d", tt.store, code, errOut, tt.code)
		}
	}
}

// TestShardsWithoutSharedStore: shards without --store and --at still run,
// warn that they are not one run, and together cover every recipient once.
func TestShardsWithoutSharedStore(t *testing.T) {
	dir := t.TempDir()
	lib := sampleLibrary(t)
	seen := map[string]int{}
	for _, shard := range []string{"1/2", "2/2"} {
		out := filepath.Join(dir, strings.ReplaceAll(shard, "/", "of"))
		code, _, errOut := run(t, "batch", "--library", lib, "--template", filepath.Join(tplDir, "newsletter.hbs"),
			"--recipients", "../../testdata/recipients/customers.ndjson", "--campaign", "shards", "--out", out, "--shard", shard)
		if code != exitOK {
			t.Fatalf("batch --shard %s = %d\n%s", shard, code, errOut)
		}
		for _, want := range []string{"warning: --shard with the embedded store", "warning: --shard without --at"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("batch --shard %s stderr lacks %q:\n%s", shard, want, errOut)
			}
		}
		data, err := os.ReadFile(filepath.Join(out, "decisions.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var d struct{ Recipient string }
			if err := json.Unmarshal([]byte(line), &d); err != nil {
				t.Fatal(err)
			}
			seen[d.Recipient]++
		}
	}
	if len(seen) != 20 {
		t.Errorf("the two shards decided %d recipients, want all 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("recipient %s decided by %d shards", id, n)
		}
	}
}

// TestCheckEveryErrorAcrossLibraryAndTemplates: structural library errors,
// a template error inside offer content and placeholder errors in a
// template are all listed in one run.
func TestCheckEveryErrorAcrossLibraryAndTemplates(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"lib/lib.yaml": `placements:
  - {id: hero, content: html}
rules:
  - {id: r, when: 'profile.age >'}
offers:
  - {id: a, status: bogus, content: {hero: {html: A}}}
  - {id: b, content: {hero: {html: '{{#if profile.x}}B'}}}
collections:
  - {id: c, offers: [a, b]}
activities:
  - {id: act, placements: {hero: {criteria: [{collection: c}]}}}
`,
		"tpl/t.hbs": "{{offer \"act\" placement=\"hero\"}}\n{{offer \"nope\" placement=\"hero\"}}\n",
	})
	code, _, errOut := run(t, "check", "--library", filepath.Join(dir, "lib"), "--templates", filepath.Join(dir, "tpl"))
	lib := filepath.Join(dir, "lib", "lib.yaml")
	for _, want := range []string{
		lib + ":4:", // the rule's syntax error
		lib + ":6:21: status \"bogus\"",
		lib + ":7:37: offer \"b\", content for placement \"hero\" (html): {{#if}} is not closed",
		filepath.Join(dir, "tpl", "t.hbs") + ":2:",
		"4 error(s)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check output lacks %q:\n%s", want, errOut)
		}
	}
	if code != exitInvalid {
		t.Errorf("check = %d, want %d", code, exitInvalid)
	}
}

// TestDryRunsDoNotWriteOrLockStores: a dry run never creates a store (a
// typo'd path is an error, not silent zeros), and a preview server does
// not hold a bbolt store's lock against a real run.
func TestDryRunsDoNotWriteOrLockStores(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.db")
	code, _, errOut := run(t, "decide", "--library", library, "--activity", "winter-sale", "--placement", "hero",
		"--profile", filepath.Join(profiles, "maya-gold-runner.json"), "--at", at, "--store", "bolt:"+typo)
	if code != exitUsage || !strings.Contains(errOut, "no store there") {
		t.Errorf("decide --store with a missing file = %d, %q; want %d", code, errOut, exitUsage)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Errorf("a dry run created %s", typo)
	}

	path := filepath.Join(dir, "state.db")
	w, err := capstore.Open("bolt:" + path)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	counts, stats, closeStore, err := previewStore("bolt:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if _, err := counts.Count(context.Background(), "cap|x|total|all|*|*"); err != nil {
		t.Fatal(err)
	}
	lib, err := decide.LoadFiles(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stats(context.Background(), lib, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A real run opens the store for writing while the preview is up.
	w, err = capstore.Open("bolt:"+path, capstore.WithLockTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatalf("a real run could not open the store the preview reads: %v", err)
	}
	w.Close()
}
