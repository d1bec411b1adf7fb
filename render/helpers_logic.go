package render

import (
	"strings"
	"time"
	"unicode/utf8"
)

func logicHelpers() []*helper {
	return []*helper{
		{name: "default", minArgs: 2, maxArgs: 2,
			pure: func(v, def any) any {
				if v != nil && v != "" && v != safeString("") {
					return v
				}
				return def
			},
			examples: []example{
				{`Hi {{default profile.firstName "friend"}}`, `{"profile":{}}`, `Hi friend`},
				{`Hi {{default profile.firstName "friend"}}`, `{"profile":{"firstName":""}}`, `Hi friend`},
				{`Hi {{default profile.firstName "friend"}}`, `{"profile":{"firstName":"Maya"}}`, `Hi Maya`},
				{`{{default profile.points 100}}`, `{"profile":{"points":0}}`, `0`},
			}},
		{name: "eq", minArgs: 2, maxArgs: 2, pure: func(a, b any) any { return equal(a, b) },
			examples: []example{
				{`{{#if (eq profile.loyalty.tier "gold")}}Gold perks{{/if}}`, `{"profile":{"loyalty":{"tier":"gold"}}}`, `Gold perks`},
				{`{{eq profile.age 34}}`, `{"profile":{"age":34.0}}`, `true`},
				{`{{eq profile.age "34"}}`, `{"profile":{"age":34}}`, `false`},
			}},
		{name: "ne", minArgs: 2, maxArgs: 2, pure: func(a, b any) any { return !equal(a, b) },
			examples: []example{
				{`{{#if (ne profile.country "US")}}International shipping{{/if}}`, `{"profile":{"country":"CA"}}`, `International shipping`},
			}},
		{name: "lt", minArgs: 2, maxArgs: 2,
			fn: func(c *call) (any, error) {
				n, ok := compare(c.args[0], c.args[1])
				return ok && n < 0, nil
			},
			examples: []example{
				{`{{#if (lt profile.age 21)}}under 21{{else}}21+{{/if}}`, `{"profile":{"age":34}}`, `21+`},
				{`{{lt profile.age 100}}`, `{"profile":{"age":9}}`, `true`},
				{`{{lt "apple" "banana"}}`, `{}`, `true`},
				{`{{lt profile.age 21}}`, `{"profile":{}}`, `false`},
			}},
		{name: "gt", minArgs: 2, maxArgs: 2,
			fn: func(c *call) (any, error) {
				n, ok := compare(c.args[0], c.args[1])
				return ok && n > 0, nil
			},
			examples: []example{
				{`{{#if (gt profile.loyalty.points 10000)}}You have {{profile.loyalty.points}} points!{{/if}}`, `{"profile":{"loyalty":{"points":12840}}}`, `You have 12840 points!`},
				{`{{gt "10" "9"}}`, `{}`, `false`},
			}},
		{name: "and", minArgs: 2, maxArgs: -1,
			fn: func(c *call) (any, error) {
				for _, a := range c.args[:len(c.args)-1] {
					if falsy(a) {
						return a, nil
					}
				}
				return c.args[len(c.args)-1], nil
			},
			examples: []example{
				{`{{#if (and profile.optedIn (eq profile.country "US"))}}US offer{{/if}}`, `{"profile":{"optedIn":true,"country":"US"}}`, `US offer`},
				{`{{#if (and profile.optedIn profile.email)}}yes{{else}}no{{/if}}`, `{"profile":{"optedIn":true}}`, `no`},
			}},
		{name: "or", minArgs: 2, maxArgs: -1,
			fn: func(c *call) (any, error) {
				for _, a := range c.args[:len(c.args)-1] {
					if !falsy(a) {
						return a, nil
					}
				}
				return c.args[len(c.args)-1], nil
			},
			examples: []example{
				{`Hi {{or profile.nickname profile.firstName "there"}}`, `{"profile":{"firstName":"Maya"}}`, `Hi Maya`},
				{`{{#if (or profile.vip (gt profile.spend 1000))}}Thanks for your loyalty{{/if}}`, `{"profile":{"vip":false,"spend":1840.5}}`, `Thanks for your loyalty`},
			}},
		{name: "not", minArgs: 1, maxArgs: 1, fn: func(c *call) (any, error) { return falsy(c.args[0]), nil },
			examples: []example{
				{`{{#if (not profile.unsubscribed)}}subscribed{{/if}}`, `{"profile":{}}`, `subscribed`},
				{`{{not profile.interests}}`, `{"profile":{"interests":[]}}`, `true`},
			}},
		{name: "upper", minArgs: 1, maxArgs: 1, str: func(b []byte, s string) []byte { return appendCase(b, s, true) },
			examples: []example{
				{`{{upper profile.loyalty.tier}} MEMBER`, `{"profile":{"loyalty":{"tier":"gold"}}}`, `GOLD MEMBER`},
			}},
		{name: "lower", minArgs: 1, maxArgs: 1, str: func(b []byte, s string) []byte { return appendCase(b, s, false) },
			examples: []example{
				{`{{lower recipient.email}}`, `{"recipient":{"email":"Maya.Chen@Example.com"}}`, `maya.chen@example.com`},
			}},
		{name: "urlencode", minArgs: 1, maxArgs: 1, str: appendURIComponent,
			examples: []example{
				{`https://northwind.example/u?e={{urlencode recipient.email}}`, `{"recipient":{"email":"maya+news@example.com"}}`, `https://northwind.example/u?e=maya%2Bnews%40example.com`},
				{`{{{urlencode profile.city}}}`, `{"profile":{"city":"São Paulo & co (it's)"}}`, `S%C3%A3o%20Paulo%20%26%20co%20(it's)`},
			}},
	}
}

// falsy is the condition and, or and not use: what {{#if}} would skip.
func falsy(v any) bool { return !truthy(v) || isEmpty(v) }

// equal compares numbers by value (34 == 34.0), strings by content, and
// otherwise only values of the same simple kind; a number never equals a
// string.
func equal(a, b any) bool {
	// Two strings, the usual {{#if (eq field "value")}}: compare would
	// say the same, after trying them as numbers first.
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return x == y
		}
	}
	if n, ok := compare(a, b); ok {
		return n == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// compare orders two numbers numerically, two strings lexically (byte by
// byte) and two times chronologically. ok is false for anything else.
func compare(a, b any) (n int, ok bool) {
	if x, ok := toNumber(a); ok {
		if y, ok := toNumber(b); ok {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			case x == y:
				return 0, true
			}
			return 0, false // NaN
		}
		return 0, false
	}
	if x, ok := stringOf(a); ok {
		if y, ok := stringOf(b); ok {
			return strings.Compare(x, y), true
		}
		return 0, false
	}
	if x, ok := a.(time.Time); ok {
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	}
	return 0, false
}

func stringOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case safeString:
		return string(x), true
	}
	return "", false
}

// appendURIComponent appends s escaped as JavaScript's encodeURIComponent
// escapes it: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ).
func appendURIComponent(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	last := 0
	for i := 0; i < len(s); i++ {
		if ch := s[i]; !uriUnreserved[ch] {
			b = append(b, s[last:i]...) // the run before, at once
			b = append(b, '%', hex[ch>>4], hex[ch&15])
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}

// uriUnreserved are the bytes encodeURIComponent leaves as they are.
var uriUnreserved = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", byte(c)) >= 0
	}
	return t
}()

// appendCase appends s in upper or lower case, as strings.ToUpper and
// strings.ToLower write it, without a string of its own when s is ASCII.
func appendCase(b []byte, s string, upper bool) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if upper {
				return append(b, strings.ToUpper(s)...)
			}
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
