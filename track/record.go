package track

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/offermail/offermail/decide"
)

// Each event counts once wherever it comes from — the click route, the
// open pixel, POST /v1/events, a feedback file, again and again — because
// counting it and marking it counted are one atomic step of the store: a
// ledger entry (decide.Reservation) whose counters are the event's
// statistics. The entry is the event's identity, its type and
// proposition, in the ledger "track/<campaign>": a recipient's repeated
// opens and clicks of one proposition count once per type, and a file
// imported again, or grown by a line, counts only what is new. An event
// with an id is also entered under it in the ledger "track/ids", after it
// was counted, so the same id brings nothing more whatever it says; a
// crash between the two steps leaves the id unmarked, and a retry finds
// the identity counted and marks it.
//
// Its counters are the all-time count (decide.FeedbackKey) and the count
// of its UTC day by event time (decide.FeedbackDayKey), which a model's
// window sums. Do not name a campaign "track/…".

const (
	ledgerPrefix = "track/"
	idsLedger    = "track/ids"
	// maxAhead is how far past the store's clock an event time may be:
	// clocks disagree a little, never by a day.
	maxAhead = 24 * time.Hour
	// maxIdentity bounds an identity key; a longer recipient id is
	// hashed.
	maxIdentity = 1024
)

// Status is what Record did with one event.
type Status int

// Statuses of Record.
const (
	Counted   Status = iota + 1 // new: its statistics count it
	Duplicate                   // seen before, by its id or its type and proposition: nothing counted
	Future                      // its time is more than a day ahead of the clock: refused
)

// Recorder counts events in a store, each once. It is safe for concurrent
// use.
type Recorder struct {
	Store decide.Store
	// Now is the clock: the time of events without one, and what event
	// times may not be a day ahead of. Nil is the wall clock.
	Now func() time.Time
}

// Record counts events and returns a Status for each, in order. Events
// with a zero Time take the clock's. An error means the store could not
// be reached: some events may have been counted, and recording them again
// is safe.
func (r *Recorder) Record(ctx context.Context, events []Event) ([]Status, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	at := now().UTC()
	out := make([]Status, len(events))
	var ids []string
	idIndex := map[string]int{}
	for i := range events {
		e := &events[i]
		if e.Time.IsZero() {
			e.Time = at
		}
		if e.Time.After(at.Add(maxAhead)) {
			out[i] = Future
			continue
		}
		if e.ID != "" {
			if _, seen := idIndex[e.ID]; seen {
				out[i] = Duplicate
				continue
			}
			idIndex[e.ID] = i
			ids = append(ids, e.ID)
		}
	}
	if len(ids) > 0 {
		recs, err := r.Store.Records(ctx, idsLedger, ids)
		if err != nil {
			return nil, fmt.Errorf("record events: %w", err)
		}
		for j, rec := range recs {
			if rec != nil {
				out[idIndex[ids[j]]] = Duplicate
			}
		}
	}

	var rs []decide.Reservation
	var which []int
	for i := range events {
		if out[i] != 0 {
			continue
		}
		e := &events[i]
		p := e.Prop
		rec, _ := json.Marshal(struct {
			ID   string    `json:"id,omitempty"`
			Time time.Time `json:"time"`
		}{e.ID, e.Time})
		rs = append(rs, decide.Reservation{
			Campaign: ledgerPrefix + p.Campaign, Recipient: identity(e), Record: rec,
			Counters: []decide.Counter{
				{Key: decide.FeedbackKey(e.Type, p.Offer, p.Placement), Limit: math.MaxInt64, N: 1},
				{Key: decide.FeedbackDayKey(e.Type, p.Offer, p.Placement, e.Time), Limit: math.MaxInt64, N: 1},
			},
		})
		which = append(which, i)
	}
	if len(rs) == 0 {
		return out, nil
	}
	res, err := r.Store.Reserve(ctx, rs)
	if err != nil {
		return nil, fmt.Errorf("record events: %w", err)
	}
	var marks []decide.Reservation
	for j, o := range res {
		i := which[j]
		if o.Status == decide.Committed {
			out[i] = Counted
		} else {
			out[i] = Duplicate
		}
		if id := events[i].ID; id != "" {
			marks = append(marks, decide.Reservation{Campaign: idsLedger, Recipient: id, Record: []byte(rs[j].Campaign + "\x00" + rs[j].Recipient)})
		}
	}
	if len(marks) > 0 {
		if _, err := r.Store.Reserve(ctx, marks); err != nil {
			return nil, fmt.Errorf("record event ids: %w", err)
		}
	}
	return out, nil
}

// identity is the ledger entry of an event: its type and proposition,
// the recipient last (ids of the other parts hold no '|').
func identity(e *Event) string {
	p := e.Prop
	head := e.Type + "|" + p.Activity + "|" + p.Placement + "|" + p.Offer + "|"
	if len(head)+len(p.Recipient) > maxIdentity {
		sum := sha256.Sum256([]byte(p.Recipient))
		return head + "#" + hex.EncodeToString(sum[:])
	}
	return head + p.Recipient
}

// Tally counts statuses.
func Tally(s []Status) (counted, duplicates, future int) {
	for _, x := range s {
		switch x {
		case Counted:
			counted++
		case Duplicate:
			duplicates++
		case Future:
			future++
		}
	}
	return
}
