package decide

import (
	"strings"
	"time"
)

// Window returns the calendar period of every that holds t, in UTC: a label
// naming it and the instant it ends. Days start at 00:00 UTC, weeks on
// Sunday 00:00 UTC, months on the 1st at 00:00 UTC. The lifetime window is
// labelled "all" and never ends (zero end).
func Window(every Every, t time.Time) (label string, end time.Time) {
	t = t.UTC()
	y, m, d := t.Date()
	switch every {
	case EveryDay:
		start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return "d" + start.Format("2006-01-02"), start.AddDate(0, 0, 1)
	case EveryWeek:
		start := time.Date(y, m, d-int(t.Weekday()), 0, 0, 0, 0, time.UTC)
		return "w" + start.Format("2006-01-02"), start.AddDate(0, 0, 7)
	case EveryMonth:
		start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return "m" + start.Format("2006-01"), start.AddDate(0, 1, 0)
	}
	return "all", time.Time{}
}

// CounterKey returns the key of the counter that cap c of offer keeps for a
// decision at now, and when that counter stops mattering (zero: never).
//
// The key has the form
//
//	cap|<offer>|<scope>|<window>|<placement or *>|<recipient or *>
//
// Two caps of one offer with the same scope, window and placement setting
// share a counter: they count the same events. Ids never contain '|'.
func CounterKey(c Cap, offer, placement, recipient string, now time.Time) (key string, expire time.Time) {
	label, end := Window(c.Every, now)
	return counterKey(c, offer, placement, recipient, label), end
}

func counterKey(c Cap, offer, placement, recipient, label string) string {
	if !c.PerPlacement {
		placement = "*"
	}
	if c.Scope != ScopeProfile {
		recipient = "*"
	}
	var b strings.Builder
	b.Grow(len(offer) + len(placement) + len(recipient) + 32)
	b.WriteString("cap|")
	b.WriteString(offer)
	b.WriteByte('|')
	b.WriteString(string(c.Scope))
	b.WriteByte('|')
	b.WriteString(label)
	b.WriteByte('|')
	b.WriteString(placement)
	b.WriteByte('|')
	b.WriteString(recipient)
	return b.String()
}

// FeedbackKey returns the key of the impression or click counter of an offer
// in a placement, over all time, used by learned ranking (§4.5).
func FeedbackKey(kind, offer, placement string) string {
	return "fb|" + kind + "|" + offer + "|" + placement
}

// FeedbackDayKey returns the key of the impression or click counter of an
// offer in a placement for the UTC day of t (by event time), which a
// model's window sums.
func FeedbackDayKey(kind, offer, placement string, t time.Time) string {
	return FeedbackKey(kind, offer, placement) + "|" + t.UTC().Format("2006-01-02")
}

// SharedCounter reports whether key (made by CounterKey) counts every
// recipient's decisions (a total cap) rather than one recipient's.
func SharedCounter(key string) bool { return strings.HasSuffix(key, "|*") }

func sharedCounter(key string) bool { return SharedCounter(key) }
