package render

import "strings"

// deviationOf names the documented deviation that explains a difference
// between this package and handlebars.js on a case, or returns "" when
// none does. Each is listed in README's "Choices and deviations" and in
// doc.go.
func deviationOf(c *hbsCase, got string, err error, r *hbsRecord) string {
	// A template file's byte-order mark is the file's encoding mark, not
	// content: offermail drops it at load.
	if c.dir != "" && err == nil && r.Out != nil && strings.HasPrefix(c.Template, "\uFEFF") &&
		got == strings.Replace(*r.Out, "\uFEFF", "", 1) {
		return "bom"
	}
	return ""
}
