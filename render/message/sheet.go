package message

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/vanng822/css"
)

// sheet is what the fast inliner needs from the <style> blocks of a
// document, worked out once per template (Styles): the rules to inline,
// already in the order premailer applies them, and the CSS premailer
// writes back into <head> for what it cannot inline.
//
// The CSS is parsed by premailer's own parser (vanng822/css), so the
// declarations, values and leftovers are premailer's to the byte; what
// this file adds is doing it once instead of once per recipient. A sheet is
// shared by concurrent calls and never changes once compiled.
type sheet struct {
	rules []*sheetRule
	index *ruleIndex
	// leftover is the text of the <style type="text/css"> element
	// premailer appends to <head>, or "" when it appends none.
	leftover string
	// refusal says why the fast path must leave documents using this
	// sheet to premailer; "" when it need not.
	refusal string
}

// matched returns the rules listed by indexes.
func (sh *sheet) matched(indexes []int) []*sheetRule {
	rs := make([]*sheetRule, len(indexes))
	for i, j := range indexes {
		rs[i] = sh.rules[j]
	}
	return rs
}

// sheetRule is one selector of a style rule with either its normal or its
// !important declarations, as premailer splits them.
type sheetRule struct {
	selector string
	match    cascadia.Selector
	decls    []decl
	// rank orders rules as premailer's specificity does, most significant
	// first: important, ids, classes, attributes, types. Equal ranks keep
	// the order of the style sheet.
	rank [5]int
}

// decl is a declaration as premailer writes it into a style attribute.
type decl struct{ prop, value string }

// Selectors premailer never inlines: pseudo-classes and pseudo-elements
// that need a browser state or generate content, the ones it does not
// support, and anything with a universal selector. Such a selector goes
// into the leftover <style> block instead.
var (
	statefulPseudo    = regexp.MustCompile(`(?i):(?:visited|active|hover|focus|link|root|in-range|invalid|valid|after|before|selection|target|first-line|first-letter)`)
	unsupportedPseudo = regexp.MustCompile(`(?i):(?:checked|disabled|enabled|lang)`)
)

func keptAside(selector string) bool {
	return strings.HasPrefix(selector, "@") || strings.Contains(selector, "*") ||
		statefulPseudo.MatchString(selector) || unsupportedPseudo.MatchString(selector)
}

// compileSheet builds the sheet for the texts of the <style> blocks
// premailer would read, in document order.
func compileSheet(blocks []string) (sh *sheet) {
	defer func() {
		// The CSS parser is third-party code; whatever it does on
		// this input, premailer will do again and report.
		if r := recover(); r != nil {
			sh = &sheet{refusal: fmt.Sprintf("css parser panicked: %v", r)}
		}
	}()
	sh = &sheet{}
	var aside []*css.CSSRule
	for _, text := range blocks {
		for _, r := range css.Parse(text).GetCSSRuleList() {
			if r.Type != css.STYLE_RULE {
				aside = append(aside, r)
				continue
			}
			normal, important := splitImportant(r.Style.Styles)
			for _, sel := range strings.Split(r.Style.Selector.Text(), ",") {
				if keptAside(sel) {
					aside = append(aside, selectorCopy(sel, r))
					continue
				}
				if why := unsafeSelector(sel); why != "" {
					return &sheet{refusal: why}
				}
				match, err := cascadia.Compile(sel)
				if err != nil {
					// goquery matches nothing with a selector cascadia
					// rejects; the rule has no effect.
					continue
				}
				rank := selectorRank(sel)
				if len(normal) > 0 {
					sh.rules = append(sh.rules, &sheetRule{selector: sel, match: match, decls: normal, rank: rank})
				}
				if len(important) > 0 {
					rank[0] = 1
					sh.rules = append(sh.rules, &sheetRule{selector: sel, match: match, decls: important, rank: rank})
				}
			}
		}
	}
	slices.SortStableFunc(sh.rules, func(a, b *sheetRule) int {
		return slices.Compare(a.rank[:], b.rank[:])
	})
	selectors := make([]string, len(sh.rules))
	for i, r := range sh.rules {
		selectors[i] = r.selector
	}
	sh.index = newRuleIndex(selectors)
	sh.leftover = leftoverCSS(aside)
	return sh
}

func splitImportant(styles []*css.CSSStyleDeclaration) (normal, important []decl) {
	for _, s := range styles {
		d := decl{s.Property, s.Value.Text()}
		if s.Important {
			important = append(important, d)
		} else {
			normal = append(normal, d)
		}
	}
	return normal, important
}

// unsafeSelector reports a selector whose matches would depend on the
// order premailer visits elements in: it marks every matched element with
// a pr-el-id attribute while it is still matching. A CSS escape could
// spell that name in disguise, so any escape is refused too.
func unsafeSelector(sel string) string {
	if strings.Contains(strings.ToLower(sel), "pr-el-id") || strings.Contains(sel, `\`) {
		return fmt.Sprintf("selector %q may see premailer's element marks", sel)
	}
	return ""
}

// selectorRank counts as premailer does: every '#', '.' and '[' in the
// selector text, and as types every word character that starts the
// selector or follows white space.
func selectorRank(sel string) [5]int {
	types := 0
	for i := 0; i < len(sel); i++ {
		if isWordByte(sel[i]) && (i == 0 || isSpaceByte(sel[i-1])) {
			types++
		}
	}
	return [5]int{0, strings.Count(sel, "#"), strings.Count(sel, "."), strings.Count(sel, "["), types}
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// selectorCopy is the rule premailer keeps aside for one selector of a
// style rule: the declarations re-read from their text.
func selectorCopy(sel string, r *css.CSSRule) *css.CSSRule {
	styles := make([]*css.CSSStyleDeclaration, len(r.Style.Styles))
	for i, s := range r.Style.Styles {
		styles[i] = css.NewCSSStyleDeclaration(s.Property, s.Value.Text(), s.Important)
	}
	return &css.CSSRule{Type: r.Type, Style: css.CSSStyleRule{Selector: css.NewCSSValue(sel), Styles: styles}}
}

// leftoverCSS prints the rules kept aside the way premailer prints its
// leftover block: every declaration made !important (so it still beats the
// inlined styles), @media blocks with their rules inside, any other rule by
// its selector and declarations alone.
func leftoverCSS(aside []*css.CSSRule) string {
	var b strings.Builder
	for _, r := range aside {
		if r.Type != css.MEDIA_RULE {
			b.WriteString(importantText(r))
			continue
		}
		inner := make([]string, len(r.Rules))
		for i, ir := range r.Rules {
			inner[i] = importantText(ir)
		}
		fmt.Fprintf(&b, "%s %s{\n%s\n}\n", r.Type.Text(), r.Style.Selector.Text(), strings.Join(inner, "\n"))
	}
	return b.String()
}

// importantText marks the declarations of r important, in place (r belongs
// to a sheet being compiled), and prints it.
func importantText(r *css.CSSRule) string {
	for _, s := range r.Style.Styles {
		s.Important = true
	}
	return r.Style.Text()
}
