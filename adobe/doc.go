// Package adobe imports an Adobe Offer Decisioning (Journey Optimizer
// Decision Management) export into an offermail library (SPEC §2).
//
// Import reads the JSON the Offer Library API returns — the legacy
// repository's listings ({"_embedded": {"results": [{"_instance": …}]}}),
// the current API's listings ({"results": […]} of plain objects), lookups,
// or plain arrays — one file per object type or all in one, in any order.
// Fields are read with or without their "xdm:" prefix. An object's kind
// comes from its "schemas" (or its listing's self link), else from its
// "@id" (xcore:personalized-offer:…), else from the fields it has.
//
// The mapping:
//
//	placement         → placements: name; componentType html, text, imagelink,
//	                    json → content html, text, image, json; channel's last
//	                    segment → channel; itemCount → items.
//	decision rule     → rules: condition (PQL, "xdm:condition.xdm:value" or
//	                    "condition.value") → when, translated by package pql.
//	ranking formula   → formulas: expression (PQL) → score.
//	personalized offer→ offers: name, status, rank.priority → priority,
//	                    selectionConstraint startDate/endDate → start/end,
//	                    eligibilityRule → eligibility, tags → tags (the tags'
//	                    names), characteristics → attributes (plus adobeId),
//	                    cappingConstraint globalCap/profileCap and
//	                    frequencyCappingConstraints → caps, representations →
//	                    content per placement (content or copyline → html or
//	                    text; deliveryURL → image, linkURL → link, the offer's
//	                    name → alt; JSON text → json data).
//	fallback offer    → fallbacks: name, tags, attributes, content.
//	tag (qualifier)   → a tag name on the offers that carry it.
//	collection        → collections: filterType anyTags/allTags (any-tags,
//	                    all-tags) → anyTags/allTags, offers → offers.
//	decision          → activities: name, status, dates, fallback; each
//	                    criterion's placements, optionSelection.filter (or a
//	                    direct options list, which becomes a collection of its
//	                    own), profileConstraint(s) → eligibility, and
//	                    rank/ranking order (static → priority,
//	                    scoringFunction → formula:<id>, rankingStrategy →
//	                    model:<id>). Criteria of one placement are evaluated
//	                    in the order written, each filling what earlier ones
//	                    left empty (SPEC §4's groups). The 2019 form (one
//	                    placement and filter on the activity) is read too.
//
// Ids are slugs of the names ("Winter jacket 30% off" → winter-jacket-30-off),
// made unique per kind with -2, -3…; the Adobe id stays in a comment above
// each object and, for offers and fallbacks, in the adobeId attribute.
//
// What cannot be translated is written so that it does nothing rather than
// something wrong, and reported: a rule becomes `when: 'false'` with the
// original PQL in a TODO comment; a formula ranks by priority; an audience
// constraint is a false rule; a cap on clicks, impressions or custom
// events is left out. What is translated with a different meaning is
// reported as approximated (a reset every N > 1 periods, a cap on one
// placement, AI ranking). Every field the import did not read is reported
// as ignored, and bad input (malformed JSON, wrong types, references to
// objects the export lacks) is a diag.List naming file, line, column and
// JSON path, with nothing written.
//
// The library is written into a temporary directory beside the output
// directory, checked as mailpreview check does, and renamed into place;
// the Report (also written as import-report.json) says what happened.
package adobe
