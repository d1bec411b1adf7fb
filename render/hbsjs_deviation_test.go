package render

import "strings"

// deviationOf names the documented deviation that explains a difference
// between this package and handlebars.js on a case, or returns "" when
// none does. Each is written in README's "Choices and deviations" and in
// doc.go ("Where offermail differs from handlebars.js").
func deviationOf(c *hbsCase, got string, err error, r *hbsRecord) string {
	// A template file's byte-order mark is the file's encoding mark, not
	// content: offermail drops it at load.
	if c.dir != "" && err == nil && r.Out != nil && strings.HasPrefix(c.Template, "\uFEFF") &&
		got == strings.Replace(*r.Out, "\uFEFF", "", 1) {
		return "bom"
	}
	// handlebars.js 4.7 adds numbers written raw side by side
	// ({{{a}}}{{{b}}} prints 3 for 1 and 2), a bug fixed upstream.
	if err == nil && r.Fixed != nil && got == *r.Fixed {
		return "adjacent raw numbers"
	}
	if err == nil || r.Out == nil {
		return ""
	}
	// Load errors offermail makes where handlebars.js renders: each
	// protects a template from a mistake handlebars.js would render as
	// nothing (or not notice until the branch runs).
	msg := err.Error()
	for _, d := range loadDeviations {
		if strings.Contains(msg, d.msg) {
			return d.cause
		}
	}
	return ""
}

var loadDeviations = []struct{ msg, cause string }{
	{"unknown data variable @", "unknown @variable"},
	{"takes no named arguments", "unused named argument"},
	{"has no argument", "unused named argument"},
	{"goes above the top of the", "../ above the top"},
	{"unknown helper", "unknown helper"},
	{"is not a helper: only a helper takes arguments", "unknown helper"},
	{"a raw block is written {{{{raw}}}}", "raw block other than raw"},
	{"partial blocks ({{#> name}}…{{/name}}) are not supported", "partial blocks, inline partials"},
	{"inline partials and decorators ({{#*inline}}) are not supported", "partial blocks, inline partials"},
	{"is a block helper", "block helper used inline"},
	{"is not a block helper", "helper used as a block"},
	{" needs ", "helper argument count"},
	{" takes at most ", "helper argument count"},
}
