// Package pql parses Adobe's Profile Query Language, as decision rules and
// ranking formulas use it, and translates it into offermail's expression
// language (SPEC §3).
//
// Supported: literals, comparisons (= != < <= > >=), and/or/not/!,
// arithmetic, lists and in/notIn, like, the string functions (equals,
// notEqualTo, contains, startsWith, endsWith and their doesNot forms, with
// the optional case-sensitivity argument; matches when the regular
// expression is valid RE2), isNull/isNotNull, get, includes, intersects,
// count, exists/forall over a list of the profile, if(c, a, b), date(y, m,
// d), currentMonth/currentYear/currentDayOfMonth, getMonth/getYear/
// getDayOfMonth, and occurs in all its documented forms (<cmp> N units
// before/after a time, before/after/on a time, between two times,
// this/last/next hour, day, week, month or year) relative to now, today,
// yesterday, tomorrow, a date or a date field.
//
// Paths are kept as written under profile. ($1, a lambda's variable and an
// explicit profile. all mean the profile); @{schema}.x is the request's
// context (context.x); in formulas offer.rank.priority, offer.name,
// offer._id, offer.characteristics.* and offer.selectionConstraint
// startDate/endDate map to the offer's priority, name, attributes.adobeId,
// attributes.* and start/end.
//
// Semantics follow offermail's rules for missing data: a comparison with a
// missing value is false, and so are notIn and the doesNot… tests (PQL's
// notIn is documented that way). Dates in profiles are RFC 3339 text or a
// date alone; today is the UTC day, weeks start on Sunday.
//
// Not supported, and reported with its position: experience events
// (xEvent, select … from), let, audience functions, parameters other than
// $1, regular expressions RE2 lacks (look-around, back references), offer
// fields other than those above.
//
// Parsing is bounded: at most MaxLen bytes and 100 levels of nesting.
package pql
