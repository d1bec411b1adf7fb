package render

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

var locales = []string{"en", "de", "fr", "es"}

func formatHelpers() []*helper {
	localeArg := map[string][]string{"locale": locales}
	return []*helper{
		{name: "formatDate", minArgs: 1, maxArgs: 2, app: helperFormatDate,
			examples: []example{
				{`{{formatDate profile.lastOrder.date}}`, `{"profile":{"lastOrder":{"date":"2026-11-20T14:03:00Z"}}}`, `November 20, 2026`},
				{`{{formatDate profile.lastOrder.date "ddd, MMM D YYYY [at] HH:mm"}}`, `{"profile":{"lastOrder":{"date":"2026-11-20T14:03:00Z"}}}`, `Fri, Nov 20 2026 at 14:03`},
				{`{{formatDate profile.birthday "dddd Do MMMM"}}`, `{"profile":{"birthday":"2026-03-01"}}`, `Sunday 1st March`},
				{`{{formatDate profile.lastOrder.date "DD/MM/YY h:mm a Z"}}`, `{"profile":{"lastOrder":{"date":"2026-07-04T09:05:00-07:00"}}}`, `04/07/26 9:05 am -07:00`},
				{`Last order: {{formatDate profile.lastOrder.date}}`, `{"profile":{}}`, `Last order: `},
			}},
		{name: "formatNumber", minArgs: 1, maxArgs: 2, hashKeys: []string{"locale"}, hashValues: localeArg, app: helperFormatNumber,
			examples: []example{
				{`{{formatNumber profile.loyalty.points}} points`, `{"profile":{"loyalty":{"points":12840}}}`, `12,840 points`},
				{`{{formatNumber profile.spend12m 2}}`, `{"profile":{"spend12m":1840.5}}`, `1,840.50`},
				{`{{formatNumber profile.spend12m}}`, `{"profile":{"spend12m":1840.5}}`, `1,840.5`},
				{`{{formatNumber 1234567.891 1 locale="de"}}`, `{}`, `1.234.567,9`},
				{`{{formatNumber -0.5 0}}`, `{}`, `-1`},
			}},
		{name: "formatCurrency", minArgs: 1, maxArgs: 2, hashKeys: []string{"locale"}, hashValues: localeArg, app: helperFormatCurrency,
			examples: []example{
				{`{{formatCurrency profile.lastOrder.total profile.lastOrder.currency}}`, `{"profile":{"lastOrder":{"total":189.9,"currency":"USD"}}}`, `$189.90`},
				{`{{formatCurrency 1234.5 "EUR" locale="de"}}`, `{}`, "1.234,50\u00a0€"},
				{`{{formatCurrency 1234.5 "EUR" locale="fr"}}`, `{}`, "1\u202f234,50\u00a0€"},
				{`{{formatCurrency 1234.5 "EUR" locale="es"}}`, `{}`, "1234,50\u00a0€"},
				{`{{formatCurrency 12345.5 "GBP" locale="es"}}`, `{}`, "12.345,50\u00a0£"},
				{`{{formatCurrency 5000 "jpy"}}`, `{}`, `¥5,000`},
				{`{{formatCurrency 19.9}}`, `{}`, `$19.90`},
				{`{{formatCurrency -5 "USD"}}`, `{}`, `-$5.00`},
				{`{{formatCurrency 99 "CHF"}}`, `{}`, "CHF\u00a099.00"},
			}},
	}
}

// defaultDateLayout is formatDate's layout when it is given none.
const defaultDateLayout = "MMMM D, YYYY"

// nowDate is the text of {{formatDate @now …}} call ce, made once per
// call site for as long as @now stays the same (a batch run has one
// decision time): formatDate(@now, layout) is appendMoment(@now, layout).
func (s *state) nowDate(ce *callExpr) string {
	for i := range s.nowDates {
		if d := &s.nowDates[i]; d.ce == ce {
			if d.now != s.now {
				d.now, d.text = s.now, appendMoment(d.text[:0], s.now, ce.layout)
			}
			return arenaString(d.text)
		}
	}
	s.nowDates = append(s.nowDates, nowDateText{ce: ce, now: s.now, text: appendMoment(nil, s.now, ce.layout)})
	return arenaString(s.nowDates[len(s.nowDates)-1].text)
}

// nowDateText is the text of a {{formatDate @now …}} call at a time.
type nowDateText struct {
	ce   *callExpr
	now  time.Time
	text []byte
}

// helperFormatDate formats an RFC 3339 string (or a date alone,
// 2006-01-02) or a time.Time with moment.js-style tokens, in the time's own
// offset. A missing date gives "".
func helperFormatDate(c *call, b []byte) ([]byte, error) {
	t, ok, err := toTime(c.args[0])
	if err != nil {
		return b, c.errorf("formatDate: %v", err)
	}
	if !ok {
		return b, nil
	}
	layout := defaultDateLayout
	if len(c.args) > 1 {
		layout = toString(c.args[1])
	}
	return appendMoment(b, t, layout), nil
}

func toTime(v any) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x, true, nil
	case *time.Time:
		if x == nil {
			return time.Time{}, false, nil
		}
		return *x, true, nil
	case string:
		if x == "" {
			return time.Time{}, false, nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, true, nil
			}
		}
		return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 date (like 2026-11-20T14:03:00Z) or a date (2026-11-20)", x)
	}
	return time.Time{}, false, fmt.Errorf("cannot format %s as a date", describe(v))
}

// dateTokens are tried longest first at each position of a layout.
var dateTokens = []string{"YYYY", "MMMM", "dddd", "MMM", "ddd", "YY", "MM", "DD", "Do", "HH", "hh", "mm", "ss", "ZZ", "M", "D", "H", "h", "m", "s", "A", "a", "Z"}

// appendMoment formats t with moment.js tokens; text in [brackets] is
// written as is.
func appendMoment(b []byte, t time.Time, layout string) []byte {
	for i := 0; i < len(layout); {
		if layout[i] == '[' {
			if end := strings.IndexByte(layout[i:], ']'); end > 0 {
				b = append(b, layout[i+1:i+end]...)
				i += end + 1
				continue
			}
		}
		tok := ""
		for _, cand := range dateTokens {
			if strings.HasPrefix(layout[i:], cand) {
				tok = cand
				break
			}
		}
		if tok == "" {
			b = append(b, layout[i])
			i++
			continue
		}
		b = appendDateToken(b, t, tok)
		i += len(tok)
	}
	return b
}

// appendPadded appends n with at least width digits.
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

func appendDateToken(b []byte, t time.Time, tok string) []byte {
	switch tok {
	case "YYYY":
		return appendPadded(b, t.Year(), 4)
	case "YY":
		return appendPadded(b, t.Year()%100, 2)
	case "MMMM":
		return append(b, t.Month().String()...)
	case "MMM":
		return append(b, t.Month().String()[:3]...)
	case "MM":
		return appendPadded(b, int(t.Month()), 2)
	case "M":
		return strconv.AppendInt(b, int64(t.Month()), 10)
	case "DD":
		return appendPadded(b, t.Day(), 2)
	case "D":
		return strconv.AppendInt(b, int64(t.Day()), 10)
	case "Do":
		return appendOrdinal(b, t.Day())
	case "dddd":
		return append(b, t.Weekday().String()...)
	case "ddd":
		return append(b, t.Weekday().String()[:3]...)
	case "HH":
		return appendPadded(b, t.Hour(), 2)
	case "H":
		return strconv.AppendInt(b, int64(t.Hour()), 10)
	case "hh":
		return appendPadded(b, hour12(t), 2)
	case "h":
		return strconv.AppendInt(b, int64(hour12(t)), 10)
	case "mm":
		return appendPadded(b, t.Minute(), 2)
	case "m":
		return strconv.AppendInt(b, int64(t.Minute()), 10)
	case "ss":
		return appendPadded(b, t.Second(), 2)
	case "s":
		return strconv.AppendInt(b, int64(t.Second()), 10)
	case "A":
		if t.Hour() >= 12 {
			return append(b, "PM"...)
		}
		return append(b, "AM"...)
	case "a":
		if t.Hour() >= 12 {
			return append(b, "pm"...)
		}
		return append(b, "am"...)
	case "Z":
		return t.AppendFormat(b, "-07:00")
	case "ZZ":
		return t.AppendFormat(b, "-0700")
	}
	return append(b, tok...)
}

// hour12 is t's hour on a 12-hour clock, 12 for noon and midnight.
func hour12(t time.Time) int {
	if h := t.Hour() % 12; h != 0 {
		return h
	}
	return 12
}

func appendOrdinal(b []byte, n int) []byte {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return append(strconv.AppendInt(b, int64(n), 10), suffix...)
}

// numberFormat is how a locale writes numbers and amounts.
type numberFormat struct {
	group, decimal string
	minGroup       int  // integer digits needed before grouping: 5 in es ("1234", "12.345")
	symbolAfter    bool // "1.234,50 €" rather than "€1,234.50"
}

func localeFormat(c *call) (numberFormat, error) {
	name := "en"
	if v, ok := c.named("locale"); ok {
		name = toString(v)
	}
	switch name {
	case "en":
		return numberFormat{",", ".", 4, false}, nil
	case "de":
		return numberFormat{".", ",", 4, true}, nil
	case "fr":
		return numberFormat{"\u202f", ",", 4, true}, nil
	case "es":
		return numberFormat{".", ",", 5, true}, nil
	}
	return numberFormat{}, c.errorf("%s: unknown locale %q: use one of %s", c.h.name, name, strings.Join(locales, ", "))
}

// helperFormatNumber writes a number with thousands separators and the
// given decimals (rounded), or as many as it has when none are given.
func helperFormatNumber(c *call, b []byte) ([]byte, error) {
	if c.args[0] == nil {
		return b, nil
	}
	f, ok := toNumber(c.args[0])
	if !ok {
		return b, c.errorf("formatNumber: %s is not a number", describe(c.args[0]))
	}
	decimals := -1
	if len(c.args) > 1 {
		d, ok := toNumber(c.args[1])
		if !ok || d != math.Trunc(d) || d < 0 || d > 20 {
			return b, c.errorf("formatNumber: decimals must be a whole number from 0 to 20, got %s", describe(c.args[1]))
		}
		decimals = int(d)
	}
	loc, err := localeFormat(c)
	if err != nil {
		return b, err
	}
	return appendNumber(b, f, decimals, loc), nil
}

// appendNumber appends f with the locale's separators, rounded to
// decimals places (all it has when decimals < 0).
func appendNumber(b []byte, f float64, decimals int, loc numberFormat) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendJSNumber(b, f)
	}
	var digits [400]byte
	d, n := roundDecimal(digits[:0], math.Abs(f), decimals)
	intPart, frac := d[:n], d[n:]
	if f < 0 && bytes.ContainsFunc(d, func(r rune) bool { return r != '0' }) {
		b = append(b, '-')
	}
	if len(intPart) >= loc.minGroup {
		for i, c := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b = append(b, loc.group...)
			}
			b = append(b, c)
		}
	} else {
		b = append(b, intPart...)
	}
	if len(frac) > 0 {
		b = append(b, loc.decimal...)
		b = append(b, frac...)
	}
	return b
}

// roundDecimal appends to dst the digits of f >= 0 rounded to decimals
// places (all of them when decimals < 0), and returns them with the number
// of integer digits. It rounds the digits the number prints as, half away
// from zero, so 1.005 and 0.125 round up as a reader expects, where binary
// rounding would give 1.00 and 0.12.
func roundDecimal(dst []byte, f float64, decimals int) ([]byte, int) {
	var full []byte
	n := -1
	if f < 1<<53 && f == math.Trunc(f) {
		// A whole number below 2⁵³ has no shorter digits that read back
		// as it than its own: AppendFloat's, made faster.
		full = strconv.AppendInt(dst, int64(f), 10)
	} else {
		full = strconv.AppendFloat(dst, f, 'f', -1, 64)
		n = bytes.IndexByte(full, '.')
	}
	if n < 0 {
		n = len(full)
	} else {
		copy(full[n:], full[n+1:]) // drop the point: digits only
		full = full[:len(full)-1]
	}
	if decimals < 0 {
		return full, n
	}
	if have := len(full) - n; have <= decimals {
		for range decimals - have {
			full = append(full, '0')
		}
		return full, n
	}
	up := full[n+decimals] >= '5'
	full = full[:n+decimals]
	for i := len(full) - 1; up && i >= 0; i-- {
		if full[i] == '9' {
			full[i] = '0'
			continue
		}
		full[i]++
		up = false
	}
	if up {
		full = append(full, 0)
		copy(full[1:], full)
		full[0] = '1'
		n++
	}
	return full, n
}

var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

// helperFormatCurrency writes an amount in a currency (USD when none is
// given): the symbol for USD, EUR, GBP and JPY, the code otherwise; two
// decimals, none for JPY.
func helperFormatCurrency(c *call, b []byte) ([]byte, error) {
	if c.args[0] == nil {
		return b, nil
	}
	f, ok := toNumber(c.args[0])
	if !ok {
		return b, c.errorf("formatCurrency: %s is not an amount", describe(c.args[0]))
	}
	code := "USD"
	if len(c.args) > 1 {
		code = toString(c.args[1])
		if !isUpperCode(code) {
			code = strings.ToUpper(code)
		}
	}
	if !isUpperCode(code) {
		return b, c.errorf("formatCurrency: %s is not a currency code like USD or EUR", describe(c.args[1]))
	}
	loc, err := localeFormat(c)
	if err != nil {
		return b, err
	}
	decimals := 2
	if code == "JPY" {
		decimals = 0
	}
	var tmp [400]byte
	num := appendNumber(tmp[:0], math.Abs(f), decimals, loc)
	if f < 0 && bytes.ContainsFunc(num, func(r rune) bool { return r >= '1' && r <= '9' }) {
		b = append(b, '-')
	}
	sym, hasSym := currencySymbols[code]
	switch {
	case loc.symbolAfter && hasSym:
		b = append(append(append(b, num...), "\u00a0"...), sym...)
	case loc.symbolAfter:
		b = append(append(append(b, num...), "\u00a0"...), code...)
	case hasSym:
		b = append(append(b, sym...), num...)
	default:
		b = append(append(append(b, code...), "\u00a0"...), num...)
	}
	return b, nil
}

// isUpperCode reports whether code is three letters A to Z.
func isUpperCode(code string) bool {
	return len(code) == 3 && strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// describe names a value for an error message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing (a missing field)"
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	}
	if _, ok := toNumber(v); ok {
		return toString(v)
	}
	if _, ok := isArray(v); ok {
		return "a list"
	}
	return "an object"
}
