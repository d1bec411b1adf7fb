package recipients

import (
	"math"
	"unicode/utf8"
)

// Almost every line of a recipients file is a well-formed record of the
// same plain shape: an object of id, email, profile and context, strings
// without escapes, short decimal numbers, a few levels of nesting. Read
// token by token through jsontext, such a line costs more in the
// tokenizer's bookkeeping (a namespace of names per object to refuse
// duplicates, offsets, token boxes) than in building its values.
//
// fastRecord reads that shape directly, and only that shape: the first
// thing it does not know for certain to be well-formed and valid — an
// escape, invalid UTF-8, an exponent, a number that does not convert
// exactly, deep nesting, a repeated name, an unknown key, a value of the
// wrong type, any syntax error — makes it give up, and parseRecord reads
// the line again the strict way, which finds and words every problem as
// it always did. So the fast path decides nothing that the strict path
// would not decide the same way (fast_test.go compares the two on every
// sample line and under fuzzing): it only gets there sooner.

// fastMaxDepth is how deep the fast path follows objects and arrays, well
// within maxDepth so that it never has to word the limit.
const fastMaxDepth = 32

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastRecord parses p.data, set by reset, as record does when the line
// is a valid record of the plain shape; ok is false when it is not, and
// then what it left in p (members, keys, p.recorded) is to be reset.
func (p *parser) fastRecord() (rec parsed, ok bool) {
	d := p.data
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '{' {
		return rec, false
	}
	rec.objOff, rec.idOff, rec.emailOff = i, i, i
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		i++
	} else {
		var seen [len(recordKeys)]bool
		for {
			raw, j, ok := fastString(d, i)
			if !ok {
				return rec, false
			}
			k := -1
			switch string(raw) {
			case "id":
				k = keyID
			case "email":
				k = keyEmail
			case "profile":
				k = keyProfile
			case "context":
				k = keyContext
			}
			if k < 0 || seen[k] {
				return rec, false
			}
			seen[k] = true
			if i = skipSpace(d, j); i >= len(d) || d[i] != ':' {
				return rec, false
			}
			if i = skipSpace(d, i+1); i >= len(d) {
				return rec, false
			}
			if i, ok = p.fastField(&rec, k, i); !ok {
				return rec, false
			}
			i = skipSpace(d, i)
			if i < len(d) && d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == '}' {
				i++
				break
			}
			return rec, false
		}
	}
	if skipSpace(d, i) != len(d) {
		return rec, false
	}
	if rec.profile == nil {
		rec.profile = map[string]any{}
	}
	if rec.context == nil {
		rec.context = map[string]any{}
	}
	rec.complete = true
	return rec, true
}

// fastField reads the value of record key k, at off, as field does, and
// returns where it ends.
func (p *parser) fastField(rec *parsed, k, off int) (int, bool) {
	d := p.data
	switch {
	case k == keyID && d[off] != '"':
		// A plain integer id keeps its text; anything else about a
		// number is an error the strict path words.
		end := off
		for end < len(d) && '0' <= d[end] && d[end] <= '9' {
			end++
		}
		if end == off || (d[off] == '0' && end > off+1) {
			return 0, false
		}
		rec.id, rec.haveID, rec.idOff = string(d[off:end]), true, off
		return end, true
	case k == keyID || k == keyEmail:
		raw, end, ok := fastString(d, off)
		if !ok {
			return 0, false
		}
		raw = raw[:len(raw):len(raw)]
		if k == keyID {
			rec.idRaw, rec.haveID, rec.idOff = raw, true, off
		} else {
			rec.emailRaw, rec.haveEmail, rec.emailOff = raw, true, off
		}
		return end, true
	case d[off] == 'n':
		// null is "none", as an absent key.
		return fastLiteral(d, off, "null")
	case d[off] != '{':
		return 0, false
	}
	m, end, ok := p.fastObject(off, 1)
	if !ok {
		return 0, false
	}
	if k == keyProfile {
		rec.profile = m
	} else {
		rec.context = m
	}
	return end, true
}

// fastString reads the string at i without escapes or control
// characters, in valid UTF-8: its contents and where it ends.
func fastString(d []byte, i int) (raw []byte, end int, ok bool) {
	if i >= len(d) || d[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(d); j++ {
		switch c := d[j]; {
		case c == '"':
			raw = d[i+1 : j]
			if !ascii && !utf8.Valid(raw) {
				return nil, 0, false
			}
			return raw, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

// fastLiteral reads the literal lit at i. What follows it is the caller's
// to check, as after any value: "nullx" fails there.
func fastLiteral(d []byte, i int, lit string) (int, bool) {
	if len(d)-i < len(lit) || string(d[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// fastNumber reads the number at i when its float64 is exact to compute:
// at most 15 significant digits and 22 decimals, no exponent. Then the
// one division below is correctly rounded, as strconv.ParseFloat is, so
// the two agree bit for bit (strconv takes the same path for it).
func fastNumber(d []byte, i int) (float64, int, bool) {
	neg := i < len(d) && d[i] == '-'
	if neg {
		i++
	}
	if i >= len(d) || d[i] < '0' || d[i] > '9' {
		return 0, 0, false
	}
	var mant uint64
	digits, decimals := 0, 0
	if d[i] == '0' {
		i++ // a digit after it is the caller's error to find
	} else {
		for ; i < len(d) && '0' <= d[i] && d[i] <= '9'; i++ {
			mant = mant*10 + uint64(d[i]-'0')
			digits++
		}
	}
	if i < len(d) && d[i] == '.' {
		i++
		start := i
		for ; i < len(d) && '0' <= d[i] && d[i] <= '9'; i++ {
			mant = mant*10 + uint64(d[i]-'0')
			digits++
		}
		decimals = i - start
		if decimals == 0 {
			return 0, 0, false
		}
	}
	if digits > 15 || decimals >= len(pow10) || (i < len(d) && (d[i] == 'e' || d[i] == 'E')) {
		return 0, 0, false
	}
	f := float64(mant) / pow10[decimals]
	if neg {
		f = -f
	}
	return f, i, true
}

// fastValue reads the value at i (not white space), at depth levels of
// nesting below the record, as value does.
func (p *parser) fastValue(i, depth int) (any, int, bool) {
	d := p.data
	switch d[i] {
	case '{':
		m, end, ok := p.fastObject(i, depth+1)
		return m, end, ok
	case '[':
		return p.fastArray(i, depth+1)
	case '"':
		raw, end, ok := fastString(d, i)
		if !ok {
			return nil, 0, false
		}
		if v, ok := p.values.str(raw); ok {
			return v, end, true
		}
		return p.values.keepStr(raw, string(raw)), end, true
	case 't':
		end, ok := fastLiteral(d, i, "true")
		return true, end, ok
	case 'f':
		end, ok := fastLiteral(d, i, "false")
		return false, end, ok
	case 'n':
		end, ok := fastLiteral(d, i, "null")
		return nil, end, ok
	}
	f, end, ok := fastNumber(d, i)
	if !ok || math.IsInf(f, 0) {
		return nil, 0, false
	}
	return p.values.number(f), end, true
}

// fastName is name for the raw bytes of a member name without escapes.
// Before p.names, it looks in p.recent, where a name is found from its
// length and two of its bytes, without hashing all of it: a file's few
// names rarely share a slot.
func (p *parser) fastName(raw []byte) string {
	if len(raw) > maxNameSize {
		return string(raw)
	}
	slot := &p.recent[0]
	if n := len(raw); n > 0 {
		slot = &p.recent[(uint(n)*7+uint(raw[0])*3+uint(raw[n-1]))%uint(len(p.recent))]
		if *slot == string(raw) {
			return *slot
		}
	}
	if s, ok := p.names[string(raw)]; ok {
		*slot = s
		return s
	}
	s := string(raw)
	if len(p.names) < maxNames {
		if p.names == nil {
			p.names = map[string]string{}
		}
		p.names[s] = s
		*slot = s
	}
	return s
}

// fastObject reads the object at i, as object does.
func (p *parser) fastObject(i, depth int) (map[string]any, int, bool) {
	if depth > fastMaxDepth {
		return nil, 0, false
	}
	d := p.data
	mark, keys := len(p.members), len(p.keys)
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		i++
	} else {
		for {
			raw, j, ok := fastString(d, i)
			if !ok {
				return nil, 0, false
			}
			name := p.fastName(raw)
			if i = skipSpace(d, j); i >= len(d) || d[i] != ':' {
				return nil, 0, false
			}
			if i = skipSpace(d, i+1); i >= len(d) {
				return nil, 0, false
			}
			var v any
			if v, i, ok = p.fastValue(i, depth); !ok {
				return nil, 0, false
			}
			p.members = append(p.members, member{name, v})
			if p.order != nil {
				p.keys = append(p.keys, name)
			}
			i = skipSpace(d, i)
			if i < len(d) && d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == '}' {
				i++
				break
			}
			return nil, 0, false
		}
	}
	n := len(p.members) - mark
	m := make(map[string]any, n)
	for _, mb := range p.members[mark:] {
		m[mb.name] = mb.value
	}
	if len(m) != n {
		return nil, 0, false // a repeated name: the strict path words it
	}
	clear(p.members[mark:])
	p.members = p.members[:mark]
	if p.order != nil {
		p.order.record(m, p.keys[keys:])
		p.keys = p.keys[:keys]
	}
	return m, i, true
}

// fastArray reads the array at i, as array does.
func (p *parser) fastArray(i, depth int) ([]any, int, bool) {
	if depth > fastMaxDepth {
		return nil, 0, false
	}
	d := p.data
	mark := len(p.elems)
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == ']' {
		i++
	} else {
		for {
			if i >= len(d) {
				return nil, 0, false
			}
			v, j, ok := p.fastValue(i, depth)
			if !ok {
				return nil, 0, false
			}
			p.elems = append(p.elems, v)
			i = skipSpace(d, j)
			if i < len(d) && d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			if i < len(d) && d[i] == ']' {
				i++
				break
			}
			return nil, 0, false
		}
	}
	a := make([]any, len(p.elems)-mark) // never nil: [] is an empty list
	copy(a, p.elems[mark:])
	clear(p.elems[mark:])
	p.elems = p.elems[:mark]
	return a, i, true
}
