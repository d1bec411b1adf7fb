package adobe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/offermail/offermail/diag"
)

// Limits on what an export may cost to read. Adobe's listings are pages
// of at most a few hundred objects; these leave room for whole exports and
// still bound memory and recursion for a broken or hostile file.
const (
	MaxFileSize = 64 << 20 // bytes per export file
	maxDepth    = 64       // nesting of JSON objects and arrays
	maxValues   = 4 << 20  // JSON values per file
)

// value is a JSON value with where it was read: the file, the byte offset
// and its path in the file (for messages: "_embedded.results[3]._instance").
type value struct {
	kind    jsontext.Kind // '{', '[', '"', '0', 't', 'f', 'n'
	text    string        // a string's value, a number as written
	members []*member     // an object's members, in file order
	items   []*value      // an array's items
	off     int64
	path    string
	src     *source
}

type member struct {
	name string
	val  *value
	used bool // read by the importer; unread members are reported
}

// source is one export file.
type source struct {
	name string
	data []byte
}

// position converts a byte offset to a 1-based line and column, the column
// counted in characters.
func (s *source) position(off int64) (line, col int) {
	return diag.Position(s.data, int(min(off, int64(len(s.data)))))
}

// parseJSON reads one export file strictly: valid UTF-8, no duplicate
// names, one value, bounded depth and size.
func parseJSON(src *source) (*value, error) {
	if len(src.data) > MaxFileSize {
		return nil, &diag.Error{Code: diag.Limit, File: src.name, Msg: fmt.Sprintf("file of %d bytes is over the limit of %d", len(src.data), MaxFileSize)}
	}
	dec := jsontext.NewDecoder(bytes.NewReader(src.data))
	r := &jsonReader{dec: dec, src: src}
	v, err := r.read("", 0)
	if err != nil {
		return nil, r.wrap(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("more than one JSON value; an export file holds one listing, object or array")
		}
		return nil, r.wrap(err)
	}
	return v, nil
}

type jsonReader struct {
	dec   *jsontext.Decoder
	src   *source
	count int
}

func (r *jsonReader) wrap(err error) error {
	var e *diag.Error
	if errors.As(err, &e) {
		return e
	}
	off := r.dec.InputOffset()
	var se *jsontext.SyntacticError
	msg, path := err.Error(), ""
	if errors.As(err, &se) {
		off = se.ByteOffset
		path = pointerPath(se.JSONPointer)
		msg = strings.TrimPrefix(se.Err.Error(), "jsontext: ")
		if se.Err == io.ErrUnexpectedEOF {
			msg = "the file ends in the middle of a JSON value"
		}
	}
	return errorAt(diag.Syntax, r.src, off, path, "invalid JSON: %s", msg)
}

// pointerPath writes a JSON pointer (/0/@id) as the paths of messages
// ([0].@id).
func pointerPath(p jsontext.Pointer) string {
	path := ""
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && tok != "" && tok[0] != '-' {
			path += "[" + tok + "]"
			continue
		}
		path = joinPath(path, tok)
	}
	return path
}

func (r *jsonReader) read(path string, depth int) (*value, error) {
	r.count++
	if r.count > maxValues {
		return nil, r.errorf(r.dec.InputOffset(), path, "more than %d JSON values in one file", maxValues)
	}
	if depth > maxDepth {
		return nil, r.errorf(r.dec.InputOffset(), path, "JSON nests deeper than %d levels", maxDepth)
	}
	off := r.dec.InputOffset()
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	// InputOffset is after the token; find where it starts.
	off = r.tokenStart(off)
	v := &value{kind: tok.Kind(), off: off, path: path, src: r.src}
	switch tok.Kind() {
	case '"':
		v.text = tok.String()
	case '0':
		v.text = tok.String()
	case '{':
		for r.dec.PeekKind() != '}' {
			tok, err := r.dec.ReadToken()
			if err != nil {
				return nil, err
			}
			name := tok.String() // before the next read voids the token
			child, err := r.read(joinPath(path, name), depth+1)
			if err != nil {
				return nil, err
			}
			v.members = append(v.members, &member{name: name, val: child})
		}
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, err
		}
	case '[':
		for r.dec.PeekKind() != ']' {
			child, err := r.read(path+"["+strconv.Itoa(len(v.items))+"]", depth+1)
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, child)
		}
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// tokenStart skips the whitespace, commas and colons between off and the
// next token, so that positions point at the value itself.
func (r *jsonReader) tokenStart(off int64) int64 {
	for off < int64(len(r.src.data)) {
		switch r.src.data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (r *jsonReader) errorf(off int64, path, format string, args ...any) *diag.Error {
	return errorAt(diag.Limit, r.src, off, path, format, args...)
}

// joinPath appends an object member's name to a path, in brackets when the
// name would be ambiguous (holds a dot, a bracket or a space).
func joinPath(path, name string) string {
	if name == "" || strings.ContainsAny(name, ".[] \"") {
		return path + "[" + strconv.Quote(name) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a value"
}
