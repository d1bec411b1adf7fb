package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// decision is what both routes decide: one request's scopes for one
// recipient, counted or not.
type decision struct {
	b         *loaded
	route     string // "decisions" or "messages"
	campaign  render.Campaign
	recipient render.Recipient
	scopes    []decide.Scope
	at        time.Time
	dryRun    bool
	trace     bool
	key       string // Idempotency-Key, "" when none
	hash      string // of the request, when key is set
	template  string
}

// decided is the outcome: the decision and what identifies it.
type decided struct {
	id       string
	d        *decide.Decision
	at       time.Time
	replayed bool
	// ledger and entry are where the decision is recorded; "" for a dry
	// run. A message's open pixel and unsubscribe link name them.
	ledger, entry string
}

// run decides. A dry run reads the counters and writes nothing. A counted
// request reserves its decision events and records the decision in the
// ledger in one atomic step, through the Reserver that concurrent
// requests share: their reservations coalesce into one store round trip
// (one bbolt transaction, one Redis script call). With an Idempotency-Key
// already recorded, the recorded decision comes back and nothing counts.
func (s *Service) run(ctx context.Context, q *decision) (*decided, error) {
	o := q.options(q.at)
	o.Trace = q.trace
	// Learned ranking follows every process's events within a second.
	if st, err := s.live.Stats(ctx, q.b.project.Library, q.at); err == nil {
		o.Stats = st
	} else {
		o.Stats = st // the last statistics read, or none
		s.log.Warn("read feedback for learned ranking", "error", err.Error())
	}
	if q.dryRun {
		o.Counts = decide.StoreCounts(s.store)
		d, err := q.b.project.Decide(ctx, q.scopes, q.recipient, o)
		if err != nil {
			return nil, err
		}
		s.metrics.decisions.WithLabelValues("dry_run").Inc()
		return &decided{id: newID(s.cfg.Now()), d: d, at: q.at}, nil
	}

	now := s.cfg.Now()
	if q.key != "" {
		// Yesterday's ledger first: today's is looked at by Reserve.
		if got, err := s.recorded(ctx, q, ledgerOf(now.AddDate(0, 0, -1))); got != nil || err != nil {
			return got, err
		}
	}
	m := &meta{ID: newID(now), Route: q.route, Hash: q.hash, At: q.at, Campaign: q.campaign.ID, Recipient: q.recipient.ID, Template: q.template}
	key := "d:" + m.ID
	if q.key != "" {
		key = "k:" + q.key
	}
	req := campaign.NewRequest(q.recipient, q.scopes, o)
	req.Entry = &decide.Entry{Ledger: ledgerOf(now), Key: key, Encode: encoder(m)}
	res, err := q.b.reserver.Reserve(ctx, []*decide.Request{req})
	if err != nil {
		return nil, err
	}
	r := res[0]
	if !r.Replayed {
		s.metrics.decisions.WithLabelValues("counted").Inc()
		return &decided{id: m.ID, d: r.Decision, at: q.at, ledger: req.Entry.Ledger, entry: key}, nil
	}
	got, err := s.replayed(q, r.Record, r.Decision)
	if got != nil {
		got.ledger, got.entry = req.Entry.Ledger, key
	}
	return got, err
}

// recorded looks for the request's key in one ledger.
func (s *Service) recorded(ctx context.Context, q *decision, ledger string) (*decided, error) {
	recs, err := s.store.Records(ctx, ledger, []string{"k:" + q.key})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || recs[0] == nil {
		return nil, nil
	}
	d, err := q.b.project.Library.Replay(recs[0])
	if err != nil {
		return nil, err
	}
	got, err := s.replayed(q, recs[0], d)
	if got != nil {
		got.ledger, got.entry = ledger, "k:"+q.key
	}
	return got, err
}

// replayed answers a retry from its ledger record, if it is the same
// request.
func (s *Service) replayed(q *decision, rec []byte, d *decide.Decision) (*decided, error) {
	m, err := readMeta(rec)
	if err != nil {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: CodeIdempotency, Field: "Idempotency-Key", Message: err.Error()}
	}
	if m.Hash != q.hash || m.Route != q.route {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: CodeIdempotency, Field: "Idempotency-Key",
			Message: fmt.Sprintf("this key was used for another request (decision %s, %s); use a new key for a new request", m.ID, m.At.Format(time.RFC3339))}
	}
	s.metrics.decisions.WithLabelValues("replayed").Inc()
	return &decided{id: m.ID, d: d, at: m.At, replayed: true}, nil
}

// scopeError turns an unknown activity or placement into a 404 naming the
// request member.
func scopeError(lib *decide.Library, activity, placement, field string) error {
	err := lib.ScopeError(activity, placement)
	switch {
	case err == nil:
		return nil
	case lib.Activity(activity) == nil:
		return notFound(CodeActivity, field+".activity", "%s", trimScope(err))
	}
	return notFound(CodePlacement, field+".placement", "%s", trimScope(err))
}

func trimScope(err error) string {
	msg := err.Error()
	prefix := decide.ErrUnknownScope.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}

// options are the rendering options of a decided request.
func (q *decision) options(at time.Time) campaign.Options {
	return campaign.Options{Campaign: q.campaign, Now: at, Tracker: q.b.tracker}
}

// renderFailed answers a decision whose content or message does not
// render for this recipient's data. Nothing was delivered, so a counted
// decision gives its counters back (decide.Reserver.Release): the caps
// stay for others, as a batch run releases a recipient whose message
// fails. Its ledger entry stays, so a retry with the same Idempotency-Key
// gets the same answer; the release happens once however often it is
// asked for. A release the store cannot make is the store's error (503):
// a retry with the key releases then.
func (s *Service) renderFailed(ctx context.Context, q *decision, res *decided, err error) error {
	if res.ledger != "" {
		counters := res.d.Counters
		if res.replayed {
			// A replayed decision carries no counters; the first attempt
			// may have stopped before its release.
			counters = q.b.project.Library.Counters(res.d, q.recipient.ID, res.at)
		}
		released, rerr := q.b.reserver.Release(ctx, res.ledger, res.entry, counters)
		if rerr != nil {
			s.log.Warn("release the counters of a decision that did not render", "decisionId", res.id, "error", rerr.Error())
			return rerr
		}
		if released {
			s.metrics.decisions.WithLabelValues("released").Inc()
		}
	}
	return s.renderError(err)
}

// renderError is a failure to render for this recipient's data. Its
// position names the file relative to the library or templates directory:
// the client learns where, not the server's directories.
func (s *Service) renderError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	msg := err.Error()
	for _, dir := range []string{s.cfg.Templates, s.cfg.Library} {
		if dir != "" {
			msg = strings.ReplaceAll(msg, filepath.Clean(dir)+string(filepath.Separator), "")
		}
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeRender, Message: msg}
}
