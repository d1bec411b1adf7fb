package message

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// ruleIndex finds the rules worth trying on an element. Most selectors in
// an email's style sheet end in a class, an id or a tag name, which an
// element must carry for the selector to match it; the index files each
// rule under that name, so an element is matched against the rules filed
// under its own tag, classes and id (plus the rules that could not be
// filed) rather than against every rule of the sheet. The selectors
// themselves still decide: the index only leaves out rules that cannot
// match.
type ruleIndex struct {
	byTag, byClass, byID map[string][]int
	// unfiled are the rules tried on every element.
	unfiled []int
}

func newRuleIndex(selectors []string) *ruleIndex {
	ix := &ruleIndex{byTag: map[string][]int{}, byClass: map[string][]int{}, byID: map[string][]int{}}
	for i, sel := range selectors {
		switch kind, name := subjectName(sel); kind {
		case '.':
			ix.byClass[name] = append(ix.byClass[name], i)
		case '#':
			ix.byID[name] = append(ix.byID[name], i)
		case 't':
			ix.byTag[name] = append(ix.byTag[name], i)
		default:
			ix.unfiled = append(ix.unfiled, i)
		}
	}
	return ix
}

// candidates appends to buf, in ascending order and once each, the rules
// that may match n.
func (ix *ruleIndex) candidates(n *html.Node, buf []int) []int {
	buf = append(buf, ix.unfiled...)
	buf = append(buf, ix.byTag[n.Data]...)
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			for s := a.Val; s != ""; {
				i := strings.IndexAny(s, classSpace)
				if i < 0 {
					i = len(s)
				}
				if i > 0 {
					buf = append(buf, ix.byClass[s[:i]]...)
				}
				s = s[min(i+1, len(s)):]
			}
		case "id":
			buf = append(buf, ix.byID[a.Val]...)
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}

// classSpace separates the classes of a class attribute, for cascadia.
const classSpace = " \t\r\n\f"

// subjectName returns a name an element must carry to match sel: kind '.'
// for a class, '#' for an id, 't' for a tag name (lower case, as cascadia
// compares it). A class is preferred: it is the most selective. Kind 0
// means sel is not a plain chain of tag, class and id selectors with
// combinators, the only form read here.
func subjectName(sel string) (kind byte, name string) {
	s := strings.TrimRight(sel, classSpace)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isPlainNameByte(c) && !strings.ContainsRune(".# \t\r\n\f>+~", rune(c)) {
			return 0, ""
		}
	}
	compound := s[strings.LastIndexAny(s, " \t\r\n\f>+~")+1:]
	i := 0
	for i < len(compound) && isPlainNameByte(compound[i]) {
		i++
	}
	tag := compound[:i]
	var id string
	for rest := compound[i:]; rest != ""; {
		j := 1
		for j < len(rest) && isPlainNameByte(rest[j]) {
			j++
		}
		switch rest[0] {
		case '.':
			return '.', rest[1:j]
		case '#':
			if id == "" {
				id = rest[1:j]
			}
		}
		rest = rest[j:]
	}
	switch {
	case id != "":
		return '#', id
	case tag != "":
		return 't', strings.ToLower(tag)
	}
	return 0, ""
}

// isPlainNameByte reports an ASCII byte that may appear in a CSS name.
func isPlainNameByte(c byte) bool {
	return c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
