package decide

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// AppendJSON appends the decision's propositions without their traces as
// JSON, {"propositions":[…]}: the bytes json.Marshal writes for them (the
// decide command's shape), without reflection. A batch run writes one per
// recipient to decisions.ndjson. It fails only for a score that is not a
// finite number, as json.Marshal does.
func (d *Decision) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"propositions":`...)
	if d.Propositions == nil {
		return append(dst, "null}"...), nil
	}
	dst = append(dst, '[')
	for i, p := range d.Propositions {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"activity":`...)
		dst = appendJSONString(dst, p.Activity)
		dst = append(dst, `,"placement":`...)
		dst = appendJSONString(dst, p.Placement)
		dst = append(dst, `,"offers":`...)
		if p.Offers == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, '[')
			for k, c := range p.Offers {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, `{"id":`...)
				dst = appendJSONString(dst, c.ID)
				dst = append(dst, `,"score":`...)
				var err error
				if dst, err = appendJSONFloat(dst, c.Score); err != nil {
					return nil, fmt.Errorf("offer %s: %w", c.ID, err)
				}
				dst = append(dst, `,"rank":`...)
				dst = strconv.AppendInt(dst, int64(c.Rank), 10)
				dst = append(dst, '}')
			}
			dst = append(dst, ']')
		}
		dst = append(dst, `,"fallback":`...)
		if p.Fallback == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, `{"id":`...)
			dst = appendJSONString(dst, p.Fallback.ID)
			dst = append(dst, '}')
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...), nil
}

// appendJSONString appends s as a JSON string. Library ids need no
// escaping; anything else goes through encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64: 'f' format,
// or 'e' for very small and very large magnitudes, with e-09 written e-9.
func appendJSONFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("score %v is not a finite number", f)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}
