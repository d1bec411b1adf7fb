package render

import "testing"

// TestSameFrameContext: the shortcut for offer items answers as
// sameContext does, for an item beside the same item, another item, every
// other kind of context, and values that are not objects (an item's text
// is compared with a string's).
func TestSameFrameContext(t *testing.T) {
	items := make([]itemData, 2)
	a, b := &items[0], &items[1]
	ctxs := []any{a, b, &rootData{}, &snippetData{}, &hashContext{}, map[string]any{"x": 1}, []any{1},
		nil, true, 0, 1.5, "", "x", string(appendValue(nil, a, false)), safeString("y")}
	if !sameContext(a, string(appendValue(nil, a, false))) {
		t.Errorf("sameContext(item, item's text) is false: the case the shortcut leaves to it is not tested")
	}
	for _, x := range ctxs {
		for _, y := range ctxs {
			if got, want := sameFrameContext(x, y), sameContext(x, y); got != want {
				t.Errorf("sameFrameContext(%#v, %#v) = %v, sameContext says %v", x, y, got, want)
			}
		}
	}
	if !sameFrameContext(a, a) || sameFrameContext(a, b) {
		t.Errorf("an item is the same context as itself only")
	}
}
