package render

import (
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// JavaScript's loose equality, which handlebars.js uses to decide whether
// a block's new context is a new level for ../ (context != depths[0]):
// {{#with this}} adds none, and neither does a context that merely equals
// the current one the way == sees it ("1" and 1, [] and "").

// sameContext is JavaScript's a == b.
func sameContext(a, b any) bool {
	ka, kb := jsKind(a), jsKind(b)
	switch {
	case ka == jsNull || kb == jsNull:
		return ka == kb
	case ka == jsObject && kb == jsObject:
		return sameObject(a, b)
	case ka == jsObject:
		return sameContext(string(appendValue(nil, a, false)), b)
	case kb == jsObject:
		return sameContext(a, string(appendValue(nil, b, false)))
	case ka == jsBool:
		return sameContext(boolNumber(a), b)
	case kb == jsBool:
		return sameContext(a, boolNumber(b))
	case ka == jsString && kb == jsString:
		x, _ := stringOf(a)
		y, _ := stringOf(b)
		return x == y
	}
	x, y := jsToNumber(a), jsToNumber(b)
	return x == y // NaN is never equal
}

// sameFrameContext is sameContext(a, b) for a frame's context a and the
// context b of the frame around it, told without reflection when a is an
// offer item, the context an {{#offer}} block enters for every item: an
// item is an object, the same as another object only when it is that item.
// Any other pair, and an item beside a value that is not an object (which
// sameContext compares as text), goes to sameContext.
func sameFrameContext(a, b any) bool {
	if x, ok := a.(*itemData); ok {
		switch y := b.(type) {
		case *itemData:
			return x == y
		case *rootData, *snippetData, *hashContext, map[string]any, []any:
			return false
		}
	}
	return sameContext(a, b)
}

type jsType uint8

const (
	jsNull jsType = iota
	jsBool
	jsNumber
	jsString
	jsObject
)

func jsKind(v any) jsType {
	switch v.(type) {
	case nil:
		return jsNull
	case bool:
		return jsBool
	case string, safeString:
		return jsString
	}
	if _, ok := toNumber(v); ok {
		return jsNumber
	}
	return jsObject
}

func boolNumber(v any) float64 {
	if v == true {
		return 1
	}
	return 0
}

// sameObject is identity: the same map, the same list, the same value.
func sameObject(a, b any) bool {
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if ra.Type() != rb.Type() {
		return false
	}
	switch ra.Kind() {
	case reflect.Map, reflect.Pointer:
		return ra.UnsafePointer() == rb.UnsafePointer()
	case reflect.Slice:
		// Empty lists share no storage to tell them apart: count them as
		// different, as distinct JSON arrays are.
		return ra.Len() > 0 && ra.Len() == rb.Len() && ra.UnsafePointer() == rb.UnsafePointer()
	}
	return ra.Comparable() && ra.Equal(rb)
}

var rJSDecimal = regexp.MustCompile(`^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)$`)

// jsToNumber is JavaScript's Number(v) for numbers and strings.
func jsToNumber(v any) float64 {
	if f, ok := toNumber(v); ok {
		return f
	}
	s, _ := stringOf(v)
	s = strings.TrimFunc(s, isJSSpace)
	if s == "" {
		return 0
	}
	if len(s) > 2 && s[0] == '0' {
		base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]]
		if base != 0 {
			n, err := strconv.ParseUint(s[2:], base, 64)
			if err != nil || strings.ContainsRune(s, '_') {
				return math.NaN()
			}
			return float64(n)
		}
	}
	if !rJSDecimal.MatchString(s) {
		return math.NaN()
	}
	if strings.HasSuffix(s, "Infinity") {
		if s[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return math.NaN()
	}
	return f
}
