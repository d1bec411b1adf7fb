package decide

import (
	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/diag"
)

// maxAliasNodes bounds the nodes that aliases add to one library file once
// expanded. Anchors and aliases let a file repeat a block (one content for
// many offers); nested, they multiply it: ten levels of ten aliases of the
// level below are 10¹⁰ nodes written in 600 bytes. yaml.v3 keeps aliases
// as references in its node tree; the loader expands them as it reads, so
// the file is measured, expanded, before anything reads it.
const maxAliasNodes = 100_000

// checkAliases refuses a document whose aliases add more than
// maxAliasNodes nodes, or an alias inside the node it names (which would
// expand forever), with an error at the alias. The expanded size of each
// anchored node is computed once, so checking costs the size of the
// document as written.
func (s *source) checkAliases(doc *yaml.Node) bool {
	c := aliasCounter{sizes: map[*yaml.Node]int64{}}
	c.walk(doc)
	if c.bad == nil {
		return true
	}
	if c.cycle {
		s.errorc(diag.Limit, c.bad, "alias *%s is inside the node it names, so it would never end; remove it", c.bad.Value)
	} else {
		s.errorc(diag.Limit, c.bad, "alias *%s takes the nodes aliases add to this file past %d (a nested alias bomb?); repeat less, or write the content out", c.bad.Value, maxAliasNodes)
	}
	return false
}

type aliasCounter struct {
	// sizes holds the expanded size of anchored nodes, -1 while measuring.
	sizes map[*yaml.Node]int64
	added int64
	bad   *yaml.Node
	cycle bool
}

// walk visits the document as written, adding what each alias expands to.
func (c *aliasCounter) walk(n *yaml.Node) {
	if c.bad != nil {
		return
	}
	if n.Kind == yaml.AliasNode {
		c.added += c.expanded(n.Alias, n)
		if c.bad == nil && c.added > maxAliasNodes {
			c.bad = n
		}
		return
	}
	for _, child := range n.Content {
		c.walk(child)
	}
}

// expanded is the number of nodes n stands for with its aliases expanded,
// saturated just past the budget. from is the alias being expanded, for
// the error when n contains it.
func (c *aliasCounter) expanded(n, from *yaml.Node) int64 {
	if n == nil || c.bad != nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		return c.expanded(n.Alias, n)
	}
	if size, ok := c.sizes[n]; ok {
		if size < 0 {
			c.bad, c.cycle = from, true
			return 0
		}
		return size
	}
	c.sizes[n] = -1
	size := int64(1)
	for _, child := range n.Content {
		size = min(size+c.expanded(child, from), maxAliasNodes+1)
	}
	c.sizes[n] = size
	return size
}
