package batch

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// decisionReader reads what the report counts of decisions.ndjson lines —
// the recipient, and per proposition its scope, offer ids and fallback
// id — token by token, with one decoder and one scratch buffer for every
// line: the report reads earlier attempts' lines back, a line per recipient,
// and decoding each into structs with encoding/json cost as much CPU as a
// recipient's MIME encoding.
type decisionReader struct {
	dec  jsontext.Decoder
	rd   bytes.Reader
	buf  []byte // the unquoted strings of the line
	name []byte // the member name being read
	// Where each string is in buf: recipient, then per proposition.
	recipient span
	props     []propSpans
}

type span struct{ at, end int }

type propSpans struct {
	activity, placement, fallback span
	hasFallback                   bool
	offers                        []span
}

// text is the bytes of s, valid until the next read.
func (r *decisionReader) text(s span) []byte { return r.buf[s.at:s.end] }

// read decodes line; the recipient and propositions are then in
// r.recipient and r.props.
func (r *decisionReader) read(line []byte) error {
	r.rd.Reset(line)
	// As encoding/json reads it: a repeated name is not an error.
	r.dec.Reset(&r.rd, jsontext.AllowDuplicateNames(true))
	r.buf, r.recipient = r.buf[:0], span{}
	for i := range r.props {
		r.props[i] = propSpans{offers: r.props[i].offers[:0]}
	}
	r.props = r.props[:0]
	err := r.object(func(name []byte) error {
		switch string(name) {
		case "recipient":
			return r.str(&r.recipient)
		case "propositions":
			return r.array(r.proposition)
		}
		return r.dec.SkipValue()
	})
	if err != nil {
		return err
	}
	// One value a line, nothing after it.
	if _, err := r.dec.ReadToken(); err != io.EOF {
		return fmt.Errorf("more than one value on a line")
	}
	return nil
}

func (r *decisionReader) proposition() error {
	var p propSpans
	if n := len(r.props); n < cap(r.props) {
		p.offers = r.props[:n+1][n].offers[:0] // reuse its slice
	}
	err := r.object(func(name []byte) error {
		switch string(name) {
		case "activity":
			return r.str(&p.activity)
		case "placement":
			return r.str(&p.placement)
		case "offers":
			return r.array(func() error {
				return r.object(func(name []byte) error {
					if string(name) != "id" {
						return r.dec.SkipValue()
					}
					p.offers = append(p.offers, span{})
					return r.str(&p.offers[len(p.offers)-1])
				})
			})
		case "fallback":
			if r.dec.PeekKind() == 'n' {
				_, err := r.dec.ReadToken()
				return err
			}
			p.hasFallback = true
			return r.object(func(name []byte) error {
				if string(name) != "id" {
					return r.dec.SkipValue()
				}
				return r.str(&p.fallback)
			})
		}
		return r.dec.SkipValue()
	})
	r.props = append(r.props, p)
	return err
}

// str reads a string into buf.
func (r *decisionReader) str(s *span) error {
	v, err := r.dec.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() != '"' {
		return fmt.Errorf("a %v where a string belongs", v.Kind())
	}
	at := len(r.buf)
	if r.buf, err = jsontext.AppendUnquote(r.buf, v); err != nil {
		return err
	}
	*s = span{at, len(r.buf)}
	return nil
}

// object reads an object, calling member with each name (valid during the
// call), which reads the value.
func (r *decisionReader) object(member func(name []byte) error) error {
	if err := r.delim('{'); err != nil {
		return err
	}
	for r.dec.PeekKind() != '}' {
		v, err := r.dec.ReadValue()
		if err != nil {
			return err
		}
		if r.name, err = jsontext.AppendUnquote(r.name[:0], v); err != nil {
			return err
		}
		if err := member(r.name); err != nil {
			return err
		}
	}
	_, err := r.dec.ReadToken()
	return err
}

// array reads an array, calling elem to read each element; null is an
// empty one.
func (r *decisionReader) array(elem func() error) error {
	if r.dec.PeekKind() == 'n' {
		_, err := r.dec.ReadToken()
		return err
	}
	if err := r.delim('['); err != nil {
		return err
	}
	for r.dec.PeekKind() != ']' {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err := r.dec.ReadToken()
	return err
}

func (r *decisionReader) delim(k jsontext.Kind) error {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != k {
		return fmt.Errorf("a %v where a %v belongs", tok.Kind(), k)
	}
	return nil
}
