package decide

import (
	"context"
	"fmt"
	"time"
)

// releaseLimit is the limit of a release's counters: a release gives back,
// so no limit may refuse it (2^53-1 keeps it exact in the Redis script's
// numbers); only going below 0 does.
const releaseLimit = 1<<53 - 1

// Release gives back the counters a committed decision reserved, for a
// recipient whose message does not render: nothing was sent, so the caps
// must stay for the others. The release is a reservation of the negated
// increments under (ReleaseLedger(ledger), key), so it happens once however
// often it is asked for; it reports whether this call released anything.
// A release the store refuses (a windowed counter whose window has ended
// and restarted from 0) releases nothing, which is what it should.
//
// Counters the Reserver learned were used up are forgotten, so that the
// next decisions of the run try them again.
func (r *Reserver) Release(ctx context.Context, ledger, key string, counters []Counter) (bool, error) {
	if len(counters) == 0 {
		return false, nil
	}
	back := make([]Counter, len(counters))
	for i, c := range counters {
		back[i] = Counter{Key: c.Key, Limit: releaseLimit, N: -c.N, Expire: c.Expire}
	}
	out, err := r.store.Reserve(ctx, []Reservation{{Campaign: ReleaseLedger(ledger), Recipient: key, Counters: back, Record: []byte{}}})
	if err != nil {
		return false, fmt.Errorf("release: %w", err)
	}
	if len(out) != 1 {
		return false, fmt.Errorf("release: the store answered %d outcomes for 1 reservation", len(out))
	}
	if out[0].Status != Committed {
		return false, nil
	}
	r.mu.Lock()
	r.gen++
	for _, c := range counters {
		if _, ok := r.full[c.Key]; ok {
			delete(r.full, c.Key)
			r.ver++
		}
	}
	r.mu.Unlock()
	return true, nil
}

// Counters returns the counters a decision for recipient at now
// increments, as Decide computed them: a decision replayed from the ledger
// carries none, and a resumed run needs them to release a recipient whose
// message still does not render. now must be the decision time of the run
// that recorded it (a run keeps it across attempts), or windowed counters
// name another window.
func (lib *Library) Counters(d *Decision, recipient string, now time.Time) []Counter {
	var out []Counter
	seen := map[scopeKey]bool{}
	for _, p := range d.Propositions {
		// Two placeholders naming one scope show one decision, counted once.
		key := scopeKey{p.Activity, p.Placement}
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, c := range p.Offers {
			if c.Offer == nil {
				continue
			}
			for _, s := range c.Offer.slots {
				key, expire := CounterKey(s.cap, c.Offer.ID, p.Placement, recipient, now)
				found := false
				for i := range out {
					if out[i].Key == key {
						out[i].N++
						found = true
						break
					}
				}
				if !found {
					out = append(out, Counter{Key: key, Limit: s.limit, N: 1, Expire: expire})
				}
			}
		}
	}
	return out
}
