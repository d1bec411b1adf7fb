package render

import (
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
		{name: "formatDate", minArgs: 1, maxArgs: 2, fn: helperFormatDate,
			examples: []example{
				{`{{formatDate profile.lastOrder.date}}`, `{"profile":{"lastOrder":{"date":"2026-11-20T14:03:00Z"}}}`, `November 20, 2026`},
				{`{{formatDate profile.lastOrder.date "ddd, MMM D YYYY [at] HH:mm"}}`, `{"profile":{"lastOrder":{"date":"2026-11-20T14:03:00Z"}}}`, `Fri, Nov 20 2026 at 14:03`},
				{`{{formatDate profile.birthday "dddd Do MMMM"}}`, `{"profile":{"birthday":"2026-03-01"}}`, `Sunday 1st March`},
				{`{{formatDate profile.lastOrder.date "DD/MM/YY h:mm a Z"}}`, `{"profile":{"lastOrder":{"date":"2026-07-04T09:05:00-07:00"}}}`, `04/07/26 9:05 am -07:00`},
				{`Last order: {{formatDate profile.lastOrder.date}}`, `{"profile":{}}`, `Last order: `},
			}},
		{name: "formatNumber", minArgs: 1, maxArgs: 2, hashKeys: []string{"locale"}, hashValues: localeArg, fn: helperFormatNumber,
			examples: []example{
				{`{{formatNumber profile.loyalty.points}} points`, `{"profile":{"loyalty":{"points":12840}}}`, `12,840 points`},
				{`{{formatNumber profile.spend12m 2}}`, `{"profile":{"spend12m":1840.5}}`, `1,840.50`},
				{`{{formatNumber profile.spend12m}}`, `{"profile":{"spend12m":1840.5}}`, `1,840.5`},
				{`{{formatNumber 1234567.891 1 locale="de"}}`, `{}`, `1.234.567,9`},
				{`{{formatNumber -0.5 0}}`, `{}`, `-1`},
			}},
		{name: "formatCurrency", minArgs: 1, maxArgs: 2, hashKeys: []string{"locale"}, hashValues: localeArg, fn: helperFormatCurrency,
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

// helperFormatDate formats an RFC 3339 string (or a date alone,
// 2006-01-02) or a time.Time with moment.js-style tokens, in the time's own
// offset. A missing date gives "".
func helperFormatDate(c *call) (any, error) {
	t, ok, err := toTime(c.args[0])
	if err != nil {
		return nil, c.errorf("formatDate: %v", err)
	}
	if !ok {
		return "", nil
	}
	layout := "MMMM D, YYYY"
	if len(c.args) > 1 {
		layout = toString(c.args[1])
	}
	return formatMoment(t, layout), nil
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

// formatMoment formats t with moment.js tokens; text in [brackets] is
// written as is.
func formatMoment(t time.Time, layout string) string {
	var b strings.Builder
	for i := 0; i < len(layout); {
		if layout[i] == '[' {
			if end := strings.IndexByte(layout[i:], ']'); end > 0 {
				b.WriteString(layout[i+1 : i+end])
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
			b.WriteByte(layout[i])
			i++
			continue
		}
		b.WriteString(dateToken(t, tok))
		i += len(tok)
	}
	return b.String()
}

// pad writes n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

func dateToken(t time.Time, tok string) string {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch tok {
	case "YYYY":
		return pad(t.Year(), 4)
	case "YY":
		return pad(t.Year()%100, 2)
	case "MMMM":
		return t.Month().String()
	case "MMM":
		return t.Month().String()[:3]
	case "MM":
		return pad(int(t.Month()), 2)
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "DD":
		return pad(t.Day(), 2)
	case "D":
		return strconv.Itoa(t.Day())
	case "Do":
		return ordinal(t.Day())
	case "dddd":
		return t.Weekday().String()
	case "ddd":
		return t.Weekday().String()[:3]
	case "HH":
		return pad(t.Hour(), 2)
	case "H":
		return strconv.Itoa(t.Hour())
	case "hh":
		return pad(h12, 2)
	case "h":
		return strconv.Itoa(h12)
	case "mm":
		return pad(t.Minute(), 2)
	case "m":
		return strconv.Itoa(t.Minute())
	case "ss":
		return pad(t.Second(), 2)
	case "s":
		return strconv.Itoa(t.Second())
	case "A":
		return map[bool]string{true: "PM", false: "AM"}[t.Hour() >= 12]
	case "a":
		return map[bool]string{true: "pm", false: "am"}[t.Hour() >= 12]
	case "Z":
		return t.Format("-07:00")
	case "ZZ":
		return t.Format("-0700")
	}
	return tok
}

func ordinal(n int) string {
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
	return strconv.Itoa(n) + suffix
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
func helperFormatNumber(c *call) (any, error) {
	if c.args[0] == nil {
		return "", nil
	}
	f, ok := toNumber(c.args[0])
	if !ok {
		return nil, c.errorf("formatNumber: %s is not a number", describe(c.args[0]))
	}
	decimals := -1
	if len(c.args) > 1 {
		d, ok := toNumber(c.args[1])
		if !ok || d != math.Trunc(d) || d < 0 || d > 20 {
			return nil, c.errorf("formatNumber: decimals must be a whole number from 0 to 20, got %s", describe(c.args[1]))
		}
		decimals = int(d)
	}
	loc, err := localeFormat(c)
	if err != nil {
		return nil, err
	}
	return formatNumber(f, decimals, loc), nil
}

func formatNumber(f float64, decimals int, loc numberFormat) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return toString(f)
	}
	intPart, frac := roundDecimal(math.Abs(f), decimals)
	var b strings.Builder
	if f < 0 && strings.Trim(intPart+frac, "0") != "" {
		b.WriteByte('-')
	}
	if len(intPart) >= loc.minGroup {
		for i, d := range []byte(intPart) {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteString(loc.group)
			}
			b.WriteByte(d)
		}
	} else {
		b.WriteString(intPart)
	}
	if frac != "" {
		b.WriteString(loc.decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// roundDecimal returns the integer and fraction digits of f >= 0 rounded
// to decimals places (all of them when decimals < 0). It rounds the digits
// the number prints as, half away from zero, so 1.005 and 0.125 round up as
// a reader expects, where binary rounding would give 1.00 and 0.12.
func roundDecimal(f float64, decimals int) (intPart, frac string) {
	intPart, frac, _ = strings.Cut(strconv.FormatFloat(f, 'f', -1, 64), ".")
	if decimals < 0 {
		return intPart, frac
	}
	if len(frac) <= decimals {
		return intPart, frac + strings.Repeat("0", decimals-len(frac))
	}
	up := frac[decimals] >= '5'
	digits := []byte(intPart + frac[:decimals])
	for i := len(digits) - 1; up && i >= 0; i-- {
		if digits[i] == '9' {
			digits[i] = '0'
			continue
		}
		digits[i]++
		up = false
	}
	if up {
		digits = append([]byte{'1'}, digits...)
	}
	n := len(digits) - decimals
	return string(digits[:n]), string(digits[n:])
}

var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

// helperFormatCurrency writes an amount in a currency (USD when none is
// given): the symbol for USD, EUR, GBP and JPY, the code otherwise; two
// decimals, none for JPY.
func helperFormatCurrency(c *call) (any, error) {
	if c.args[0] == nil {
		return "", nil
	}
	f, ok := toNumber(c.args[0])
	if !ok {
		return nil, c.errorf("formatCurrency: %s is not an amount", describe(c.args[0]))
	}
	code := "USD"
	if len(c.args) > 1 {
		code = strings.ToUpper(toString(c.args[1]))
	}
	if len(code) != 3 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return nil, c.errorf("formatCurrency: %s is not a currency code like USD or EUR", describe(c.args[1]))
	}
	loc, err := localeFormat(c)
	if err != nil {
		return nil, err
	}
	decimals := 2
	if code == "JPY" {
		decimals = 0
	}
	num := formatNumber(math.Abs(f), decimals, loc)
	sign := ""
	if f < 0 && formatNumber(f, decimals, loc) != num {
		sign = "-"
	}
	sym, hasSym := currencySymbols[code]
	switch {
	case loc.symbolAfter && hasSym:
		return sign + num + "\u00a0" + sym, nil
	case loc.symbolAfter:
		return sign + num + "\u00a0" + code, nil
	case hasSym:
		return sign + sym + num, nil
	}
	return sign + code + "\u00a0" + num, nil
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
