package render

import (
	"cmp"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// safeString is HTML that is written out as is, never escaped. Offer html
// content reaches a block as a safeString so {{content}} does not escape it
// twice. It is unexported so that no data can claim to be trusted HTML.
type safeString string

// fielder is implemented by the contexts this package builds (the root
// data, an offer item) so that looking up a field needs no map.
type fielder interface {
	field(name string) (any, bool)
	keys() []string // for {{#each}} over the object
}

// lookupField returns v's field name and whether it exists, as
// handlebars.js reads an own property. A nil value, a number or a boolean
// has no fields. Lists have length and their indexes ("0", "1"; not "01"
// or "+1"), and so do strings, in UTF-16 units as in JavaScript: "😀" has
// length 2, and each half of it reads as U+FFFD.
func lookupField(v any, name string) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		r, ok := x[name]
		return r, ok
	// This package's contexts by their types, before fielder: a type
	// switch finds a concrete type faster than an interface.
	case *rootData:
		return x.field(name)
	case *itemData:
		return x.field(name)
	case *snippetData:
		return x.field(name)
	case *pair:
		return x.field(name)
	case *hashContext:
		return x.field(name)
	case fielder:
		return x.field(name)
	case []any:
		return sliceField(len(x), name, func(i int) any { return x[i] })
	case []string:
		return sliceField(len(x), name, func(i int) any { return x[i] })
	case map[string]string:
		r, ok := x[name]
		return r, ok
	case string:
		return stringField(x, name)
	case safeString:
		return stringField(string(x), name)
	case bool, float64, int, json.Number:
		return nil, false
	}
	return reflectField(reflect.ValueOf(v), name)
}

func sliceField(n int, name string, at func(int) any) (any, bool) {
	if name == "length" {
		return n, true
	}
	i, ok := arrayIndex(name)
	if !ok || int64(i) >= int64(n) {
		return nil, false
	}
	return at(int(i)), true
}

// stringField is a string's length or one of its UTF-16 units.
func stringField(s, name string) (any, bool) {
	if name == "length" {
		return utf16Len(s), true
	}
	i, ok := arrayIndex(name)
	if !ok {
		return nil, false
	}
	for _, r := range s {
		if r > 0xffff {
			if i < 2 {
				return "\uFFFD", true // half a surrogate pair
			}
			i -= 2
			continue
		}
		if i == 0 {
			return string(r), true
		}
		i--
	}
	return nil, false
}

// utf16Len is JavaScript's length of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}

// ownField is a field of v as Object.assign copies it: objects' own
// fields, lists' and strings' indexes, but not their length.
func ownField(v any, name string) (any, bool) {
	if name == "length" {
		if _, isList := isArray(v); isList {
			return nil, false
		}
		if _, isStr := stringOf(v); isStr {
			return nil, false
		}
	}
	return lookupField(v, name)
}

// ownKeys lists the fields ownField finds, in JavaScript's order.
func ownKeys(v any, order KeyOrder) []string {
	if n, ok := isArray(v); ok {
		return indexKeys(n)
	}
	if s, ok := stringOf(v); ok {
		return indexKeys(utf16Len(s))
	}
	ks, _ := objectKeys(v, order)
	return ks
}

func indexKeys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = strconv.Itoa(i)
	}
	return ks
}

// reflectField serves the less common shapes: maps with string keys of any
// element type, other slices, and structs (exported fields, by name or
// json tag).
func reflectField(rv reflect.Value, name string) (any, bool) {
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		r := rv.MapIndex(reflect.ValueOf(name).Convert(rv.Type().Key()))
		if !r.IsValid() {
			return nil, false
		}
		return r.Interface(), true
	case reflect.Slice, reflect.Array:
		return sliceField(rv.Len(), name, func(i int) any { return rv.Index(i).Interface() })
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Name == name || tag == name {
				return rv.Field(i).Interface(), true
			}
		}
	}
	return nil, false
}

// isArray reports whether v is a list, and its length.
func isArray(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case []string:
		return len(x), true
	case nil, string, map[string]any, bool, float64, int, safeString, fielder:
		return 0, false
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array {
		return rv.Len(), true
	}
	return 0, false
}

// index returns element i of a list v.
func index(v any, i int) any {
	switch x := v.(type) {
	case []any:
		return x[i]
	case []string:
		return x[i]
	}
	return reflect.ValueOf(v).Index(i).Interface()
}

// objectKeys returns the keys of an object in the order JavaScript
// enumerates them (see jsKeyOrder), or false when v is not an object.
// Maps come with the order order knows, or sorted when it does not know
// them: Go maps keep no order of their own.
func objectKeys(v any, order KeyOrder) ([]string, bool) {
	switch x := v.(type) {
	case map[string]any:
		var keys []string
		if order != nil {
			if ks := order.Keys(x); len(ks) == len(x) {
				keys = slices.Clone(ks)
			}
		}
		if keys == nil {
			keys = make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
		}
		return jsKeyOrder(keys), true
	case fielder:
		return x.keys(), true
	case nil, string, bool, float64, int, safeString, []any:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys)
		return jsKeyOrder(keys), true
	}
	return nil, false
}

// jsKeyOrder puts keys in the order a JavaScript object enumerates them:
// array-index keys ("0", "7", "42") first in numeric order, then the others
// in the order given. handlebars.js's {{#each}} iterates that way.
func jsKeyOrder(keys []string) []string {
	n := 0
	for _, k := range keys {
		if _, ok := arrayIndex(k); ok {
			n++
		}
	}
	if n == 0 {
		return keys
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, ok := arrayIndex(k); ok {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := arrayIndex(a)
		y, _ := arrayIndex(b)
		return cmp.Compare(x, y)
	})
	for _, k := range keys {
		if _, ok := arrayIndex(k); !ok {
			out = append(out, k)
		}
	}
	return out
}

// arrayIndex reports whether k is a canonical array index as JavaScript
// defines it: a decimal integer below 2³²−1 without leading zeros.
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n >= 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}

// truthy is JavaScript's truthiness: nil, false, 0, NaN and "" are false;
// everything else, empty objects included, is true.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case safeString:
		return x != ""
	case float64:
		return x != 0 && !math.IsNaN(x)
	case int:
		return x != 0
	case json.Number:
		f, err := x.Float64()
		return err == nil && f != 0
	case map[string]any, []any, fielder:
		return true
	}
	if f, ok := toNumber(v); ok {
		return f != 0 && !math.IsNaN(f)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return !rv.IsNil()
	}
	return true
}

// isEmpty is Handlebars' Utils.isEmpty: falsy values other than 0, and
// empty lists.
func isEmpty(v any) bool {
	if n, ok := isArray(v); ok {
		return n == 0
	}
	if !truthy(v) {
		f, isNum := toNumber(v)
		return !(isNum && f == 0)
	}
	return false
}

// toNumber returns v as a float64 when v is a number.
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case float32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case int16, int8, uint16, uint8:
		return float64(reflect.ValueOf(x).Convert(reflect.TypeFor[float64]()).Float()), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
