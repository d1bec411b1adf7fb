package pql

import (
	"errors"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

// TestTranslate: one case per construct, the expression checked by hand.
func TestTranslate(t *testing.T) {
	for _, tc := range []struct {
		kind     Kind
		pql, out string
	}{
		// Comparisons and paths (profile paths kept as written, under profile.).
		{Rule, `homeAddress.countryISO = "CA"`, `profile.homeAddress.countryISO == "CA"`},
		{Rule, `person.birthMonth != 2`, `profile.person.birthMonth != 2`},
		{Rule, `loyalty.points >= 1000`, `profile.loyalty.points >= 1000`},
		{Rule, `person.age < 21.5`, `profile.person.age < 21.5`},
		{Rule, `profile.person.name.firstName = "Joe"`, `profile.person.name.firstName == "Joe"`},
		{Rule, `$1.homeAddress.city = "Bondi"`, `profile.homeAddress.city == "Bondi"`},
		{Rule, `(P) => P.homeAddress.city = 'Bondi'`, `profile.homeAddress.city == "Bondi"`},
		{Rule, `_tenant.scores.get("credit") > 700`, `profile._tenant.scores.credit > 700`},
		{Rule, `identityMap.get("in").x = 1`, `profile.identityMap["in"].x == 1`},
		{Rule, `@{_xdm.context.additionalParameters;version=1}.weather = "rain"`, `context.weather == "rain"`},
		// Boolean logic.
		{Rule, `a = 1 and b = 2 or c = 3`, `profile.a == 1 && profile.b == 2 || profile.c == 3`},
		{Rule, `a = 1 and (b = 2 or c = 3)`, `profile.a == 1 && (profile.b == 2 || profile.c == 3)`},
		{Rule, `not (a = 1)`, `!(profile.a == 1)`},
		{Rule, `!vip`, `!profile.vip`},
		{Rule, `vip = true`, `profile.vip == true`},
		// Arithmetic.
		{Rule, `person.age % 5 = 0`, `profile.person.age % 5 == 0`},
		{Rule, `a + b * 2 > -c`, `profile.a + profile.b * 2 > -profile.c`},
		{Rule, `(a + b) * 2 > 10`, `(profile.a + profile.b) * 2 > 10`},
		// Lists.
		{Rule, `person.birthMonth in [3, 6, 9]`, `profile.person.birthMonth in [3, 6, 9]`},
		{Rule, `person.birthMonth notIn [3, 6, 9]`, `profile.person.birthMonth != nil && !(profile.person.birthMonth in [3, 6, 9])`},
		{Rule, `person.colors.includes("red")`, `profile.person.colors contains "red"`},
		{Rule, `person.colors.intersects(["red", "blue"])`, `profile.person.colors != nil && any(["red", "blue"], # in profile.person.colors)`},
		// exists / forall over a profile list.
		{Rule, `exists I from person.interests where I = "running"`, `profile.person.interests != nil && any(profile.person.interests, # == "running")`},
		{Rule, `forall O from orders : O.total > 10`, `profile.orders != nil && all(profile.orders, #.total > 10)`},
		{Rule, `exists O from orders`, `profile.orders != nil && any(profile.orders, true)`},
		// Null tests.
		{Rule, `person.homeAddress.isNull()`, `profile.person.homeAddress == nil`},
		{Rule, `mobilePhone.number.isNotNull()`, `profile.mobilePhone.number != nil`},
		{Rule, `a = null`, `profile.a == nil`},
		// Strings.
		{Rule, `person.email.contains("2010@gm")`, `profile.person.email contains "2010@gm"`},
		{Rule, `person.email.doesNotContain("x")`, `profile.person.email != nil && !(profile.person.email contains "x")`},
		{Rule, `person.name.startsWith("Joe")`, `profile.person.name startsWith "Joe"`},
		{Rule, `person.name.startsWith("jo.", false)`, `profile.person.name matches "(?i)^jo\\."`},
		{Rule, `person.name.doesNotStartWith("Joe")`, `profile.person.name != nil && !(profile.person.name startsWith "Joe")`},
		{Rule, `person.email.endsWith(".com")`, `profile.person.email endsWith ".com"`},
		{Rule, `person.email.endsWith(".COM", false)`, `profile.person.email matches "(?i)\\.COM$"`},
		{Rule, `person.email.doesNotEndWith(".com")`, `profile.person.email != nil && !(profile.person.email endsWith ".com")`},
		{Rule, `person.name.equals("John")`, `profile.person.name == "John"`},
		{Rule, `person.name.equals("john", false)`, `profile.person.name matches "(?i)^john$"`},
		{Rule, `person.name.equals(person.nick, false)`, `lower(profile.person.name) == lower(profile.person.nick)`},
		{Rule, `person.name.notEqualTo("John")`, `profile.person.name != nil && !(profile.person.name == "John")`},
		{Rule, `city like "%es_"`, `profile.city matches "^(?s).*es.$"`},
		{Rule, `city like "a.b%"`, `profile.city matches "^(?s)a\\.b.*$"`},
		{Rule, `person.name.matches("(?i)^John")`, `profile.person.name matches "(?i)^John"`},
		// Dates: occurs and now/today.
		{Rule, `d occurs <= 30 days before now`, `profile.d != nil && (date(profile.d) >= now.AddDate(0, 0, -30) && date(profile.d) <= now)`},
		{Rule, `d occurs < 2 hours before now`, `profile.d != nil && (date(profile.d) > now.Add(duration("-2h")) && date(profile.d) <= now)`},
		{Rule, `d occurs > 1 year before now`, `profile.d != nil && date(profile.d) < now.AddDate(-1, 0, 0)`},
		{Rule, `d occurs >= 2 weeks before today`, `profile.d != nil && date(profile.d) <= now.Truncate(duration("24h")).AddDate(0, 0, -14)`},
		{Rule, `d occurs = 3 days before today`, `profile.d != nil && (date(profile.d) >= now.Truncate(duration("24h")).AddDate(0, 0, -3) && date(profile.d) < now.Truncate(duration("24h")).AddDate(0, 0, -2))`},
		{Rule, `d occurs != 1 day after today`, `profile.d != nil && !(date(profile.d) >= now.Truncate(duration("24h")).AddDate(0, 0, 1) && date(profile.d) < now.Truncate(duration("24h")).AddDate(0, 0, 2))`},
		{Rule, `d occurs <= 24 hours after now`, `profile.d != nil && (date(profile.d) >= now && date(profile.d) <= now.Add(duration("24h")))`},
		{Rule, `d occurs before today`, `profile.d != nil && date(profile.d) < now.Truncate(duration("24h"))`},
		{Rule, `d occurs after today`, `profile.d != nil && date(profile.d) >= now.Truncate(duration("24h")).AddDate(0, 0, 1)`},
		{Rule, `d occurs after now`, `profile.d != nil && date(profile.d) > now`},
		{Rule, `d occurs on date(2026, 12, 31)`, `profile.d != nil && (date(profile.d) >= date("2026-12-31") && date(profile.d) < date("2027-01-01"))`},
		{Rule, `d occurs yesterday`, `profile.d != nil && (date(profile.d) >= now.Truncate(duration("24h")).AddDate(0, 0, -1) && date(profile.d) < now.Truncate(duration("24h")).AddDate(0, 0, -1).AddDate(0, 0, 1))`},
		{Rule, `d occurs between date(2015, 1, 8) and date(2017, 7, 1)`, `profile.d != nil && (date(profile.d) >= date("2015-01-08") && date(profile.d) < date("2017-07-02"))`},
		{Rule, `d occurs before e`, `profile.d != nil && (profile.e != nil && date(profile.d) < date(profile.e))`},
		{Rule, `d occurs this month`, `profile.d != nil && (date(profile.d) >= now.Truncate(duration("24h")).AddDate(0, 0, 1 - now.Day()) && date(profile.d) < now.Truncate(duration("24h")).AddDate(0, 0, 1 - now.Day()).AddDate(0, 1, 0))`},
		{Rule, `d occurs last week`, `profile.d != nil && (date(profile.d) >= now.Truncate(duration("24h")).AddDate(0, 0, -int(now.Weekday())).AddDate(0, 0, -7) && date(profile.d) < now.Truncate(duration("24h")).AddDate(0, 0, -int(now.Weekday())))`},
		{Rule, `d.getYear() in [1991, 1992]`, `(let d = date(profile.d); d.Year()) in [1991, 1992]`},
		{Rule, `d.getMonth() = 6`, `(let d = date(profile.d); int(d.Month())) == 6`},
		{Rule, `d occurs <= 1 month before date(2026, 3, 15)`, `profile.d != nil && (date(profile.d) >= date("2026-02-15") && date(profile.d) <= date("2026-03-15"))`},
		{Rule, `person.birthMonth = currentMonth()`, `profile.person.birthMonth == int(now.Month())`},
		{Rule, `person.birthYear < currentYear() - 18`, `profile.person.birthYear < now.Year() - 18`},
		// Formulas: if, the offer's fields.
		{Formula, `if (homeAddress.countryISO = "CA", 1, 2)`, `profile.homeAddress.countryISO == "CA" ? 1 : 2`},
		{Formula, `if (offer.characteristics.get("city") = homeAddress.city, offer.rank.priority * 2, offer.rank.priority)`,
			`offer.attributes.city == profile.homeAddress.city ? offer.priority * 2 : offer.priority`},
		{Formula, `if (offer._id = "xcore:personalized-offer:13d2", offer.rank.priority + 5, offer.rank.priority)`,
			`offer.attributes.adobeId == "xcore:personalized-offer:13d2" ? offer.priority + 5 : offer.priority`},
		{Formula, `if (offer.selectionConstraint.endDate occurs <= 24 hours after now, offer.rank.priority * 3, offer.rank.priority)`,
			`offer.end != nil && (offer.end >= now && offer.end <= now.Add(duration("24h"))) ? offer.priority * 3 : offer.priority`},
		{Formula, `offer.characteristics.scoringBoost * 2`, `offer.attributes.scoringBoost * 2`},
		{Formula, `offer.name = "x"`, `offer.name == "x"`},
		// Names the expression language reserves are written in brackets.
		{Rule, `profile.in.matches = 1`, `profile["in"]["matches"] == 1`},
	} {
		got, err := Translate(tc.pql, tc.kind)
		if err != nil {
			t.Errorf("Translate(%s) error: %v", tc.pql, err)
			continue
		}
		if got != tc.out {
			t.Errorf("Translate(%s)\n got %s\nwant %s", tc.pql, got, tc.out)
		}
	}
}

// TestTranslateErrors: syntax errors and constructs offermail cannot
// express, each at its line and column in the PQL text.
func TestTranslateErrors(t *testing.T) {
	for _, tc := range []struct {
		kind        Kind
		pql, err    string
		unsupported bool
	}{
		{Rule, ``, "1:1: the rule is empty", false},
		{Rule, `a = `, "1:5: expected a value, found end of rule", false},
		{Rule, `a = "x`, `1:5: string is not closed`, false},
		{Rule, `a = 1 b`, `1:7: unexpected "b" after a complete expression`, false},
		{Rule, "a = 1 and\n  (b = 2", "2:9: expected \")\", found end of rule", false},
		{Rule, "a = 1 and\n  b ~ 2", "2:5: unexpected character '~'", false},
		{Rule, `a = 1x`, `1:6: a number cannot run into a name ("1x")`, false},
		{Rule, `d occurs <= 3 fortnights before now`, `1:15: expected a time unit (day, week, month, …), found "fortnights"`, false},
		{Rule, `d occurs <= 3 days until now`, `1:20: expected before, after or from, found "until"`, false},
		{Rule, `d occurs <= 1.5 days before now`, `1:13: expected a whole number of time units after "<=", found number 1.5`, false},
		{Rule, `x.equals()`, `1:3: equals takes 1 to 2 arguments, got 0`, false},
		{Rule, `if(a, b)`, `1:1: if takes 3 arguments (condition, then, else), got 2`, false},
		{Rule, `d occurs on date(2026, 2, 30)`, `1:13: date(2026, 2, 30) is not a calendar date`, false},
		{Rule, `a = 1` + strings.Repeat(" and (a = 1", 120) + strings.Repeat(")", 120), "expression nests deeper than 100 levels", false},
		// Unsupported: events, audiences, other parameters, Java regexes.
		{Rule, `exists E from xEvent where E.eventType = "purchase"`, "1:15: experience events (xEvent) are not available to offer rules; Adobe's offer rules cannot use them either", true},
		{Rule, `a = 1 and (select X from xEvent where X.t = 1).count() > 3`, `1:12: "select … from" queries read experience events or build lists, which offermail rules cannot`, true},
		{Rule, `inSegment("abc")`, "1:1: audience (segment) membership is not known to offermail; give the audience as a profile field", true},
		{Rule, `$2.x = 1`, "1:1: $2: only $1 (the profile) is known to offermail", true},
		{Rule, `person.name.matches("(?<=a)b")`, "1:21: regular expression \"(?<=a)b\" uses syntax offermail's engine (RE2) lacks", true},
		{Rule, `offer.rank.priority > 3`, "1:1: offer fields are only available in ranking formulas", true},
		{Formula, `offer.tags.includes("x")`, "1:7: offer.tags has no offermail equivalent", true},
		{Rule, `person.name.soundsLike("x")`, "1:13: function soundsLike() is not supported", true},
		{Rule, `d occurs this decade`, "1:15: this decade is not supported (use hour, day, week, month or year)", true},
		{Rule, `let S = 1 in S > 0`, "1:1: \"let\" variables are not supported", true},
		{Rule, `exists A from a where exists B from A.b where B = A.c`, "1:51: A belongs to an outer exists/forall", true},
		{Rule, `e.x.like("a")`, "1:5: function like() is not supported", true},
	} {
		_, err := Translate(tc.pql, tc.kind)
		if err == nil {
			t.Errorf("Translate(%s) = nil error, want %q", tc.pql, tc.err)
			continue
		}
		if !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Translate(%s) error\n got %v\nwant %s", tc.pql, err, tc.err)
		}
		if _, ok := err.(*diag.Error); !ok || errors.Is(err, ErrUnsupported) != tc.unsupported {
			t.Errorf("Translate(%s) error %#v: unsupported want %v", tc.pql, err, tc.unsupported)
		}
	}
}

func TestParseLimits(t *testing.T) {
	if _, err := Parse(strings.Repeat("a", MaxLen+1)); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("Parse(%d bytes) = %v, want a limit error", MaxLen+1, err)
	}
	deep := strings.Repeat("(", 10000) + "a" + strings.Repeat(")", 10000)
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Errorf("Parse(10000 parentheses) = %v, want a depth error", err)
	}
	deepNot := strings.Repeat("not ", 10000) + "a"
	if _, err := Parse(deepNot); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Errorf("Parse(10000 nots) = %v, want a depth error", err)
	}
}

// BenchmarkTranslate: the sample export's rules and formulas, translated
// once each per iteration (an import translates each PQL text once).
func BenchmarkTranslate(b *testing.B) {
	srcs := []string{
		`loyalty.tier.equals("gold", false) and loyalty.points >= 1000`,
		`commerce.lastOrderDate occurs <= 30 days before now`,
		`exists I from person.interests where I = "running"`,
		`homeAddress.stateProvince notIn ["QC"] and not (homeAddress.city.startsWith("mont", false))`,
		`if (@{_xdm.context.additionalParameters;version=1}.weather.isNotNull() and offer.characteristics.get("weather") = @{_xdm.context.additionalParameters;version=1}.weather, offer.rank.priority + 50, offer.rank.priority)`,
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range srcs {
			if _, err := Translate(s, Formula); err != nil && !errors.Is(err, ErrUnsupported) {
				b.Fatal(err)
			}
		}
	}
}
