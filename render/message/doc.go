package message

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A template's document is compiled once, at load (CompileDoc): its HTML
// with a mark where each recipient value goes (a value mark, text) and
// where each block, partial or body begins, turns to its other branch
// and ends (a block mark, an HTML comment). The document is parsed, its
// CSS inlined and written out, and its text alternative compiled, once;
// the result is cut at the marks into pieces (Doc.After). Per recipient,
// the template writes the pieces and, between them, its values, escaped
// as the HTML writer would have escaped them after a parse (DocWriter):
// the output is what Finish makes of the whole message, without parsing
// it. Where that equality cannot be shown at load, CompileDoc refuses and
// says why (a *Refusal); where it cannot be shown for one recipient's
// values, DocWriter says so and that message goes the reference way.

// MarkKind is what a mark of a template's document stands for.
type MarkKind uint8

const (
	// MarkText is an escaped value: text, never markup.
	MarkText MarkKind = iota
	// MarkRaw is a value that may hold markup (a triple-stash, a
	// placeholder's HTML, a helper's block).
	MarkRaw
	// MarkBlock is where a block, partial or body begins, turns to its
	// inverse, or ends: a comment in the document, nothing in the output.
	MarkBlock
)

// AppendMark appends mark n as the template's document writes it.
func AppendMark(dst []byte, n int, kind MarkKind) []byte {
	if kind == MarkBlock {
		dst = append(dst, "<!--"...)
	}
	dst = appendMarkRunes(dst, n)
	if kind == MarkBlock {
		dst = append(dst, "-->"...)
	}
	return dst
}

// appendMarkRunes appends the three runes of mark n in UTF-8, written out
// (a shape's key is built of marks for every value of markup): markLead
// is EE 80 80, and a digit, markBase plus 12 bits, is EF then its two
// 6-bit halves.
func appendMarkRunes(dst []byte, n int) []byte {
	if n < 0 || n >= maxMarks {
		dst = append(dst, string(rune(markLead))...)
		dst = append(dst, string(rune(markBase+(n>>12)))...)
		return append(dst, string(rune(markBase+(n&0xfff)))...)
	}
	hi, lo := n>>12, n&0xfff
	return append(dst, 0xEE, 0x80, 0x80,
		0xEF, byte(0x80|hi>>6), byte(0x80|hi&0x3f),
		0xEF, byte(0x80|lo>>6), byte(0x80|lo&0x3f))
}

// HasMark reports whether s holds a mark's lead character, which the text
// of a compiled template may not.
func HasMark(s string) bool { return hasMark(s) }

// Refusal says why a template's document cannot be compiled, at which
// mark when one is to blame (-1: none), and the selector concerned when
// it is the CSS (a selector whose matches depend on recipient data).
type Refusal struct {
	Reason   string
	Mark     int
	Selector string
}

func (r *Refusal) Error() string { return r.Reason }

func refuse(mark int, format string, args ...any) *Refusal {
	return &Refusal{Reason: fmt.Sprintf(format, args...), Mark: mark}
}

// Piece is the HTML and text that follow a mark up to the next one.
type Piece struct {
	HTML []byte
	text TextOps
	qp   qpAhead // its quoted-printable worked out at load (qp_ahead.go)
}

// slot is what a recipient's value at a value mark needs: where it is.
type slot struct {
	kind   MarkKind
	inAttr bool
	attr   string // the attribute's name when inAttr
	// parent is the element around a value in text, from a copy of the
	// document as it was before the inlining (selectors match what the
	// template wrote), the context a raw value's markup is parsed in.
	parent *html.Node
	silent bool // the text alternative does not show it
	link   bool // inside a link's text
	// anchor: a link is open around it in the document, so markup of the
	// value may not open one.
	anchor bool
	// bodyStart: first in a <body> the parser may have opened for it,
	// where white space it starts with would go before the body.
	bodyStart bool
}

// Doc is a template's document compiled at load. It is immutable and safe
// for concurrent use.
type Doc struct {
	lead   Piece
	after  []Piece // after[n]: the piece after mark n
	slots  []slot  // per mark (blocks too, unused)
	styles *Styles // nil: the template has no <style>; HTML is not rewritten
	// preAfter is the mark whose piece the preheader follows (-1: lead);
	// pre is its opening (to the value) and preRest the rest, closing it.
	preAfter      int
	pre, preClose Piece
	preRest       Piece // what follows the preheader, up to the next mark
	// order lists the marks in output order after a -1 for the lead;
	// index[m] is the place of mark m in it.
	order, index []int
	// structural: the CSS has selectors that depend on siblings, so only
	// raw values may hold markup (a helper's safe string in an escaped
	// value would add siblings where the template showed text).
	structural bool
	staticPre  bool // the preheader is in the pieces already
	// readsAttr: a selector reads the attribute of holeAttrs, whose
	// values are then no holes of a markup value's shape.
	readsAttr [len(holeAttrs)]bool
}

// Lead returns the piece before the first mark.
func (d *Doc) Lead() *Piece { return &d.lead }

// After returns the piece after mark n.
func (d *Doc) After(n int) *Piece { return &d.after[n] }

// Empty reports whether the piece after mark n (-1: the lead) writes
// neither HTML nor text.
func (d *Doc) Empty(n int) bool {
	p := &d.lead
	if n >= 0 {
		p = &d.after[n]
	}
	return len(p.HTML) == 0 && len(p.text.ops) == 0
}

// PreheaderAfter returns the mark whose piece the preheader follows, -1
// for the lead.
func (d *Doc) PreheaderAfter() int { return d.preAfter }

// unterminatedRef finds text that ends in what could start a character
// reference: a value after it would change how it reads.
var unterminatedRef = regexp.MustCompile(`&[#A-Za-z0-9]*$`)

// structural matches selectors whose matches depend on an element's
// siblings, which blocks and markup in values change.
var structural = regexp.MustCompile(`[+~]|:(first|last|nth|only)-|:empty|:root`)

// tableText are the elements whose text the HTML parser moves out
// (foster parenting) or drops, or keeps as raw text: no value may go there.
var tableText = map[atom.Atom]bool{
	atom.Table: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Tr: true,
	atom.Colgroup: true, atom.Select: true, atom.Head: true, atom.Html: true, atom.Frameset: true,
	atom.Style: true, atom.Script: true, atom.Textarea: true, atom.Title: true, atom.Noscript: true,
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Xmp: true, atom.Plaintext: true,
	atom.Template: true, atom.Svg: true, atom.Math: true,
}

// CompileDoc compiles a template's document, skeleton, written with marks
// 0 to len(kinds)-1 in order (AppendMark); groups lists the block marks
// that belong together (begin, else, end), which must be siblings. A
// preheader that is the same for every recipient is pre (static true):
// it goes into the document as WithPreheader puts it; otherwise each
// message gives its own to DocWriter.Preheader.
func CompileDoc(skeleton string, kinds []MarkKind, groups [][]int, pre string, static bool) (d *Doc, err error) {
	defer func() {
		// Third-party parsers on a template's text: a panic only means
		// the template is not compiled.
		if r := recover(); r != nil {
			d, err = nil, refuse(-1, "compiling the document: %v", r)
		}
	}()
	if testHookFinish != nil {
		return nil, refuse(-1, "a test captures what Finish is given")
	}
	n := len(kinds)
	if n+3 >= maxMarks {
		return nil, refuse(-1, "too many values")
	}
	if r := checkSkeleton(skeleton, kinds); r != nil {
		return nil, r
	}
	if static {
		skeleton = WithPreheader(skeleton, pre)
	}
	// A preheader of each recipient goes where WithPreheader puts it, as a
	// block of its own: it is left out when blank. A static one is
	// already in; the block is then found empty.
	preB, preV, preE := n, n+1, n+2
	kinds = append(kinds[:n:n], MarkBlock, MarkText, MarkBlock)
	if static {
		kinds[preV] = MarkBlock
	}
	groups = append(groups[:len(groups):len(groups)], []int{preB, preE})
	at := bodyStart(skeleton)
	if depthAt(skeleton[:at], kinds, groups) != 0 {
		return nil, refuse(-1, "the <body> tag is inside a block")
	}
	var b strings.Builder
	b.WriteString(skeleton[:at])
	b.Write(AppendMark(nil, preB, MarkBlock))
	if !static {
		b.WriteString(`<div style="` + preheaderStyle + `">`)
		b.Write(AppendMark(nil, preV, MarkText))
		b.WriteString(preheaderFiller + "</div>")
	} else {
		b.Write(AppendMark(nil, preV, MarkBlock))
		groups[len(groups)-1] = []int{preB, preV, preE}
	}
	b.Write(AppendMark(nil, preE, MarkBlock))
	b.WriteString(skeleton[at:])
	full := b.String()

	root, err := html.Parse(strings.NewReader(full))
	if err != nil {
		return nil, refuse(-1, "parse: %v", err)
	}
	pristine, _ := html.Parse(strings.NewReader(full))
	d = &Doc{slots: make([]slot, len(kinds)), after: make([]Piece, len(kinds))}
	if r := d.findMarks(root, pristine, kinds, groups); r != nil {
		return nil, r
	}
	if r := checkEmptyValues(full, kinds); r != nil {
		return nil, r
	}

	document := isDocument(full)
	out := full
	if hasTag(full, "style") {
		st, r := d.inline(root, kinds)
		if r != nil {
			return nil, r
		}
		d.styles = st
		d.setReadAttrs()
		if document {
			out, err = renderChildren(root, len(full))
		} else {
			out, err = renderFragment(root, len(full))
		}
		if err != nil {
			return nil, refuse(-1, "write: %v", err)
		}
		out = reencodeFast(dropIgnoreMarks(out))
	}
	if r := d.cut(out, full, kinds); r != nil {
		return nil, r
	}
	if r := d.compileText(root, len(kinds)); r != nil {
		return nil, r
	}
	// The preheader's own pieces, taken out of the sequence.
	d.preAfter = d.prevMark(preB)
	d.pre, d.preClose, d.preRest = d.after[preB], d.after[preV], d.after[preE]
	d.staticPre = static
	d.after = d.after[:n]
	d.slots = d.slots[:n]
	d.lead.encodeAhead()
	d.preRest.encodeAhead()
	for i := range d.after {
		d.after[i].encodeAhead()
	}
	return d, nil
}

// checkSkeleton refuses what the marks cannot stand for: a value in a
// place where the parser would move or drop it, and text before a value
// that could join it into a character reference.
func checkSkeleton(skeleton string, kinds []MarkKind) *Refusal {
	z := html.NewTokenizer(strings.NewReader(skeleton))
	var stack []atom.Atom
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return nil
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if !voidElement[a] {
				stack = append(stack, a)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] == a {
					stack = stack[:i]
					break
				}
			}
		case html.TextToken:
			raw := string(z.Raw())
			m, _ := rawMark(raw)
			if m < 0 {
				continue
			}
			if len(stack) > 0 && tableText[stack[len(stack)-1]] {
				return refuse(m, "a value in <%s>, where the HTML parser moves or keeps text apart", stack[len(stack)-1])
			}
			var bad int = -1
			splitRaw(raw, func(before string, mark int) {
				if bad < 0 && unterminatedRef.MatchString(before) {
					bad = mark
				}
			})
			if bad >= 0 {
				return refuse(bad, "text ending in '&' before a value: the value could complete a character reference")
			}
		}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			if m, r := checkAttrMarks(string(z.Raw())); r != "" {
				return refuse(m, "%s", r)
			}
		}
	}
}

// rawMark returns the first value mark in raw, or -1.
func rawMark(raw string) (int, int) {
	at, n := nextMark(raw)
	if at < 0 {
		return -1, 0
	}
	return n, at
}

// splitRaw calls f with the text before each mark in raw and its number.
func splitRaw(raw string, f func(before string, mark int)) {
	for {
		at, n := nextMark(raw)
		if at < 0 {
			return
		}
		f(raw[:at], n)
		raw = raw[at+markLen:]
	}
}

// checkAttrMarks requires every mark in a tag to be in a quoted attribute
// value, where a value cannot end the attribute or the tag.
func checkAttrMarks(tag string) (int, string) {
	var quote byte
	prevEq := false
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if at, n := nextMark(tag[i:]); at == 0 {
			if quote == 0 {
				return n, "a value outside a quoted attribute value"
			}
			i += markLen - 1
			continue
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case (c == '"' || c == '\'') && prevEq:
			quote = c
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && quote == 0 {
			prevEq = c == '='
		}
	}
	return 0, ""
}

// depthAt counts the blocks open at the end of s.
func depthAt(s string, kinds []MarkKind, groups [][]int) int {
	pos := map[int]int{} // mark → index in its group, -1 for the last
	for _, g := range groups {
		for i, m := range g {
			if i == len(g)-1 {
				pos[m] = -1
			} else {
				pos[m] = i
			}
		}
	}
	depth := 0
	splitMarks(s, func(string) {}, func(m int) {
		if m < len(kinds) && kinds[m] == MarkBlock {
			switch pos[m] {
			case 0:
				depth++
			case -1:
				depth--
			}
		}
	})
	return depth
}

// prevMark returns the mark before m in output order (-1: the lead).
func (d *Doc) prevMark(m int) int { return d.order[d.index[m]-1] }

var voidElement = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true,
}
