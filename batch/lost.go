package batch

import (
	"context"
	"errors"
	"fmt"

	"github.com/offermail/offermail/decide"
)

// A resumed run trusts the store to remember what earlier attempts
// counted: it skips the recipients in decisions.ndjson and decides the
// others against the store's counters. A store that lost its state since
// (a deleted state.db, a Redis restarted without persistence, a restored
// backup) has lost those counters too, and deciding on would grant capped
// offers again — a total cap of 5 granted 10 times. Every decision the
// store counts is in its ledger in the same atomic step, so a recipient of
// decisions.ndjson without a ledger record is the proof of such a loss:
// the run stops before deciding anyone (ErrStoreLost).
//
// The check reads every record, not a sample, so that a partial loss (the
// last second of a Redis whose AOF syncs every second) is found as surely
// as a whole one: one Records round trip per 512 recipients done, a small
// part of reading decisions.ndjson back.

// ErrStoreLost: the store no longer holds decisions that earlier attempts
// of the run recorded in it (StoreLostError says which).
var ErrStoreLost = errors.New("the store lost state")

// StoreLostError says that recipients in decisions.ndjson have no record
// in the store's ledger.
type StoreLostError struct {
	File      string // decisions.ndjson
	Line      int    // the line of the first recipient missing
	Recipient string // that recipient
	// Missing of Checked recipients in File have no ledger record.
	Missing, Checked int
}

func (e *StoreLostError) Error() string {
	return fmt.Sprintf("%s:%d: recipient %q was decided by an earlier attempt of this run, but the store has no record of it (%d of the %d recipients decided are missing): the store lost its state since that attempt (deleted, replaced, or a Redis restarted without persistence), and its cap counters with it, so deciding on would grant capped offers again",
		e.File, e.Line, e.Recipient, e.Missing, e.Checked)
}

func (e *StoreLostError) Is(target error) bool { return target == ErrStoreLost }

// ledgerCheck looks up, in chunks, the ledger records of the recipients a
// resume reads from decisions.ndjson. A nil check checks nothing.
type ledgerCheck struct {
	ctx      context.Context
	store    decide.Store
	campaign string
	file     string

	ids   []string
	lines []int
	lost  StoreLostError
	err   error
}

const ledgerChunk = 512

func newLedgerCheck(ctx context.Context, store decide.Store, campaign, file string) *ledgerCheck {
	return &ledgerCheck{ctx: ctx, store: store, campaign: campaign, file: file, lost: StoreLostError{File: file}}
}

// add queues a recipient of line n for the check.
func (c *ledgerCheck) add(id string, n int) {
	if c == nil || c.err != nil {
		return
	}
	c.ids = append(c.ids, id)
	c.lines = append(c.lines, n)
	if len(c.ids) >= ledgerChunk {
		c.flush()
	}
}

func (c *ledgerCheck) flush() {
	if len(c.ids) == 0 {
		return
	}
	records, err := c.store.Records(c.ctx, c.campaign, c.ids)
	if err != nil {
		c.err = fmt.Errorf("check the store's ledger against %s: %w", c.file, err)
		return
	}
	for i, rec := range records {
		if rec == nil {
			if c.lost.Missing == 0 {
				c.lost.Line, c.lost.Recipient = c.lines[i], c.ids[i]
			}
			c.lost.Missing++
		}
	}
	c.lost.Checked += len(c.ids)
	c.ids, c.lines = c.ids[:0], c.lines[:0]
}

// done checks what is queued and returns the store's error, or a
// *StoreLostError when a recipient was missing.
func (c *ledgerCheck) done() error {
	if c == nil {
		return nil
	}
	if c.err == nil {
		c.flush()
	}
	switch {
	case c.err != nil:
		return c.err
	case c.lost.Missing > 0:
		lost := c.lost
		return &lost
	}
	return nil
}
