package render

import (
	"slices"
	"strings"
)

// partialCycles reports partials that include themselves, directly or
// through others, outside any block. Rendering one never ends, so it
// failed every recipient at run time ("partials nested 50 deep") while
// the template loaded, and check passed it. An include inside a block
// ({{#if}}, {{#each}}) may stop, as a tree does at its leaves, and stays
// allowed: the depth bound catches the ones that do not.
func (b *build) partialCycles() {
	names := make([]string, 0, len(b.partials))
	for name := range b.partials {
		names = append(names, name)
	}
	slices.Sort(names)
	const (
		unseen = iota
		open   // on the path being followed
		closed // every path from it followed
	)
	state := map[string]int{}
	var path []*partialNode // the includes followed from the first partial
	var visit func(name string)
	visit = func(name string) {
		state[name] = open
		ref := b.partials[name]
		for _, nd := range ref.prog {
			n, ok := nd.(*partialNode)
			if !ok {
				continue // text, output, or a block: conditional
			}
			switch state[n.ref.name] {
			case unseen:
				path = append(path, n)
				visit(n.ref.name)
				path = path[:len(path)-1]
			case open:
				cycle := []string{n.ref.name}
				for i := len(path) - 1; i >= 0 && path[i].ref.name != n.ref.name; i-- {
					cycle = append(cycle, path[i].ref.name)
				}
				slices.Reverse(cycle)
				cycle = append([]string{n.ref.name}, cycle[:len(cycle)-1]...)
				cycle = append(cycle, n.ref.name)
				b.errs = append(b.errs, n.pos.errorf("partial %q includes itself (%s) outside any block, so it never ends and no recipient can be rendered: include it inside an {{#if}} or {{#each}} that stops",
					n.ref.name, strings.Join(cycle, " → ")))
			}
		}
		state[name] = closed
	}
	for _, name := range names {
		if state[name] == unseen {
			visit(name)
		}
	}
}
