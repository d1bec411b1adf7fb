package pql

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/diag"
)

// FuzzTranslate: any text either translates or gives an *Error at a
// position inside it, never a panic or a hang; and whatever it translates
// to, the engine's loader takes or refuses cleanly. Crashers are kept in
// testdata/fuzz/FuzzTranslate.
func FuzzTranslate(f *testing.F) {
	for _, s := range []string{
		`loyalty.tier.equals("gold", false) and loyalty.points >= 1000`,
		`homeAddress.countryCode in ["CA"]`,
		`commerce.lastOrderDate occurs <= 30 days before now`,
		`exists I from person.interests where I = "running"`,
		`personalEmail.address like "%@gmail.com"`,
		`@{_xdm.context.additionalParameters;version=1}.weather = "rain"`,
		`homeAddress.stateProvince notIn ["QC"] and not (homeAddress.city.startsWith("mont", false))`,
		`exists E from xEvent where E.commerce.order.priceTotal > 100`,
		`person.birthDate.getMonth() = currentMonth()`,
		`if (offer.selectionConstraint.endDate occurs <= 7 days after now, offer.rank.priority * 2, offer.rank.priority)`,
		`d occurs between date(2015, 1, 8) and date(2017, 7, 1)`,
		`(P) => P.a.b[0] = 'x'`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range []Kind{Rule, Formula} {
			out, err := Translate(src, kind)
			if err != nil {
				e, ok := err.(*diag.Error)
				if !ok {
					t.Fatalf("Translate(%q) error %T %v, want *diag.Error", src, err, err)
				}
				lines := strings.Split(src, "\n")
				if e.Line < 1 || e.Col < 1 || e.Line > len(lines) || e.Col > utf8.RuneCountInString(lines[e.Line-1])+1 {
					t.Fatalf("Translate(%q) error at %d:%d, outside the text", src, e.Line, e.Col)
				}
				continue
			}
			if !utf8.ValidString(out) {
				t.Fatalf("Translate(%q) = %q, not UTF-8", src, out)
			}
			doc := "rules: [{id: r, when: '" + strings.ReplaceAll(out, "'", "''") + "'}]\n"
			if kind == Formula {
				doc = "formulas: [{id: f, score: '" + strings.ReplaceAll(out, "'", "''") + "'}]\n"
			}
			decide.LoadFiles([]decide.File{{Name: "f.yaml", Data: []byte(doc)}})
		}
	})
}
