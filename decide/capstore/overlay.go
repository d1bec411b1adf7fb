package capstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/offermail/offermail/decide"
)

// Overlay is an in-memory copy of another store's counters, for
// simulations (mailpreview simulate): caps bind as in a real run — a total
// cap of 2 grants 2 — against what the other store counted so far, while
// that store is only read, never written. A counter is copied the first
// time the overlay needs it and counts on in memory from there; the ledger
// starts empty (a simulation decides every recipient anew). It is a
// decide.Store, exact under any concurrency within the process, and is
// lost when closed.
type Overlay struct {
	base   decide.Store
	mem    *Memory
	forget bool

	mu     sync.Mutex // serializes copying a counter with its first use
	copied map[string]bool
	edits  map[string]*decide.Suppression // the suppression list's changes: nil removed
	closed bool
}

var _ decide.Store = (*Overlay)(nil)

// NewOverlay returns an overlay over base, which it reads through
// base.Counts only; open base read-only (WithReadOnly) to be sure. The
// caller closes base after the overlay. Options are the memory store's
// (WithClock, WithRetention).
func NewOverlay(base decide.Store, opts ...Option) *Overlay {
	return &Overlay{base: base, mem: NewMemory(opts...), copied: map[string]bool{}, edits: map[string]*decide.Suppression{}}
}

// ForgetRecipients makes the overlay drop what a committed reservation
// kept of its recipient alone — their own counters (per-profile caps) and
// their ledger record — so that its memory holds only the counters all
// recipients share (total caps) and grows with the offers, not with the
// recipients. It is for a run that reserves each recipient once, as a
// simulation does: a recipient reserved again would find their own
// counters at the base store's values and no record to replay. Call it
// before the overlay is used.
func (o *Overlay) ForgetRecipients() { o.forget = true }

// copyIn reads the counters of keys not copied yet from the base store
// into memory. The caller holds o.mu.
func (o *Overlay) copyIn(ctx context.Context, keys []string) error {
	// A batch of reservations names a shared counter many times; it is
	// copied once.
	var missing []string
	seen := map[string]bool{}
	for _, k := range keys {
		if !o.copied[k] && !seen[k] {
			seen[k] = true
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	values, err := o.base.Counts(ctx, missing)
	if err != nil {
		return fmt.Errorf("read the counters to simulate from: %w", err)
	}
	var deltas []decide.Delta
	for i, k := range missing {
		if values[i] > 0 {
			deltas = append(deltas, decide.Delta{Key: k, N: values[i]})
		}
	}
	if len(deltas) > 0 {
		if err := o.mem.Add(ctx, deltas); err != nil {
			return err
		}
	}
	for _, k := range missing {
		o.copied[k] = true
	}
	return nil
}

// Counts implements decide.Store.
func (o *Overlay) Counts(ctx context.Context, keys []string) ([]int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.copyIn(ctx, keys); err != nil {
		return nil, err
	}
	return o.mem.Counts(ctx, keys)
}

// Reserve implements decide.Store, in memory.
func (o *Overlay) Reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	var keys []string
	for _, r := range rs {
		for _, c := range r.Counters {
			keys = append(keys, c.Key)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.copyIn(ctx, keys); err != nil {
		return nil, err
	}
	out, err := o.mem.Reserve(ctx, rs)
	if err != nil || !o.forget {
		return out, err
	}
	o.mem.mu.Lock()
	defer o.mem.mu.Unlock()
	// A refused reservation changed nothing: its recipient's counters
	// still hold the base store's values, copied again if read again.
	for _, r := range rs {
		for _, c := range r.Counters {
			if !decide.SharedCounter(c.Key) {
				delete(o.mem.counters, c.Key)
				delete(o.copied, c.Key)
			}
		}
		if l := o.mem.ledger[r.Campaign]; l != nil {
			delete(l, r.Recipient)
		}
	}
	return out, nil
}

// Records implements decide.Store: the overlay's own ledger.
func (o *Overlay) Records(ctx context.Context, campaign string, recipients []string) ([][]byte, error) {
	return o.mem.Records(ctx, campaign, recipients)
}

// Add implements decide.Store, in memory.
func (o *Overlay) Add(ctx context.Context, deltas []decide.Delta) error {
	keys := make([]string, len(deltas))
	for i, d := range deltas {
		keys[i] = d.Key
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.copyIn(ctx, keys); err != nil {
		return err
	}
	return o.mem.Add(ctx, deltas)
}

// Close drops the copy; the base store stays open.
func (o *Overlay) Close() error {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	return o.mem.Close()
}
