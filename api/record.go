package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/offermail/offermail/decide"
)

// Every counted request is one entry of the store's ledger, written in
// the same atomic step as its cap counters (decide.Reserver with an
// Entry). Entries are grouped in one ledger per UTC day of the service's
// clock, "api/2026-12-02", so that the history of past days can be
// dropped as a whole (UNLINK {om}:l:api/2026-11-30 on Redis). A request
// with an Idempotency-Key K is the entry "k:K"; one without is
// "d:<decisionId>". The recorded decision (and its trace, when one was
// asked for) is the decide ledger record with a member "api" added: what
// the answer needs to be given again byte for byte — the decision id, the
// decision time, and a hash of the request that a retry must match.
//
// A retry with the same key finds the entry of today or yesterday, so keys
// are honoured for 24 hours at least and 48 at most; a retry arriving on
// another replica within moments of midnight, while the first attempt is
// still in flight, could be counted again (the clocks of replicas should
// agree, as NTP keeps them).

// ledgerPrefix starts the name of the API's ledgers; batch campaigns are
// named by their ids, so do not name one "api/…".
const ledgerPrefix = "api/"

// ledgerOf names the ledger of the day t falls on, in UTC.
func ledgerOf(t time.Time) string {
	return ledgerPrefix + t.UTC().Format("2006-01-02")
}

// meta is what the API adds to a decision's ledger record.
type meta struct {
	ID        string    `json:"id"`
	Route     string    `json:"route"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	Campaign  string    `json:"campaign"`
	Recipient string    `json:"recipient"`
	Template  string    `json:"template,omitempty"`
}

// record is a ledger record: decide's (propositions, which Replay reads)
// and the API's meta.
type record struct {
	Propositions []decide.Proposition `json:"propositions"`
	API          *meta                `json:"api"`
}

// encoder returns the decide.Entry Encode of a request: the decision with
// its trace, if any, and m. A decision without a trace, nearly every
// one, is written without reflection (Decision.AppendJSON and m's members
// by hand): encoding the record by reflection was a twentieth of a
// counted request's CPU. Both ways read back the same.
func encoder(m *meta) func(*decide.Decision) ([]byte, error) {
	return func(d *decide.Decision) ([]byte, error) {
		for _, p := range d.Propositions {
			if len(p.Trace) > 0 {
				return json.Marshal(record{Propositions: d.Propositions, API: m}, json.Deterministic(true))
			}
		}
		rec, err := d.AppendJSON(make([]byte, 0, 512))
		if err != nil {
			return nil, err
		}
		rec = append(rec[:len(rec)-1], `,"api":`...) // into {"propositions":[…]}
		if rec, err = m.appendJSON(rec); err != nil {
			return nil, err
		}
		return append(rec, '}'), nil
	}
}

// appendJSON appends m as json.Marshal writes it.
func (m *meta) appendJSON(dst []byte) ([]byte, error) {
	var err error
	member := func(name, value string) {
		if err == nil {
			dst = append(append(dst, name...), ':')
			dst, err = jsontext.AppendQuote(dst, value)
		}
	}
	dst = append(dst, '{')
	member(`"id"`, m.ID)
	member(`,"route"`, m.Route)
	member(`,"hash"`, m.Hash)
	dst = m.At.AppendFormat(append(dst, `,"at":"`...), time.RFC3339Nano)
	dst = append(dst, '"')
	member(`,"campaign"`, m.Campaign)
	member(`,"recipient"`, m.Recipient)
	if m.Template != "" {
		member(`,"template"`, m.Template)
	}
	return append(dst, '}'), err
}

// readMeta reads the API's part of a ledger record.
func readMeta(rec []byte) (*meta, error) {
	var r struct {
		API *meta `json:"api"`
	}
	if err := json.Unmarshal(rec, &r); err != nil || r.API == nil || r.API.ID == "" {
		return nil, fmt.Errorf("the ledger entry of this Idempotency-Key was not written by the API (%.80q)", rec)
	}
	return r.API, nil
}

// newID returns a fresh decision id: 48 bits of the time in milliseconds
// then 80 random bits, 32 hex digits. Ids that grow with time keep the
// ledger's inserts at the end of its B-tree (bbolt writes a page or two
// per batch instead of one per decision), and sort by time; the random
// part keeps them unique across replicas.
func newID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// requestHash is what a retry must match: the route and the request as
// parsed, encoded deterministically, so that whitespace or the order of
// members do not matter but every value does.
func requestHash(route string, v any) (string, error) {
	data, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
