package capstore

import (
	"context"
	"fmt"

	"github.com/offermail/offermail/decide"
)

// The overlay's suppression list is the base store's as it is read, with
// the overlay's own changes on top (kept in memory, like its counters): a
// simulation skips the recipients a real run would skip, and a change made
// through the overlay stays in it.

// on reports, for each recipient, whether it is on the overlay's list: its
// own change when it made one, else the base store's. The caller holds o.mu.
func (o *Overlay) on(ctx context.Context, recipients []string) ([]bool, error) {
	if o.closed {
		return nil, fmt.Errorf("suppression list: %w", ErrClosed)
	}
	out := make([]bool, len(recipients))
	var ask []string
	var at []int
	for i, r := range recipients {
		if e, ok := o.edits[r]; ok {
			out[i] = e != nil
			continue
		}
		ask = append(ask, r)
		at = append(at, i)
	}
	if len(ask) == 0 {
		return out, nil
	}
	base, err := o.base.Suppressed(ctx, ask)
	if err != nil {
		return nil, fmt.Errorf("read the suppression list to simulate with: %w", err)
	}
	for k, i := range at {
		out[i] = base[k]
	}
	return out, nil
}

// Suppress implements decide.SuppressionList, in memory.
func (o *Overlay) Suppress(ctx context.Context, es []decide.Suppression) (int, error) {
	if err := validateSuppressions(es); err != nil {
		return 0, fmt.Errorf("suppress: %w", err)
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.Recipient
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	on, err := o.on(ctx, ids)
	if err != nil {
		return 0, err
	}
	added := 0
	for i, e := range es {
		if on[i] {
			continue
		}
		if cur, ok := o.edits[e.Recipient]; ok && cur != nil {
			continue // added earlier in this call: the first entry stays
		}
		o.edits[e.Recipient] = &e
		added++
	}
	return added, nil
}

// Unsuppress implements decide.SuppressionList, in memory.
func (o *Overlay) Unsuppress(ctx context.Context, recipients []string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	on, err := o.on(ctx, recipients)
	if err != nil {
		return 0, err
	}
	removed := 0
	for i, r := range recipients {
		if cur, ok := o.edits[r]; on[i] && (!ok || cur != nil) {
			o.edits[r] = nil
			removed++
		}
	}
	return removed, nil
}

// Suppressed implements decide.SuppressionList.
func (o *Overlay) Suppressed(ctx context.Context, recipients []string) ([]bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.on(ctx, recipients)
}

// Suppressions implements decide.SuppressionList: the base store's entries
// the overlay did not change, then the overlay's own.
func (o *Overlay) Suppressions(ctx context.Context, fn func(decide.Suppression) error) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return fmt.Errorf("suppressions: %w", ErrClosed)
	}
	edits := make(map[string]*decide.Suppression, len(o.edits))
	for r, e := range o.edits {
		edits[r] = e
	}
	o.mu.Unlock()
	err := o.base.Suppressions(ctx, func(e decide.Suppression) error {
		if _, changed := edits[e.Recipient]; changed {
			return nil
		}
		return fn(e)
	})
	if err != nil {
		return err
	}
	for _, e := range edits {
		if e != nil {
			if err := fn(*e); err != nil {
				return err
			}
		}
	}
	return nil
}
