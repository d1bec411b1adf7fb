package decide

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Ledger records.
//
// A real run records each recipient's decision in the campaign ledger, so
// that running the campaign again replays it instead of deciding and
// counting again. A record holds only what a replay cannot find
// elsewhere: for each scope of the request, in order, the chosen offers'
// ids with their scores (an offer's rank is its place; a score equal to
// the offer's priority, as priority ranking gives, is left out), or the
// fallback's id after "=", or nothing. The scopes' activities and
// placements are the request's, the offers the library's.
//
//	2|parka-30 95|new-member-welcome,merino-bundle 65|=winter-default
//
// That is about 60 bytes where the JSON of the decision is 400, which was
// most of what a bbolt store grew by per recipient. Records of earlier
// versions — the JSON of Decision, as `decide` prints it without traces —
// and records that add members of their own to that JSON (the API's) are
// replayed too.

// recordVersion starts a compact record; a JSON record starts with "{".
const recordVersion = '2'

// Record encodes the decision for the campaign ledger (see above). It
// fails only for a score that is not a finite number.
func (d *Decision) Record() ([]byte, error) {
	// Room for the usual record, so that it is built in one allocation:
	// ids, separators and a short score each.
	n := 1
	for _, p := range d.Propositions {
		n += 2
		if p.Fallback != nil {
			n += len(p.Fallback.ID)
		}
		for _, c := range p.Offers {
			n += len(c.ID) + 8
		}
	}
	return d.AppendRecord(make([]byte, 0, n))
}

// AppendRecord appends the decision's ledger record to dst.
func (d *Decision) AppendRecord(dst []byte) ([]byte, error) {
	dst = append(dst, recordVersion)
	for _, p := range d.Propositions {
		dst = append(dst, '|')
		if p.Fallback != nil && len(p.Offers) == 0 {
			dst = append(dst, '=')
			dst = append(dst, p.Fallback.ID...)
			continue
		}
		for k, c := range p.Offers {
			if math.IsNaN(c.Score) || math.IsInf(c.Score, 0) {
				return nil, fmt.Errorf("record the decision: offer %s scores %v, which is not a finite number", c.ID, c.Score)
			}
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, c.ID...)
			if c.Offer == nil || c.Score != float64(c.Offer.Priority) || math.Signbit(c.Score) {
				dst = append(dst, ' ')
				dst = strconv.AppendFloat(dst, c.Score, 'g', -1, 64)
			}
		}
	}
	return dst, nil
}

// ErrLibraryChanged is wrapped by Replay when a recorded decision names an
// offer the library no longer has, or does not fit the request's scopes:
// the run's library or template changed between attempts.
var ErrLibraryChanged = errors.New("the library changed since the decision was recorded")

// Replay reads a decision back from its ledger record, resolving offers in
// the library. A compact record needs the scopes of the request it was
// recorded for (the JSON of earlier versions names its own, and scopes are
// then not needed). A record naming an offer the library no longer has,
// or holding another number of scopes than given, is an error wrapping
// ErrLibraryChanged.
func (lib *Library) Replay(record []byte, scopes ...Scope) (*Decision, error) {
	if len(record) > 0 && record[0] == '{' {
		return lib.replayJSON(record)
	}
	if len(record) == 0 || record[0] != recordVersion {
		return nil, fmt.Errorf("read recorded decision: not a ledger record of this version (%.40q)", record)
	}
	rest := record[1:]
	n := bytes.Count(rest, []byte{'|'})
	if n != len(scopes) {
		return nil, fmt.Errorf("%w: the record holds %d scopes, the message %d (did the template change?)", ErrLibraryChanged, n, len(scopes))
	}
	d := &Decision{Propositions: make([]Proposition, n)}
	for i := range n {
		rest = rest[1:] // the '|'
		field := rest
		if j := bytes.IndexByte(rest, '|'); j >= 0 {
			field, rest = rest[:j], rest[j:]
		}
		p := &d.Propositions[i]
		p.Activity, p.Placement, p.Offers = scopes[i].Activity, scopes[i].Placement, []Choice{}
		switch {
		case len(field) == 0:
		case field[0] == '=':
			id := string(field[1:])
			f := lib.fallbacks[id]
			if f == nil {
				return nil, fmt.Errorf("%w: it names fallback %q, which the library no longer has", ErrLibraryChanged, id)
			}
			p.Fallback = &Ref{ID: id, Offer: f}
		default:
			for k := 0; len(field) > 0; k++ {
				item := field
				if j := bytes.IndexByte(field, ','); j >= 0 {
					item, field = field[:j], field[j+1:]
				} else {
					field = nil
				}
				c, err := lib.replayChoice(item, k+1)
				if err != nil {
					return nil, err
				}
				p.Offers = append(p.Offers, c)
			}
		}
	}
	return d, nil
}

// replayChoice reads "id score", or "id" for a score equal to the offer's
// priority, of a compact record.
func (lib *Library) replayChoice(item []byte, rank int) (Choice, error) {
	id, score, scored := bytes.Cut(item, []byte{' '})
	o := lib.offers[string(id)]
	if o == nil {
		return Choice{}, fmt.Errorf("%w: it names offer %q, which the library no longer has", ErrLibraryChanged, id)
	}
	s := float64(o.Priority)
	if scored {
		var err error
		if s, err = strconv.ParseFloat(string(score), 64); err != nil {
			return Choice{}, fmt.Errorf("read recorded decision: %q is not an offer and its score", item)
		}
	}
	return Choice{ID: o.ID, Score: s, Rank: rank, Offer: o}, nil
}

// replayJSON reads a record of the JSON form.
func (lib *Library) replayJSON(record []byte) (*Decision, error) {
	var d Decision
	if err := json.Unmarshal(record, &d); err != nil {
		return nil, fmt.Errorf("read recorded decision: %w", err)
	}
	for i := range d.Propositions {
		p := &d.Propositions[i]
		if p.Offers == nil {
			p.Offers = []Choice{}
		}
		for k := range p.Offers {
			c := &p.Offers[k]
			if c.Offer = lib.offers[c.ID]; c.Offer == nil {
				return nil, fmt.Errorf("%w: it names offer %q, which the library no longer has", ErrLibraryChanged, c.ID)
			}
		}
		if p.Fallback != nil {
			if p.Fallback.Offer = lib.fallbacks[p.Fallback.ID]; p.Fallback.Offer == nil {
				return nil, fmt.Errorf("%w: it names fallback %q, which the library no longer has", ErrLibraryChanged, p.Fallback.ID)
			}
		}
	}
	return &d, nil
}
