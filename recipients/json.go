package recipients

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/offermail/offermail/diag"
)

// This file reads JSON values with jsontext, token by token. encoding/json
// would decode the same documents, but it keeps the last of two equal
// names, replaces invalid UTF-8 and lone surrogates with U+FFFD, and
// reports no position for semantic problems; jsontext refuses the first
// three, and the loop here knows where each token starts. A recipient file
// is user input that decides who gets which email, so every problem is an
// error at the offset where it is. Values come out as encoding/json would
// decode them into an any: objects as map[string]any, arrays as []any,
// numbers as float64, and so on.

// maxDepth bounds nesting so that a hostile line cannot exhaust the stack.
// Real profiles nest a handful of levels.
const maxDepth = 100

// posError is a problem at a byte offset of the parsed text. off is -1 when
// the problem is about the record as a whole.
type posError struct {
	off  int
	code diag.Code
	msg  string
}

// syntax reports malformed JSON; every syntax message starts the same way
// so that a reader of rejects.ndjson can group them.
func syntax(off int, msg string) *posError {
	return &posError{off: off, code: diag.Syntax, msg: "malformed JSON: " + msg}
}

// parser reads one JSON text: a record's line, a profile file.
type parser struct {
	data []byte
	in   bytes.Buffer // over data: jsontext then reads data in place
	dec  jsontext.Decoder
	// outer is how many levels of nesting around the values do not count
	// towards maxDepth: 1 for the record object.
	outer int
	// order, when set, receives the key order of the objects parsed
	// (recorded, for a record); keys is scratch space for it.
	order    *KeyOrder
	recorded KeyOrder
	keys     []string
	// names holds the member names met, so that the same name is the same
	// string in every record (see name).
	names map[string]string
	// recent are names met last, a step before names (see fastName).
	recent [128]string
	// values caches the short strings and numbers met (values.go); nil
	// caches nothing.
	values *valueCache
	// elems and members hold the arrays and objects being read, so that
	// each is made once at its final size.
	elems   []any
	members []member
	// strict turns the fast path of parseRecord off (fast.go), for the
	// tests that compare the two.
	strict bool
}

// member is a member of an object being read.
type member struct {
	name  string
	value any
}

// Bounds of parser.names: a file's few profile keys, not every name a
// hostile file can make up.
const (
	maxNames    = 1024
	maxNameSize = 64
)

// name returns the member name tok, just read at start. A recipients file
// repeats its few keys on every line: the same name is returned as the
// same string, which saves a string per member and record (the reader's
// largest share of allocations).
func (p *parser) name(tok jsontext.Token, start int) string {
	raw := p.data[start:min(int(p.dec.InputOffset()), len(p.data))]
	if len(raw) < 2 || len(raw) > maxNameSize+2 || raw[0] != '"' || raw[len(raw)-1] != '"' || bytes.IndexByte(raw, '\\') >= 0 {
		return tok.String() // escaped: the raw bytes are not the name
	}
	if s, ok := p.names[string(raw[1:len(raw)-1])]; ok {
		return s
	}
	s := tok.String()
	if len(p.names) < maxNames {
		if p.names == nil {
			p.names = map[string]string{}
		}
		p.names[s] = s
	}
	return s
}

func (p *parser) reset(data []byte, outer int) {
	p.data, p.outer = data, outer
	p.in = *bytes.NewBuffer(data)
	p.dec.Reset(&p.in)
	p.order, p.keys = nil, p.keys[:0]
	// What a parse that failed left.
	clear(p.members)
	clear(p.elems)
	p.members, p.elems = p.members[:0], p.elems[:0]
}

// grammar is what the loop expects next, to explain a syntax error in
// the words of the place it is at: the delimiter that may come first (':'
// before a value in an object, ',' before a later member or element), what
// to say when it is missing, and what to say after it (or when none is due).
type grammar struct {
	delim         byte
	missing, next string
}

var (
	atValue      = grammar{next: "looking for beginning of value"}
	atFirstKey   = grammar{next: "looking for beginning of object key string"}
	atMemberVal  = grammar{':', "after object key", "looking for beginning of value"}
	atNextMember = grammar{',', "after object key:value pair", "looking for beginning of object key string"}
	atNextElem   = grammar{',', "after array element", "looking for beginning of value"}
)

// read reads the next token and returns it with the offset where it starts.
func (p *parser) read(g grammar) (jsontext.Token, int, *posError) {
	before := int(p.dec.InputOffset())
	tok, err := p.dec.ReadToken()
	start, what := p.tokenStart(before, g)
	if err != nil {
		return tok, start, p.explain(err, start, what)
	}
	return tok, start, nil
}

// tokenStart skips the white space and the delimiter g allows after offset
// before: where the next token starts, and what the grammar says there.
func (p *parser) tokenStart(before int, g grammar) (int, string) {
	i := skipSpace(p.data, before)
	switch {
	case g.delim == 0:
		return i, g.next
	case i < len(p.data) && p.data[i] == g.delim:
		return skipSpace(p.data, i+1), g.next
	}
	return i, g.missing
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// explain turns jsontext's error for the token at start into a message:
// at the token's first character, what the grammar expected there; inside a
// token, jsontext's own words, or the rule of this reader it broke.
func (p *parser) explain(err error, start int, what string) *posError {
	var se *jsontext.SyntacticError
	off := start
	if errors.As(err, &se) {
		off = int(se.ByteOffset)
		if se.Err == jsontext.ErrDuplicateName {
			return &posError{off: off, code: diag.Duplicate, msg: "duplicate key " + quote(se.JSONPointer.LastToken())}
		}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		if start < len(p.data) {
			what = tokenKind(p.data[start])
		}
		return syntax(len(p.data), "unexpected end of input "+what)
	}
	if se == nil || off <= start || off >= len(p.data) {
		return syntax(start, "invalid character "+describeByte(p.data, start)+" "+what)
	}
	if r, size := utf8.DecodeRune(p.data[off:]); r == utf8.RuneError && size <= 1 {
		return &posError{off: off, code: diag.Syntax, msg: "invalid UTF-8 in string; save the file as UTF-8"}
	}
	if loneSurrogate(p.data[off:]) {
		return syntax(off, `lone UTF-16 surrogate in \u escape`)
	}
	return syntax(off, se.Err.Error())
}

// tokenKind names the token that starts with c, for "unexpected end of
// input in …".
func tokenKind(c byte) string {
	switch c {
	case '"':
		return "in string literal"
	case 't':
		return "in literal true"
	case 'f':
		return "in literal false"
	case 'n':
		return "in literal null"
	}
	return "in numeric literal"
}

// loneSurrogate reports whether b starts with a \u escape of a UTF-16
// surrogate, which jsontext refuses when it is not half of a pair.
func loneSurrogate(b []byte) bool {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return false
	}
	v, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return err == nil && 0xD800 <= v && v <= 0xDFFF
}

// describeByte quotes the character at off for an error message, showing
// a whole rune when the byte starts a valid UTF-8 sequence.
func describeByte(data []byte, off int) string {
	if off >= len(data) {
		return "at end of input"
	}
	r, size := utf8.DecodeRune(data[off:])
	if r == utf8.RuneError && size <= 1 {
		return "byte 0x" + strconv.FormatUint(uint64(data[off]), 16)
	}
	return strconv.QuoteRune(r)
}

// value reads the value that tok, read at start, begins.
func (p *parser) value(tok jsontext.Token, start int) (any, *posError) {
	switch tok.Kind() {
	case '{':
		return p.object(start)
	case '[':
		return p.array(start)
	case '"':
		raw := p.data[start:min(int(p.dec.InputOffset()), len(p.data))]
		if len(raw) < 2 || bytes.IndexByte(raw, '\\') >= 0 {
			return tok.String(), nil // escaped: the raw bytes are not the string
		}
		raw = raw[1 : len(raw)-1]
		if v, ok := p.values.str(raw); ok {
			return v, nil
		}
		return p.values.keepStr(raw, tok.String()), nil
	case '0':
		f, err := p.number(tok, start)
		if err != nil {
			return nil, err
		}
		return p.values.number(f), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	}
	return nil, nil
}

// number is tok as a float64. jsontext saturates a number beyond float64
// at ±MaxFloat64; that number is out of range here, as in encoding/json.
func (p *parser) number(tok jsontext.Token, start int) (float64, *posError) {
	f := tok.Float()
	if math.Abs(f) == math.MaxFloat64 {
		text := p.data[start:p.dec.InputOffset()]
		if _, err := strconv.ParseFloat(string(text), 64); err != nil {
			return 0, &posError{off: start, code: diag.Invalid, msg: "number " + truncate(string(text), 40) + " is out of range"}
		}
	}
	return f, nil
}

// nested checks the depth of the object or array just opened at start.
func (p *parser) nested(start int) *posError {
	if p.dec.StackDepth()-p.outer > maxDepth {
		return &posError{off: start, code: diag.Limit, msg: "objects and arrays nest deeper than " + strconv.Itoa(maxDepth) + " levels"}
	}
	return nil
}

func (p *parser) object(start int) (map[string]any, *posError) {
	if err := p.nested(start); err != nil {
		return nil, err
	}
	mark, keys := len(p.members), len(p.keys)
	for g := atFirstKey; ; g = atNextMember {
		tok, at, err := p.read(g)
		if err != nil {
			return nil, err
		}
		if tok.Kind() == '}' {
			break
		}
		name := p.name(tok, at)
		vtok, vstart, err := p.read(atMemberVal)
		if err != nil {
			return nil, err
		}
		v, err := p.value(vtok, vstart)
		if err != nil {
			return nil, err
		}
		p.members = append(p.members, member{name, v})
		if p.order != nil {
			p.keys = append(p.keys, name)
		}
	}
	// jsontext refuses a repeated name, so the map has one entry a member.
	m := make(map[string]any, len(p.members)-mark)
	for _, mb := range p.members[mark:] {
		m[mb.name] = mb.value
	}
	clear(p.members[mark:]) // the values are the caller's now
	p.members = p.members[:mark]
	if p.order != nil {
		p.order.record(m, p.keys[keys:])
		p.keys = p.keys[:keys]
	}
	return m, nil
}

func (p *parser) array(start int) ([]any, *posError) {
	if err := p.nested(start); err != nil {
		return nil, err
	}
	mark := len(p.elems)
	for g := atValue; ; g = atNextElem {
		tok, tstart, err := p.read(g)
		if err != nil {
			return nil, err
		}
		if tok.Kind() == ']' {
			break
		}
		v, err := p.value(tok, tstart)
		if err != nil {
			return nil, err
		}
		p.elems = append(p.elems, v)
	}
	a := make([]any, len(p.elems)-mark) // never nil: [] is an empty list
	copy(a, p.elems[mark:])
	clear(p.elems[mark:])
	p.elems = p.elems[:mark]
	return a, nil
}

// end checks that only white space follows the value just read (jsontext
// would read a second one).
func (p *parser) end(what string) *posError {
	if i := skipSpace(p.data, int(p.dec.InputOffset())); i < len(p.data) {
		return syntax(i, "invalid character "+describeByte(p.data, i)+" "+what)
	}
	return nil
}

// quote quotes user text for a message, cutting it short so that a huge key
// or value cannot make a huge reject line.
func quote(s string) string { return strconv.Quote(truncate(s, 64)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Back up to a rune boundary so the cut leaves valid UTF-8.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
