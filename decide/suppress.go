package decide

import (
	"context"
	"time"
)

// Suppression is one entry of a store's suppression list: a recipient no
// real run may write to again, because they unsubscribed (SPEC §10) or
// were added by hand (a hard bounce, a complaint).
type Suppression struct {
	Recipient string    `json:"recipient"`
	Time      time.Time `json:"time"`
	// Reason says where the entry came from: "unsubscribe" (the one-click
	// route), "manual" (mailpreview suppress), or what the caller says.
	Reason string `json:"reason,omitempty"`
}

// A SuppressionList is the part of a Store that keeps suppressed
// recipients. The list is the store's: every process sharing the store
// sees an entry as soon as Suppress returns, so a batch run on any
// machine skips a recipient who unsubscribed through any replica.
type SuppressionList interface {
	// Suppress puts recipients on the list. One already on it keeps its
	// first entry. It returns how many were not on it before.
	Suppress(ctx context.Context, entries []Suppression) (added int, err error)
	// Unsuppress takes recipients off the list and returns how many were
	// on it.
	Unsuppress(ctx context.Context, recipients []string) (removed int, err error)
	// Suppressed reports, for each recipient, whether it is on the list.
	Suppressed(ctx context.Context, recipients []string) ([]bool, error)
	// Suppressions calls fn for every entry of the list, in no particular
	// order, and stops at fn's first error, which it returns.
	Suppressions(ctx context.Context, fn func(Suppression) error) error
}
