package render

import (
	"strings"

	"github.com/offermail/offermail/render/message"
)

// compileStyles compiles the CSS of a template at load (message.Styles):
// the style blocks and attributes in the text it writes for every
// recipient. The fragments are runs of literal text through the layout,
// the body and partials without indentation; anything that depends on the
// recipient (an expression, a block, a partial with context) ends a run.
// What is missed here is compiled per message, so this only decides what
// is done once.
func compileStyles(body program) *message.Styles {
	var frags []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			frags = append(frags, cur.String())
			cur.Reset()
		}
	}
	var walk func(p program, depth int)
	walk = func(p program, depth int) {
		for _, n := range p {
			switch n := n.(type) {
			case *textNode:
				cur.WriteString(n.text)
			case *bodyNode:
				walk(n.prog, depth)
			case *partialNode:
				if n.ctx == nil && len(n.hash) == 0 && n.indent == "" && n.ref.prog != nil && depth < maxPartialDepth {
					walk(n.ref.prog, depth+1)
					continue
				}
				flush()
			default:
				flush()
			}
		}
	}
	walk(body, 0)
	flush()
	return message.CompileStyles(frags)
}
