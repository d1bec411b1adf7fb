package batch

import (
	"context"
	"fmt"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
)

// Step is the work of a real run for one recipient, in the pieces that the
// runner and the decisioning service (mailpreview api) share: Reserve
// decides and records the decision in the store's ledger, counting caps;
// Message renders the decision and encodes the message. The runner calls
// Prepare and the Reserver's Commit once per batch of recipients (Reserve
// in two halves, so that it commits batches in order while deciding them
// in parallel) and Message from its workers; a service calls Reserve and
// Message per request. A Step is safe for concurrent use.
type Step struct {
	Project  *campaign.Project
	Template *render.Template
	// Options are the run's: Campaign, Seed, Now (the decision time),
	// Strict, and Stats for learned ranking. Counts and Trace are for dry
	// runs and play no part in a reservation.
	Options campaign.Options
	Format  campaign.Format
	// Live, when set, gives each Reserve the store's statistics as they
	// are now (read at most once per its MaxAge, windowed as of
	// Options.Now) instead of Options.Stats: one call's recipients are
	// decided on the same numbers, a later call's on newer ones.
	Live *track.Live
}

// Reserve decides recs and reserves their decisions with rv: one store
// round trip for all of them (and, when its statistics have aged, one
// read of them). A recipient whose decision the ledger already
// holds gets it back (Result.Replayed) and nothing is counted again.
func (s *Step) Reserve(ctx context.Context, rv *decide.Reserver, recs []*recipients.Record) ([]decide.Result, error) {
	p, err := s.Prepare(ctx, rv, recs)
	if err != nil {
		return nil, err
	}
	return rv.Commit(ctx, p)
}

// Prepare decides recs with what rv knows (decide.Reserver.Prepare),
// without reserving: rv.Commit reserves. Only aged statistics are read
// from the store.
func (s *Step) Prepare(ctx context.Context, rv *decide.Reserver, recs []*recipients.Record) (*decide.Prepared, error) {
	o := s.Options
	if s.Live != nil {
		st, err := s.Live.Stats(ctx, s.Project.Library, o.Now)
		if err != nil {
			return nil, fmt.Errorf("read feedback for learned ranking: %w", err)
		}
		o.Stats = st
	}
	scopes := campaign.Scopes(s.Template)
	// The requests of a call are made in one array rather than one by one.
	reqs, all := make([]*decide.Request, len(recs)), make([]decide.Request, len(recs))
	for i, rec := range recs {
		all[i] = *campaign.NewRequest(campaign.Recipient(rec), scopes, o)
		reqs[i] = &all[i]
	}
	return rv.Prepare(ctx, reqs)
}

// Message renders d for rec into out and appends the message, encoded in
// the step's format, to dst; the caller reuses out and the returned slice
// for its next recipient, so that a run does not allocate a message per
// recipient. out's From and To are the message's sender ("" for
// render.DefaultFrom) and address. An error is this recipient's: its data
// does not render (a missing field in strict mode, a line break in a
// header), which a run records as a render reject; dst is then returned
// as it was.
func (s *Step) Message(out *render.Output, dst []byte, rec *recipients.Record, d *decide.Decision) ([]byte, error) {
	if err := s.Project.RenderTo(out, s.Template, campaign.Recipient(rec), s.Options, d); err != nil {
		return dst, err
	}
	// Encoding into memory first keeps a recipient's bad header from ever
	// reaching a sink.
	return campaign.AppendOutput(dst, s.Format, out, d, s.Options.Now)
}
