package recipients

import (
	"bytes"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/internal/suggest"
)

// recordKeys are the only top-level keys of a record object. Anything else is
// most likely a typo ("profle") that would otherwise lose a whole profile.
var recordKeys = [...]string{keyID: "id", keyEmail: "email", keyProfile: "profile", keyContext: "context"}

const (
	keyID = iota
	keyEmail
	keyProfile
	keyContext
)

// keyIndex returns the index of a record key in recordKeys, or -1.
func keyIndex(key string) int {
	switch key {
	case "id":
		return keyID
	case "email":
		return keyEmail
	case "profile":
		return keyProfile
	case "context":
		return keyContext
	}
	return -1
}

// parsed is a record object split into its parts, before the id and email
// are checked. The offsets point at the values, or at the object when the
// key is missing, so that a profile file can report line:col.
type parsed struct {
	id, email         string
	haveID, haveEmail bool
	idOff, emailOff   int
	objOff            int
	profile, context  map[string]any
	order             *KeyOrder // the parser's scratch: copy it out with orNil
	// idRaw and emailRaw are the bytes of an id and email without
	// escapes, made strings (in one allocation) when the parse ends.
	idRaw, emailRaw []byte

	// complete is set once the object parsed to its end, so that its id is
	// known for sure even if a key was wrong.
	complete bool
}

// parseRecord parses one record object from data; nothing but white space
// may surround it.
//
// A syntax error stops the parse at once (jsontext counts a repeated name
// as one). A problem with a well-formed key (unknown, wrong type) is kept
// while the rest of the object is still parsed, so the caller learns the
// id for the reject and the first problem in the record, in that order of
// preference.
//
// The parser may be reused for the next record: it keeps its buffers.
func (p *parser) parseRecord(data []byte) (parsed, *posError) {
	p.reset(data, 1)
	p.recorded.reset()
	p.order = &p.recorded
	rec, ok := parsed{}, false
	if !p.strict {
		rec, ok = p.fastRecord()
	}
	var err *posError
	if !ok {
		// Not the plain shape, or not valid (fast.go): from the start,
		// the strict way.
		if !p.strict {
			p.reset(data, 1)
			p.recorded.reset()
			p.order = &p.recorded
		}
		rec, err = p.record()
	}
	rec.order = &p.recorded
	switch {
	case rec.idRaw != nil && rec.emailRaw != nil:
		both := string(rec.idRaw) + string(rec.emailRaw)
		rec.id, rec.email = both[:len(rec.idRaw)], both[len(rec.idRaw):]
	case rec.idRaw != nil:
		rec.id = string(rec.idRaw)
	case rec.emailRaw != nil:
		rec.email = string(rec.emailRaw)
	}
	return rec, err
}

func (p *parser) record() (parsed, *posError) {
	var rec parsed
	var first *posError
	keep := func(err *posError) {
		if first == nil {
			first = err
		}
	}
	tok, start, err := p.read(grammar{next: "looking for beginning of object"})
	rec.objOff, rec.idOff, rec.emailOff = start, start, start
	if err != nil {
		return rec, err
	}
	if tok.Kind() != '{' {
		return rec, &posError{off: start, code: diag.Invalid, msg: "a record must be a JSON object {...}, not " + valueKind(tok.Kind())}
	}
	for g := atFirstKey; ; g = atNextMember {
		tok, keyOff, err := p.read(g)
		if err != nil {
			return rec, err
		}
		if tok.Kind() == '}' {
			break
		}
		key := p.name(tok, keyOff)
		k := keyIndex(key)
		if k < 0 {
			keep(&posError{off: keyOff, code: diag.Unknown, msg: "unknown key " + quote(key) +
				suggestKey(key) + "; a record has only " + strings.Join(recordKeys[:], ", ")})
		}
		vtok, valOff, err := p.read(atMemberVal)
		if err != nil {
			return rec, err
		}
		if k < 0 {
			// Read only for its syntax and its end.
			if _, err := p.value(vtok, valOff); err != nil {
				return rec, err
			}
			continue
		}
		if err := rec.field(p, k, vtok, valOff); err != nil {
			if err.off >= 0 {
				return rec, err
			}
			// A type error: keep it and go on, the syntax is fine.
			err.off = valOff
			keep(err)
		}
	}
	if err := p.end("after the record object"); err != nil {
		return rec, err
	}
	if rec.profile == nil {
		rec.profile = map[string]any{}
	}
	if rec.context == nil {
		rec.context = map[string]any{}
	}
	rec.complete = true
	return rec, first
}

// idProblem returns what is wrong with the id, and the offset it is about,
// or "".
func (rec *parsed) idProblem() (string, int) {
	if !rec.haveID {
		return `missing id; every record needs an "id"`, rec.objOff
	}
	return checkID(rec.id), rec.idOff
}

// emailProblem is idProblem for the email.
func (rec *parsed) emailProblem() (string, int) {
	if !rec.haveEmail {
		return `missing email; every record needs an "email"`, rec.objOff
	}
	return checkEmail(rec.email), rec.emailOff
}

// knownID returns the id when it is usable in a reject, else "".
func (rec *parsed) knownID() string {
	if rec.haveID && checkID(rec.id) == "" {
		return rec.id
	}
	return ""
}

// field reads the value of record key k, whose first token tok is at off,
// into rec. A value of the wrong type is returned as a posError with off
// -1, meaning "at the value".
func (rec *parsed) field(p *parser, k int, tok jsontext.Token, off int) *posError {
	if k == keyID && tok.Kind() == '0' {
		// A numeric id keeps its decimal text, so 1001 and "1001" are the
		// same recipient. Only plain integers qualify: 1e3 or 1001.0 would
		// make two spellings of one id.
		text := string(p.data[off:p.dec.InputOffset()])
		if strings.ContainsAny(text, "-.eE") {
			return &posError{off: -1, msg: "id must be a string or a non-negative integer, got " + truncate(text, 40)}
		}
		rec.id, rec.haveID, rec.idOff = text, true, off
		return nil
	}
	if (k == keyID || k == keyEmail) && tok.Kind() == '"' {
		// Read as a string, not an any: ids and emails do not repeat.
		// Without escapes, they are their bytes (see parseRecord).
		raw := p.data[off:min(int(p.dec.InputOffset()), len(p.data))]
		var s string
		if len(raw) < 2 || bytes.IndexByte(raw, '\\') >= 0 {
			s, raw = tok.String(), nil
		} else {
			raw = raw[1 : len(raw)-1 : len(raw)-1]
		}
		if k == keyID {
			rec.id, rec.idRaw, rec.haveID, rec.idOff = s, raw, true, off
		} else {
			rec.email, rec.emailRaw, rec.haveEmail, rec.emailOff = s, raw, true, off
		}
		return nil
	}
	v, err := p.value(tok, off)
	if err != nil {
		return err
	}
	switch k {
	case keyID, keyEmail:
		s, ok := v.(string)
		if !ok {
			return &posError{off: -1, msg: recordKeys[k] + " must be a string, got " + typeName(v)}
		}
		if k == keyID {
			rec.id, rec.haveID, rec.idOff = s, true, off
		} else {
			rec.email, rec.haveEmail, rec.emailOff = s, true, off
		}
	case keyProfile, keyContext:
		m, ok := v.(map[string]any)
		if !ok && v != nil {
			return &posError{off: -1, msg: recordKeys[k] + " must be an object, got " + typeName(v)}
		}
		// null means "none", as an absent key does.
		if k == keyProfile {
			rec.profile = m
		} else {
			rec.context = m
		}
	}
	return nil
}

// suggestKey names the record key that key was probably meant to be: one
// that differs in case, or by one edit ("mail"), or by two in a longer key
// ("porfile"), so that "x" is not taken for "id".
func suggestKey(key string) string {
	for _, k := range recordKeys {
		limit := 2
		if len(k) <= 2 {
			limit = 1
		}
		if strings.EqualFold(k, key) || editDistance(k, strings.ToLower(key)) <= limit {
			return " (did you mean \"" + k + "\"?)"
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b; it gives up
// early (returning a large value) on long keys, which are never near-misses
// of the short record keys.
func editDistance(a, b string) int {
	if len(b) > 16 {
		return len(b)
	}
	return suggest.Distance(a, b)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unexpected value"
}

func valueKind(k jsontext.Kind) string {
	switch k {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
