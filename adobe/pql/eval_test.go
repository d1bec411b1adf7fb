package pql

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
)

// holds translates a PQL rule, loads it into a library as an offer's
// eligibility and tells whether the engine finds the offer eligible for
// the profile and context at now: the translation's meaning, measured by
// the engine that runs it.
func holds(t *testing.T, src, profile, context string, now time.Time) bool {
	t.Helper()
	expr, err := Translate(src, Rule)
	if err != nil {
		t.Fatalf("Translate(%s): %v", src, err)
	}
	lib, err := decide.LoadFiles([]decide.File{{Name: "lib.yaml", Data: []byte(`
placements: [{id: p, content: text}]
rules: [{id: r, when: '` + strings.ReplaceAll(expr, "'", "''") + `'}]
offers: [{id: o, eligibility: r, content: {p: {text: x}}}]
collections: [{id: c, offers: [o]}]
activities: [{id: a, placements: {p: {criteria: [{collection: c}]}}}]
`)}})
	if err != nil {
		t.Fatalf("load %s: %v", expr, err)
	}
	var p, c map[string]any
	if err := json.Unmarshal([]byte(profile), &p); err != nil {
		t.Fatal(err)
	}
	if context != "" {
		if err := json.Unmarshal([]byte(context), &c); err != nil {
			t.Fatal(err)
		}
	}
	d, err := decide.New(lib).Decide(contextBackground(), &decide.Request{
		Campaign: "c", Recipient: "r", Profile: p, Context: c, Now: now,
		Scopes: []decide.Scope{{Activity: "a", Placement: "p"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(d.Propositions[0].Offers) == 1
}

func contextBackground() context.Context { return context.Background() }

// TestTranslationMeaning evaluates translated rules: what each construct
// means for present, missing and edge values. The decision time is
// Wednesday 2026-12-02 09:00 UTC.
func TestTranslationMeaning(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		pql, profile, context string
		want                  bool
	}{
		{`tier = "gold"`, `{"tier": "gold"}`, "", true},
		{`tier = "gold"`, `{"tier": "Gold"}`, "", false},
		{`tier.equals("gold", false)`, `{"tier": "GOLD"}`, "", true},
		{`tier.equals("gold", false)`, `{"tier": "golden"}`, "", false},
		{`tier != "gold"`, `{}`, "", false}, // a missing value compares false
		{`tier.notEqualTo("gold")`, `{}`, "", false},
		{`tier.notEqualTo("gold")`, `{"tier": "silver"}`, "", true},
		{`age notIn [1, 2]`, `{}`, "", false},
		{`age notIn [1, 2]`, `{"age": 3}`, "", true},
		{`age in [1, 2]`, `{"age": 2}`, "", true},
		{`not (age in [1, 2])`, `{}`, "", true},
		{`city like "Mont%"`, `{"city": "Montréal"}`, "", true},
		{`city like "Mont_"`, `{"city": "Montréal"}`, "", false},
		{`city like "Mont%"`, `{}`, "", false},
		{`email.endsWith(".COM", false)`, `{"email": "a@b.com"}`, "", true},
		{`email.doesNotEndWith(".com")`, `{}`, "", false},
		{`name.matches("^Jo")`, `{"name": "John"}`, "", true},
		{`phone.isNotNull()`, `{"phone": "+1"}`, "", true},
		{`phone.isNull()`, `{}`, "", true},
		{`exists I from interests where I = "running"`, `{"interests": ["ski", "running"]}`, "", true},
		{`exists I from interests where I = "running"`, `{}`, "", false},
		{`forall O from orders : O.total > 10`, `{"orders": [{"total": 11}, {"total": 12}]}`, "", true},
		{`forall O from orders : O.total > 10`, `{"orders": [{"total": 11}, {"total": 9}]}`, "", false},
		{`colors.intersects(["red", "blue"])`, `{"colors": ["green", "blue"]}`, "", true},
		{`colors.includes("red")`, `{"colors": ["green"]}`, "", false},
		{`@{_xdm.context.additionalParameters;version=1}.weather = "rain"`, `{}`, `{"weather": "rain"}`, true},
		{`points % 5 = 0 and points / 5 > 2`, `{"points": 15}`, "", true},
		// Dates in profiles are RFC 3339 text, or a date alone.
		{`d occurs <= 30 days before now`, `{"d": "2026-11-02T09:00:00Z"}`, "", true},
		{`d occurs <= 30 days before now`, `{"d": "2026-11-02T08:59:59Z"}`, "", false},
		{`d occurs <= 30 days before now`, `{"d": "2026-12-03T00:00:00Z"}`, "", false}, // after now
		{`d occurs <= 30 days before now`, `{}`, "", false},
		{`d occurs > 1 year before now`, `{"d": "1990-05-01"}`, "", true},
		{`d occurs = 1 day before today`, `{"d": "2026-12-01T23:59:59Z"}`, "", true},
		{`d occurs = 1 day before today`, `{"d": "2026-12-02T00:00:00Z"}`, "", false},
		{`d occurs yesterday`, `{"d": "2026-12-01"}`, "", true},
		{`d occurs today`, `{"d": "2026-12-02T23:00:00Z"}`, "", true},
		{`d occurs before today`, `{"d": "2026-12-01T23:59:59Z"}`, "", true},
		{`d occurs after today`, `{"d": "2026-12-02T23:59:59Z"}`, "", false},
		{`d occurs after today`, `{"d": "2026-12-03"}`, "", true},
		{`d occurs between date(2026, 11, 1) and date(2026, 11, 30)`, `{"d": "2026-11-30T22:00:00Z"}`, "", true},
		{`d occurs between date(2026, 11, 1) and date(2026, 11, 30)`, `{"d": "2026-12-01T00:00:00Z"}`, "", false},
		{`d occurs this month`, `{"d": "2026-12-01"}`, "", true},
		{`d occurs last month`, `{"d": "2026-11-30T23:00:00Z"}`, "", true},
		{`d occurs last month`, `{"d": "2026-10-31T23:00:00Z"}`, "", false},
		{`d occurs this week`, `{"d": "2026-11-29"}`, "", true}, // Sunday
		{`d occurs this week`, `{"d": "2026-11-28"}`, "", false},
		{`d occurs next year`, `{"d": "2027-06-01"}`, "", true},
		{`d occurs <= 2 hours after now`, `{"d": "2026-12-02T10:30:00Z"}`, "", true},
		{`d occurs <= 2 hours after now`, `{"d": "not a date"}`, "", false},
		{`birthDate.getMonth() = currentMonth()`, `{"birthDate": "1992-12-14"}`, "", true},
		{`birthDate.getMonth() = currentMonth()`, `{}`, "", false},
	} {
		if got := holds(t, tc.pql, tc.profile, tc.context, now); got != tc.want {
			t.Errorf("%s with %s %s = %v, want %v", tc.pql, tc.profile, tc.context, got, tc.want)
		}
	}
}
