package decide

import (
	"fmt"
	"time"
)

// dateUTC is date() in rules and formulas: expr's builtin date, reading
// times without a zone as UTC. It replaces the builtin together with
// expr.Timezone("UTC"), which passes the location to the builtin as a
// hidden first argument that expr's compiler dereferences when date(…) is
// the receiver of a method call: date(x).Year() failed at run time with
// "interface {} is time.Location, not string", while let d = date(x);
// d.Year() worked.
//
// date(s) tries the builtin's layouts in its order; date(s, layout) parses
// with a Go layout; date(s, layout, zone) in a named zone.
func dateUTC(s string, args ...string) (time.Time, error) {
	switch len(args) {
	case 0:
		for _, layout := range dateLayouts {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("invalid date %s", s)
	case 1:
		return time.ParseInLocation(args[0], s, time.UTC)
	case 2:
		loc, err := time.LoadLocation(args[1])
		if err != nil {
			return time.Time{}, err
		}
		return time.ParseInLocation(args[0], s, loc)
	}
	return time.Time{}, fmt.Errorf("date takes a date, and optionally a layout and a zone: %d arguments given", 1+len(args))
}

// dateLayouts are the builtin date's, in its order.
var dateLayouts = []string{
	"2006-01-02",
	"15:04:05",
	"2006-01-02 15:04:05",
	time.RFC3339,
	time.RFC822,
	time.RFC850,
	time.RFC1123,
}
