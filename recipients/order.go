package recipients

import (
	"reflect"
	"slices"
	"unsafe"
)

// KeyOrder is the order in which a record's JSON wrote the keys of its
// objects. Go maps keep no order, and a template's {{#each}} over an
// object follows the JSON's order, as handlebars.js does; render reads it
// through render.Recipient.Order. Only objects whose keys are not already
// in sorted order are recorded (sorted is what a reader of the map gets
// without it), so most records cost nothing. The zero value and nil are
// empty.
//
// A record's order is built in a reader's scratch space and copied out
// once, with every object's keys in one slice: two allocations a record,
// however many objects it orders.
type KeyOrder struct {
	objs []orderedObject
	keys []string
	// index finds an object among many without a scan.
	index map[unsafe.Pointer]int
	// inline holds objs when they are few.
	inline [4]orderedObject
}

// orderedObject is a recorded object: its keys are keys[start:end].
type orderedObject struct {
	obj        unsafe.Pointer
	start, end int
}

// indexAbove is how many objects a KeyOrder scans before it indexes them.
const indexAbove = 8

// Keys returns obj's keys in the order the JSON had them, or nil when obj
// was not recorded (then sorted order is the JSON's).
func (o *KeyOrder) Keys(obj map[string]any) []string {
	if o == nil || len(o.objs) == 0 {
		return nil
	}
	p := reflect.ValueOf(obj).UnsafePointer()
	if o.index != nil {
		if i, ok := o.index[p]; ok {
			return o.objs[i].keysIn(o.keys)
		}
		return nil
	}
	for _, r := range o.objs {
		if r.obj == p {
			return r.keysIn(o.keys)
		}
	}
	return nil
}

func (r orderedObject) keysIn(keys []string) []string { return keys[r.start:r.end:r.end] }

// record notes the keys of obj in source order, when they are not sorted.
func (o *KeyOrder) record(obj map[string]any, keys []string) {
	if o == nil || slices.IsSorted(keys) {
		return
	}
	start := len(o.keys)
	o.keys = append(o.keys, keys...)
	o.objs = append(o.objs, orderedObject{reflect.ValueOf(obj).UnsafePointer(), start, len(o.keys)})
}

// reset empties o, keeping its room, for the next record.
func (o *KeyOrder) reset() {
	clear(o.keys)
	o.objs, o.keys = o.objs[:0], o.keys[:0]
}

// orNil returns a copy of what o recorded, or nil when o recorded
// nothing, so that records in sorted order carry none.
func (o *KeyOrder) orNil() *KeyOrder {
	if len(o.objs) == 0 {
		return nil
	}
	c := &KeyOrder{keys: slices.Clone(o.keys)}
	c.objs = append(c.inline[:0:len(c.inline)], o.objs...)
	if len(c.objs) > indexAbove {
		c.index = make(map[unsafe.Pointer]int, len(c.objs))
		for i, r := range c.objs {
			c.index[r.obj] = i
		}
	}
	return c
}
