package decide

import (
	"testing"
)

// TestDateMethodsDirect: a method called on date(x) itself, as in
// date(profile.since).Month(), works as it does through let. It failed
// at run time with "interface conversion: … time.Location, not string":
// the timezone patch gave date() its location twice.
func TestDateMethodsDirect(t *testing.T) {
	profile := map[string]any{"since": "2024-12-24T10:00:00Z"}
	for _, rule := range []string{
		`date(profile.since).Year() == 2024`,
		`int(date(profile.since).Month()) == 12`,
		`let d = date(profile.since); int(d.Month()) == 12`,
		`date(profile.since).Month() == date("2024-12-01").Month() && date(profile.since).Day() == 24`,
		`date("24.12.2024", "02.01.2006").Year() == 2024`,
		`date(profile.since).Before(now)`,
		`date("2024-12-24").Weekday().String() == "Tuesday"`,
	} {
		lib := mustLoad(t, "lib.yaml", budgetLibrary(rule))
		d, err := New(lib).Decide(deadline(t), &Request{Recipient: "r", Now: testNow, Profile: profile, Trace: true, Scopes: []Scope{{"a", "p", 0}}})
		if err != nil {
			t.Fatalf("Decide(%s): %v", rule, err)
		}
		if p := d.Propositions[0]; len(p.Offers) != 1 {
			t.Errorf("Decide(%s) = %v, trace %+v; want offer o (the rule true)", rule, offerIDs(p), findTrace(p.Trace, "o"))
		}
	}
}
