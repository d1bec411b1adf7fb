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
type KeyOrder struct {
	keys map[unsafe.Pointer][]string
}

// Keys returns obj's keys in the order the JSON had them, or nil when obj
// was not recorded (then sorted order is the JSON's).
func (o *KeyOrder) Keys(obj map[string]any) []string {
	if o == nil || o.keys == nil {
		return nil
	}
	return o.keys[reflect.ValueOf(obj).UnsafePointer()]
}

// record notes the keys of obj in source order, when they are not sorted.
func (o *KeyOrder) record(obj map[string]any, keys []string) {
	if o == nil || slices.IsSorted(keys) {
		return
	}
	if o.keys == nil {
		o.keys = map[unsafe.Pointer][]string{}
	}
	o.keys[reflect.ValueOf(obj).UnsafePointer()] = slices.Clone(keys)
}

// orNil returns a KeyOrder holding o's record, or nil when o recorded
// nothing, so that records in sorted order carry none.
func (o *KeyOrder) orNil() *KeyOrder {
	if o.keys == nil {
		return nil
	}
	return &KeyOrder{keys: o.keys}
}
