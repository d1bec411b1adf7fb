package api

import (
	"net/http"
	"time"

	"github.com/offermail/offermail/render"
)

// now is the service's clock, to the millisecond: the decision time of a
// request without "at".
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// campaignOf checks a request's campaign; absent, it is the service's.
func (s *Service) campaignOf(c *string) (render.Campaign, error) {
	if c == nil {
		return render.Campaign{ID: s.cfg.Campaign, Name: s.cfg.Campaign}, nil
	}
	id, err := name("campaign", c)
	if err != nil {
		return render.Campaign{}, err
	}
	return render.Campaign{ID: id, Name: id}, nil
}

// idempotency reads the request's Idempotency-Key, and hashes the request
// for it. A dry run counts and records nothing, so it ignores the key.
func (s *Service) idempotency(r *http.Request, q *decision, in any, atGiven bool) error {
	key, err := idempotencyKey(r)
	if err != nil || key == "" || q.dryRun {
		return err
	}
	q.key = key
	q.hash, err = requestHash(q.route, in)
	return err
}
