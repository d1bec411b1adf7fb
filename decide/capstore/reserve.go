package capstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/offermail/offermail/decide"
)

// Limits on what one reservation may carry. They are checked before
// anything is queued, so one caller's bad input never fails a batch that
// was coalesced with other callers' reservations.
const (
	maxIDLen       = 4096     // campaign, recipient and counter key, in bytes
	maxCounters    = 1024     // counters per reservation
	maxRecordBytes = 16 << 20 // one ledger entry
)

// errInvalid marks a reservation or delta the store refuses to apply.
var errInvalid = errors.New("invalid")

// validate checks every reservation of a batch; the error names the first
// bad one by its position.
func validate(rs []decide.Reservation) error {
	for i := range rs {
		r := &rs[i]
		if err := checkID("campaign", r.Campaign); err != nil {
			return fmt.Errorf("reservation %d: %w", i, err)
		}
		if err := checkID("recipient", r.Recipient); err != nil {
			return fmt.Errorf("reservation %d: %w", i, err)
		}
		if len(r.Counters) > maxCounters {
			return fmt.Errorf("reservation %d: %w: %d counters, at most %d", i, errInvalid, len(r.Counters), maxCounters)
		}
		if len(r.Record) > maxRecordBytes {
			return fmt.Errorf("reservation %d: %w: record of %d bytes, at most %d", i, errInvalid, len(r.Record), maxRecordBytes)
		}
		for j, c := range r.Counters {
			if err := checkID("counter key", c.Key); err != nil {
				return fmt.Errorf("reservation %d counter %d: %w", i, j, err)
			}
			if c.N < 0 && decide.IsRelease(r.Campaign) {
				continue
			}
			if c.N < 1 {
				return fmt.Errorf("reservation %d counter %q: %w: increment %d, want at least 1 (negative only in a release)", i, c.Key, errInvalid, c.N)
			}
		}
	}
	return nil
}

func validateDeltas(ds []decide.Delta) error {
	for i, d := range ds {
		if err := checkID("counter key", d.Key); err != nil {
			return fmt.Errorf("delta %d: %w", i, err)
		}
	}
	return nil
}

func checkID(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", errInvalid, what)
	case len(s) > maxIDLen:
		return fmt.Errorf("%w: %s of %d bytes, at most %d", errInvalid, what, len(s), maxIDLen)
	}
	return nil
}

// counter is a stored counter. deadline is in Unix milliseconds by the
// store's clock; 0 means the counter never expires. Once the clock reaches
// the deadline the counter reads as 0 and may be deleted.
type counter struct {
	n        int64
	deadline int64
}

func (c counter) expired(now int64) bool { return c.deadline != 0 && c.deadline <= now }

// deadlineOf turns a counter's Expire into the deadline the store keeps.
// The counter is kept for retain after its window ends, and never less than
// retain after it is written: a run whose decision time is frozen at its
// start (or set in the past with --at) keeps counting in its window instead
// of seeing the counter vanish when the wall clock passes the window's end.
// Expire is rounded up to the millisecond so that nothing is dropped early.
func deadlineOf(expire time.Time, now, retain int64) int64 {
	if expire.IsZero() {
		return 0
	}
	return max(expireMillis(expire), now) + retain
}

// expireMillis is a non-zero Expire in Unix milliseconds, rounded up.
func expireMillis(expire time.Time) int64 {
	ms := expire.UnixMilli()
	if expire.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// mergeDeadline combines the deadline a counter has (-1 when it does not
// exist yet) with one a reservation asks for. Lifetime (0) wins: a counter
// some caller treats as a lifetime counter must never be dropped.
func mergeDeadline(have, want int64) int64 {
	if have == 0 || want == 0 {
		return 0
	}
	return max(have, want)
}

// txn is the view of one transaction that applyBatch needs. The memory and
// bbolt stores implement it; the Redis script mirrors applyBatch in Lua.
type txn interface {
	// record returns the ledger entry of the pair; the bytes need only
	// stay valid until the next call on the txn.
	record(campaign, recipient string) (rec []byte, ok bool, err error)
	putRecord(campaign, recipient string, rec []byte) error
	// counter returns the stored counter, ok false when there is none.
	counter(key string) (c counter, ok bool, err error)
	putCounter(key string, c counter) error
}

// pending is one distinct counter a reservation touches.
type pending struct {
	key      string
	have     counter
	deadline int64 // -1: the counter does not exist (or has expired)
	add      int64
	refused  bool
}

// applyBatch applies rs in order within tx and fills out. now and retain
// are in milliseconds. It is the single definition of what a reservation
// does; see decide.Store.Reserve.
func applyBatch(tx txn, rs []decide.Reservation, now, retain int64, out []decide.Outcome) error {
	var ps []pending
	for i := range rs {
		r := &rs[i]
		rec, ok, err := tx.record(r.Campaign, r.Recipient)
		if err != nil {
			return err
		}
		if ok {
			out[i] = decide.Outcome{Status: decide.Replayed, Record: append([]byte{}, rec...)}
			continue
		}

		// Entries of one key accumulate, as if each were applied in turn.
		ps = ps[:0]
		var refused []string
		for _, c := range r.Counters {
			p := findPending(ps, c.Key)
			if p == nil {
				have, ok, err := tx.counter(c.Key)
				if err != nil {
					return err
				}
				d := have.deadline
				if !ok || have.expired(now) {
					have, d = counter{}, -1
				}
				ps = append(ps, pending{key: c.Key, have: have, deadline: d})
				p = &ps[len(ps)-1]
			}
			p.add += c.N
			p.deadline = mergeDeadline(p.deadline, deadlineOf(c.Expire, now, retain))
			// Below 0 only a release can go, and only by giving back more
			// than was counted: it is refused like a passed limit.
			if v := p.have.n + p.add; (v > c.Limit || v < 0) && !p.refused {
				p.refused = true
				refused = append(refused, c.Key)
			}
		}
		if refused != nil {
			out[i] = decide.Outcome{Status: decide.Exhausted, Exhausted: refused}
			continue
		}
		for _, p := range ps {
			if err := tx.putCounter(p.key, counter{n: p.have.n + p.add, deadline: p.deadline}); err != nil {
				return err
			}
		}
		if err := tx.putRecord(r.Campaign, r.Recipient, r.Record); err != nil {
			return err
		}
		out[i] = decide.Outcome{Status: decide.Committed}
	}
	return nil
}

func findPending(ps []pending, key string) *pending {
	for i := range ps {
		if ps[i].key == key {
			return &ps[i]
		}
	}
	return nil
}

// applyDelta adds n to a counter without a limit. An expired counter starts
// again from 0 as a lifetime counter; a live one keeps its deadline.
func applyDelta(tx txn, key string, n, now int64) error {
	have, ok, err := tx.counter(key)
	if err != nil {
		return err
	}
	if !ok || have.expired(now) {
		have = counter{}
	}
	return tx.putCounter(key, counter{n: have.n + n, deadline: have.deadline})
}

// readCount is the value Counts reports for a stored counter.
func readCount(c counter, ok bool, now int64) int64 {
	if !ok || c.expired(now) {
		return 0
	}
	return c.n
}
