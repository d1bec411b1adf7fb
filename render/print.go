package render

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Printing values as handlebars.js prints them, and escaping as it does.

// appendValue appends v as Handlebars prints it: strings as they are,
// numbers as JavaScript prints them, nil as nothing, lists joined by ",",
// objects as "[object Object]". escape selects HTML escaping.
func appendValue(b []byte, v any, escape bool) []byte {
	switch x := v.(type) {
	case nil:
		return b
	case string:
		if escape {
			return appendEscaped(b, x)
		}
		return append(b, x...)
	case safeString:
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		return appendJSNumber(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case json.Number:
		return append(b, x...)
	case []any:
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e, escape)
		}
		return b
	case []string:
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e, escape)
		}
		return b
	case time.Time:
		return x.AppendFormat(b, time.RFC3339)
	case map[string]any, fielder:
		return append(b, "[object Object]"...)
	}
	if f, ok := toNumber(v); ok {
		return appendJSNumber(b, f)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, rv.Index(i).Interface(), escape)
		}
		return b
	case reflect.Map, reflect.Struct:
		return append(b, "[object Object]"...)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return b
		}
		return appendValue(b, rv.Elem().Interface(), escape)
	}
	if escape {
		return appendEscaped(b, fmt.Sprint(v))
	}
	return fmt.Append(b, v)
}

// appendString appends s, escaped or not.
func appendString(b []byte, s string, escape bool) []byte {
	if escape {
		return appendEscaped(b, s)
	}
	return append(b, s...)
}

// toString is appendValue without escaping, as a string.
func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case safeString:
		return string(x)
	}
	return string(appendValue(nil, v, false))
}

// appendJSNumber formats f like JavaScript's Number.prototype.toString:
// integers without a fraction, the shortest digits that round-trip, and
// exponent notation only below 1e-6 and from 1e21 on.
func appendJSNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		return append(b, '0')
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(string(e), "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1 // n: position of the decimal point
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		b = append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		for range -n {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		b = append(b, digits[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, digits[1:]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}

// appendEscaped escapes s exactly as handlebars.js escapeExpression does.
// The runs between the bytes it replaces are found by escapeAt and copied
// whole.
func appendEscaped(b []byte, s string) []byte {
	for {
		i := escapeAt(s)
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		b = append(b, escapes[escapeIndex[s[i]]]...)
		s = s[i+1:]
	}
}

// escapeAt returns the index of the first byte of s that appendEscaped
// replaces, or -1 when there is none. It looks at eight bytes a step, their
// table entries or-ed together, so that text with nothing to escape (most
// of it) costs one branch per eight bytes instead of one per byte.
func escapeAt[T ~string | ~[]byte](s T) int {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		w := s[i : i+8]
		if escapeIndex[w[0]]|escapeIndex[w[1]]|escapeIndex[w[2]]|escapeIndex[w[3]]|
			escapeIndex[w[4]]|escapeIndex[w[5]]|escapeIndex[w[6]]|escapeIndex[w[7]] != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if escapeIndex[s[i]] != 0 {
			return i
		}
	}
	return -1
}

// escapeString returns s escaped as HTML, s itself when nothing in it
// needs escaping (no copy of it kept).
func escapeString(s string) string {
	if e := appendEscaped(nil, s); string(e) != s {
		return string(e)
	}
	return s
}

// escapes are what appendEscaped writes for the bytes escapeIndex gives a
// non-zero index: a table lookup per byte instead of a switch.
var escapes = [...]string{1: "&amp;", 2: "&lt;", 3: "&gt;", 4: "&quot;", 5: "&#x27;", 6: "&#x60;", 7: "&#x3D;"}

var escapeIndex = [256]uint8{'&': 1, '<': 2, '>': 3, '"': 4, '\'': 5, '`': 6, '=': 7}
