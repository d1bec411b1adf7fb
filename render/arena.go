package render

import "unsafe"

// The arena holds the text one execution makes on the way to its output:
// offer content rendered for its item (a link, an alt text, html content),
// which a template reads as a value ({{link}}, {{#if content}}) and may
// write several times. Rendering a recipient makes a handful of such
// strings; allocating each would be most of the allocations of a render.
//
// The invariant that makes this safe: a string from the arena lives no
// longer than the execution that made it. The state drops every reference
// to them in reset, before the next execution writes over the arena, and
// nothing made from them leaves Execute (the output is copied into the
// caller's buffers, errors are formatted, the log helper gets a copy).
// Within an execution the arena only grows: bytes under a string are never
// written twice, and when append moves the arena to a larger array the
// strings keep the old one alive.

// arenaString returns b, the end of s.arena, as a string without copying.
func arenaString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// beginArena makes the arena the output buffer, for offer content to be
// rendered into; endArena restores the output buffer and returns what was
// written since, as an arena string. They do not nest: offer content, the
// one thing rendered into the arena, cannot hold placeholders.
func (s *state) beginArena() (saved []byte, start int) {
	saved, start = s.buf, len(s.arena)
	s.buf = s.arena
	return saved, start
}

func (s *state) endArena(saved []byte, start int) string {
	s.arena, s.buf = s.buf, saved
	return arenaString(s.arena[start:])
}
