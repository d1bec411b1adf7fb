package pql

import (
	"strconv"
	"strings"
	"time"
)

// timeFrag is a translated point in time. A day (today, date(2026, 1, 2))
// stands for the whole UTC day that starts at f.
type timeFrag struct {
	f     frag
	day   bool
	guard string     // a condition that must hold before f can be computed
	lit   *time.Time // set for date(y, m, d): shifts are computed here
}

// shifted is tf moved by n units. A date literal is moved at translation
// time: a method called on date(…) fails at run time under the engine's
// timezone setting.
func shifted(tf timeFrag, n int, unit string) frag {
	if tf.lit == nil {
		return shift(tf.f, n, unit)
	}
	t := *tf.lit
	switch unit {
	case "day":
		t = t.AddDate(0, 0, n)
	case "week":
		t = t.AddDate(0, 0, 7*n)
	case "month":
		t = t.AddDate(0, n, 0)
	case "year":
		t = t.AddDate(n, 0, 0)
	case "decade":
		t = t.AddDate(10*n, 0, 0)
	case "century":
		t = t.AddDate(100*n, 0, 0)
	case "millennium":
		t = t.AddDate(1000*n, 0, 0)
	default:
		return shift(tf.f, n, unit) // hours and less are refused before
	}
	return prim(`date("` + t.Format("2006-01-02") + `")`)
}

const today = `now.Truncate(duration("24h"))`

// timeWord translates now, today, yesterday and tomorrow.
func timeWord(name string) (timeFrag, bool) {
	switch strings.ToLower(name) {
	case "now":
		return timeFrag{f: prim("now")}, true
	case "today":
		return timeFrag{f: prim(today), day: true}, true
	case "yesterday":
		return timeFrag{f: prim(today + ".AddDate(0, 0, -1)"), day: true}, true
	case "tomorrow":
		return timeFrag{f: prim(today + ".AddDate(0, 0, 1)"), day: true}, true
	}
	return timeFrag{}, false
}

// dateLiteral translates date(year, month, day).
func dateLiteral(n *Call) (timeFrag, error) {
	if len(n.Args) != 3 {
		return timeFrag{}, errAt(n.At, "date takes 3 arguments (year, month, day), got %d", len(n.Args))
	}
	var v [3]int
	for i, a := range n.Args {
		lit, ok := a.(*Lit)
		if !ok || lit.Kind != "number" {
			return timeFrag{}, unsupportedAt(a.Pos(), "date needs whole numbers written in the rule")
		}
		x, err := strconv.Atoi(lit.Val)
		if err != nil {
			return timeFrag{}, errAt(a.Pos(), "%s is not a whole number", lit.Val)
		}
		v[i] = x
	}
	d := time.Date(v[0], time.Month(v[1]), v[2], 0, 0, 0, 0, time.UTC)
	if v[0] < 1 || v[0] > 9999 || d.Year() != v[0] || int(d.Month()) != v[1] || d.Day() != v[2] {
		return timeFrag{}, errAt(n.At, "date(%d, %d, %d) is not a calendar date", v[0], v[1], v[2])
	}
	return timeFrag{f: prim(`date("` + d.Format("2006-01-02") + `")`), day: true, lit: &d}, nil
}

// timeOf translates the time an occurs test is about, or refers to.
func (t *translator) timeOf(n Node) (timeFrag, error) {
	switch x := n.(type) {
	case *Ident:
		if tf, ok := timeWord(x.Name); ok {
			return tf, nil
		}
	case *Call:
		if x.Recv == nil && strings.EqualFold(x.Name, "date") {
			return dateLiteral(x)
		}
	case *Lit:
		return timeFrag{}, unsupportedAt(x.At, "a %s is not a point in time; use now, today, date(y, m, d) or a date field", x.Kind)
	}
	f, err := t.node(n)
	if err != nil {
		return timeFrag{}, err
	}
	notNil := f.in(precCmp+1) + " != nil"
	if strings.HasPrefix(f.s, "offer.") {
		// offer.start and offer.end are times already (nil when unset).
		return timeFrag{f: f, guard: notNil}, nil
	}
	// Profile and context dates are text (RFC 3339 or 2006-01-02).
	return timeFrag{f: prim("date(" + f.s + ")"), guard: notNil}, nil
}

// shift adds n units (n may be negative) to a time.
func shift(tf frag, n int, unit string) frag {
	base := tf.in(precPrimary)
	if n == 0 {
		return tf
	}
	switch unit {
	case "millisecond":
		return prim(base + `.Add(duration("` + strconv.Itoa(n) + `ms"))`)
	case "second":
		return prim(base + `.Add(duration("` + strconv.Itoa(n) + `s"))`)
	case "minute":
		return prim(base + `.Add(duration("` + strconv.Itoa(n) + `m"))`)
	case "hour":
		return prim(base + `.Add(duration("` + strconv.Itoa(n) + `h"))`)
	}
	y, m, d := 0, 0, 0
	switch unit {
	case "day":
		d = n
	case "week":
		d = 7 * n
	case "month":
		m = n
	case "year":
		y = n
	case "decade":
		y = 10 * n
	case "century":
		y = 100 * n
	case "millennium":
		y = 1000 * n
	}
	return prim(base + ".AddDate(" + strconv.Itoa(y) + ", " + strconv.Itoa(m) + ", " + strconv.Itoa(d) + ")")
}

// maxUnits bounds N in "occurs <= N days before now", so that AddDate
// and durations stay in range.
const maxUnits = 100000

func (t *translator) occurs(o *Occurs) (frag, error) {
	x, err := t.timeOf(o.X)
	if err != nil {
		return frag{}, err
	}
	var cond frag
	switch o.Form {
	case "rel":
		cond, err = t.relative(o, x.f)
	case "dir":
		var ref timeFrag
		if ref, err = t.timeOf(o.T); err != nil {
			return frag{}, err
		}
		switch {
		case o.Dir == "before":
			cond = binary(x.f, "<", ref.f, precCmp)
		case ref.day:
			cond = binary(x.f, ">=", shifted(ref, 1, "day"), precCmp)
		default:
			cond = binary(x.f, ">", ref.f, precCmp)
		}
		cond = withGuard(cond, ref.guard)
	case "on":
		var ref timeFrag
		if ref, err = t.timeOf(o.T); err != nil {
			return frag{}, err
		}
		if ref.day {
			cond = and(binary(x.f, ">=", ref.f, precCmp), binary(x.f, "<", shifted(ref, 1, "day"), precCmp))
		} else {
			cond = and(binary(x.f, ">=", ref.f, precCmp), binary(x.f, "<=", ref.f, precCmp))
		}
		cond = withGuard(cond, ref.guard)
	case "between":
		var from, to timeFrag
		if from, err = t.timeOf(o.T); err != nil {
			return frag{}, err
		}
		if to, err = t.timeOf(o.T2); err != nil {
			return frag{}, err
		}
		upper := binary(x.f, "<=", to.f, precCmp)
		if to.day {
			upper = binary(x.f, "<", shifted(to, 1, "day"), precCmp)
		}
		cond = withGuard(withGuard(and(binary(x.f, ">=", from.f, precCmp), upper), from.guard), to.guard)
	case "period":
		cond, err = period(o, x.f)
	}
	if err != nil {
		return frag{}, err
	}
	return withGuard(cond, x.guard), nil
}

func withGuard(f frag, guard string) frag {
	if guard == "" {
		return f
	}
	return and(frag{guard, precCmp}, f)
}

// relative translates "X occurs <cmp> N unit before|after T": X lies
// within (or beyond) N units of T, on the side named.
func (t *translator) relative(o *Occurs, x frag) (frag, error) {
	n, err := strconv.Atoi(o.N.(*Lit).Val)
	if err != nil || n > maxUnits {
		return frag{}, errAt(o.N.Pos(), "%s units is out of range (at most %d)", o.N.(*Lit).Val, maxUnits)
	}
	ref, err := t.timeOf(o.T)
	if err != nil {
		return frag{}, err
	}
	if o.Unit == "millisecond" && ref.day {
		return frag{}, unsupportedAt(o.UnitAt, "milliseconds before or after a whole day are not supported")
	}
	T := ref.f
	var cond frag
	if o.Dir == "before" {
		bound := shifted(ref, -n, o.Unit)
		switch o.Cmp {
		case "<":
			cond = and(binary(x, ">", bound, precCmp), binary(x, "<=", T, precCmp))
		case "<=":
			cond = and(binary(x, ">=", bound, precCmp), binary(x, "<=", T, precCmp))
		case ">":
			cond = binary(x, "<", bound, precCmp)
		case ">=":
			cond = binary(x, "<=", bound, precCmp)
		default: // = and !=: within the one unit that is N units before T
			cond = and(binary(x, ">=", bound, precCmp), binary(x, "<", shifted(ref, 1-n, o.Unit), precCmp))
		}
	} else { // after, from
		bound := shifted(ref, n, o.Unit)
		switch o.Cmp {
		case "<":
			cond = and(binary(x, ">=", T, precCmp), binary(x, "<", bound, precCmp))
		case "<=":
			cond = and(binary(x, ">=", T, precCmp), binary(x, "<=", bound, precCmp))
		case ">":
			cond = binary(x, ">", bound, precCmp)
		case ">=":
			cond = binary(x, ">=", bound, precCmp)
		default:
			cond = and(binary(x, ">=", bound, precCmp), binary(x, "<", shifted(ref, n+1, o.Unit), precCmp))
		}
	}
	if o.Cmp == "!=" {
		cond = not(cond)
	}
	return withGuard(cond, ref.guard), nil
}

// period translates "X occurs this|last|next unit": X lies in that UTC
// calendar hour, day, week (from Sunday), month or year.
func period(o *Occurs, x frag) (frag, error) {
	var start string
	switch o.Unit {
	case "hour":
		start = `now.Truncate(duration("1h"))`
	case "day":
		start = today
	case "week":
		start = today + ".AddDate(0, 0, -int(now.Weekday()))"
	case "month":
		start = today + ".AddDate(0, 0, 1 - now.Day())"
	case "year":
		start = today + ".AddDate(0, 0, 1 - now.YearDay())"
	default:
		return frag{}, unsupportedAt(o.UnitAt, "%s %s is not supported (use hour, day, week, month or year)", o.Which, o.Unit)
	}
	k := map[string]int{"last": -1, "this": 0, "next": 1}[o.Which]
	from := shift(prim(start), k, o.Unit)
	to := shift(prim(start), k+1, o.Unit)
	return and(binary(x, ">=", from, precCmp), binary(x, "<", to, precCmp)), nil
}
