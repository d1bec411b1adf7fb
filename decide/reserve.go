package decide

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Reserver makes the decisions of a real run: it decides, reserves the
// decisions' counters and records them in the campaign ledger with
// Store.Reserve, and decides again for recipients whose caps were used up
// meanwhile by other workers or machines. A cap therefore holds exactly —
// a total cap of 200 grants 200, never 201 — while no recipient loses an
// offer that was still available.
//
// Decisions are optimistic: they read counters as 0, and when the store
// refuses a reservation the Reserver reads the refused counters' values
// and decides again. What it learns of total counters is kept for the rest
// of the run, so a popular capped offer costs each worker one refused
// reservation, not one per recipient; a recipient refused on one of their
// own counters (a cap used up in an earlier campaign) has all of their own
// counters read from the store from then on, so a long history costs one
// more round, not one per capped offer. A total counter is also read once
// before the first reservation that counts it (sight): a cap used up
// before the Reserver started, by an earlier campaign or an earlier
// attempt of the same run, is known without a refused round.
//
// Its decisions depend on the store's counters and on what it has learned
// of them, so callers that commit in a fixed order get the same decisions
// whatever their timing: a batch run prepares batches in parallel and
// commits them in the order of its source (Prepare, Commit).
//
// A Reserver is safe for concurrent use.
type Reserver struct {
	engine *Engine
	store  Store
	mu     sync.RWMutex
	full   map[string]int64 // values read of refused total counters
	gen    uint64           // releases so far: a read older than one is stale
	// ver counts the changes to full: decisions made at one ver read the
	// same total counters as decisions made at the same ver later.
	ver uint64
	// seen holds the total counters read once before a reservation that
	// counts them (sight), at most maxSeen of them.
	seen map[string]bool
}

// maxSeen bounds Reserver.seen; past it, it starts again empty (and those
// counters are read once more).
const maxSeen = 1 << 16

// maxRounds bounds how often one batch is decided again; every round
// learns at least one exhausted counter per refused reservation, so a
// batch needs at most as many rounds as its offers have caps.
const maxRounds = 64

// NewReserver returns a Reserver deciding with e and reserving in s.
func NewReserver(e *Engine, s Store) *Reserver {
	return &Reserver{engine: e, store: s, full: map[string]int64{}, seen: map[string]bool{}}
}

// Result is the decision of one request of a real run.
type Result struct {
	Decision *Decision
	// Replayed: the pair (campaign, recipient) was decided by an earlier
	// run, whose decision this is; nothing was counted again.
	Replayed bool
	// Record is the decision as the ledger holds it (Decision.Record, or
	// what the request's Entry encoded).
	Record []byte
}

// Entry names the ledger entry a real decision is recorded in, and what is
// recorded. Batch runs keep the default, one entry per recipient of a
// campaign, so that running a campaign again counts nothing twice; the
// API records each request under an entry of its own (its idempotency
// key), since a recipient may be decided for many times.
type Entry struct {
	// Ledger and Key name the entry: Reservation.Campaign and
	// Reservation.Recipient. Counter keys still name the request's
	// recipient, so per-recipient caps hold whatever the entry.
	Ledger, Key string
	// Encode makes the record; nil is Decision.Record. Replay reads the
	// propositions back from it, so it must be Decision.Record's, or
	// Decision's JSON (Decision.AppendJSON), to which it may add members of
	// its own (Replay ignores them).
	Encode func(*Decision) ([]byte, error)
}

// Reserve decides every request and reserves the decisions in one call to
// the store (more when caps run out meanwhile). Requests must not repeat a
// ledger entry (by default, a recipient). The requests' Counts are
// ignored; a request's Trace is kept, and explains the decision with the
// counter values the Reserver knew when it made it. Reserve is Prepare
// then Commit.
func (r *Reserver) Reserve(ctx context.Context, reqs []*Request) ([]Result, error) {
	p, err := r.Prepare(ctx, reqs)
	if err != nil {
		return nil, err
	}
	return r.Commit(ctx, p)
}

// Prepared is requests decided ahead of their reservation: Prepare does
// the CPU work of deciding and no store call, Commit reserves. A batch run
// prepares its next batches while one is committed, and commits them in
// the order of its source, so that its store sees what a run deciding
// one batch at a time would send.
type Prepared struct {
	reqs []*Request
	// copies are the requests as decided, each with its view as Counts.
	copies    []Request
	views     []view
	decisions []*Decision
	rs        []Reservation
	// ver is what the Reserver knew (Reserver.ver) when they were decided.
	ver uint64
}

// Prepare decides reqs with what the Reserver knows now, without calling
// the store; Commit reserves the decisions. Requests must not repeat a
// ledger entry.
func (r *Reserver) Prepare(ctx context.Context, reqs []*Request) (*Prepared, error) {
	p := &Prepared{reqs: reqs, copies: make([]Request, len(reqs)), views: make([]view, len(reqs)),
		decisions: make([]*Decision, len(reqs)), rs: make([]Reservation, len(reqs))}
	for i := range p.views {
		p.views[i].r = r
	}
	r.mu.RLock()
	p.ver = r.ver
	r.mu.RUnlock()
	for i := range reqs {
		if err := r.decideOne(ctx, p, i, &p.rs[i]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// decideOne decides request i of p with its view and makes its
// reservation.
func (r *Reserver) decideOne(ctx context.Context, p *Prepared, i int, rs *Reservation) error {
	req := &p.copies[i]
	*req = *p.reqs[i]
	req.Counts = &p.views[i]
	d, err := r.engine.Decide(ctx, req)
	if err != nil {
		return err
	}
	p.decisions[i] = d
	ledger, key, encode := req.Campaign, req.Recipient, (*Decision).Record
	if e := req.Entry; e != nil {
		ledger, key = e.Ledger, e.Key
		if e.Encode != nil {
			encode = e.Encode
		}
	}
	record, err := encode(d)
	if err != nil {
		return err
	}
	*rs = Reservation{Campaign: ledger, Recipient: key, Counters: d.Counters, Record: record}
	return nil
}

// Commit reserves what Prepare decided, in one call to the store (more
// when caps run out meanwhile), and returns the results in the order of
// the requests. When what the Reserver knows of total counters changed
// since Prepare (it learned a used-up counter, or a release made it
// forget one), the requests are decided again first: so the decisions
// are those Reserve would make now. A Prepared is committed once.
func (r *Reserver) Commit(ctx context.Context, p *Prepared) ([]Result, error) {
	reqs, views, decisions := p.reqs, p.views, p.decisions
	results := make([]Result, len(reqs))
	pending := make([]int, len(reqs))
	for i := range reqs {
		pending[i] = i
	}
	rs := p.rs
	// decideAgain decides the pending requests again, rs[k] becoming the
	// reservation of request pending[k].
	decideAgain := func() error {
		for k, i := range pending {
			if err := r.decideOne(ctx, p, i, &rs[k]); err != nil {
				return err
			}
		}
		return nil
	}
	r.mu.RLock()
	stale := r.ver != p.ver
	r.mu.RUnlock()
	// The views have read nothing from the store: a view only does after
	// a refusal, which only Commit meets.
	if stale {
		if err := decideAgain(); err != nil {
			return nil, err
		}
	}
	for round := 0; ; round++ {
		// Each pass reads counters not met before, so the loop ends.
		for {
			learned, err := r.sight(ctx, rs)
			if err != nil {
				return nil, err
			}
			if !learned {
				break
			}
			if err := decideAgain(); err != nil {
				return nil, err
			}
		}
		outcomes, err := r.store.Reserve(ctx, rs)
		if err != nil {
			return nil, err
		}
		if len(outcomes) != len(rs) {
			return nil, fmt.Errorf("reserve: the store answered %d outcomes for %d reservations", len(outcomes), len(rs))
		}
		next := pending[:0]
		var refused []refusal
		for k, i := range pending {
			switch o := outcomes[k]; o.Status {
			case Committed:
				results[i] = Result{Decision: decisions[i], Record: rs[k].Record}
			case Replayed:
				d, err := r.engine.lib.Replay(o.Record, reqs[i].Scopes...)
				if err != nil {
					return nil, fmt.Errorf("recipient %s: %w", reqs[i].Recipient, err)
				}
				results[i] = Result{Decision: d, Replayed: true, Record: o.Record}
			case Exhausted:
				if len(o.Exhausted) == 0 {
					return nil, fmt.Errorf("reserve: the store refused recipient %s without naming a counter", reqs[i].Recipient)
				}
				refused = append(refused, refusal{&views[i], o.Exhausted})
				next = append(next, i)
			default:
				return nil, fmt.Errorf("reserve: unknown outcome %v", o.Status)
			}
		}
		if err := r.learn(ctx, refused); err != nil {
			return nil, err
		}
		pending = next
		if len(pending) == 0 {
			return results, nil
		}
		if round+1 == maxRounds {
			return nil, fmt.Errorf("reserve: caps kept changing after %d rounds; is another process resetting counters?", maxRounds)
		}
		rs = make([]Reservation, len(pending))
		if err := decideAgain(); err != nil {
			return nil, err
		}
	}
}

// sight reads, in one call to the store, the total counters that rs
// count and the Reserver has not met before, and learns those used up (at
// their limit) as a refusal would; it reports whether it learned any, and
// so whether rs should be decided again. A run that resumes after a stop
// thus knows of the caps used up before it as the run never stopped
// does, instead of learning of each from a refused round, in which the
// recipients who wanted it would be decided after the rest of their batch.
func (r *Reserver) sight(ctx context.Context, rs []Reservation) (bool, error) {
	var keys []string
	var limits []int64
	r.mu.RLock()
	for _, res := range rs {
		for _, c := range res.Counters {
			if !sharedCounter(c.Key) || r.seen[c.Key] {
				continue
			}
			if k := slices.Index(keys, c.Key); k >= 0 {
				limits[k] = min(limits[k], c.Limit)
				continue
			}
			keys, limits = append(keys, c.Key), append(limits, c.Limit)
		}
	}
	gen := r.gen
	r.mu.RUnlock()
	if len(keys) == 0 {
		return false, nil
	}
	values, err := r.store.Counts(ctx, keys)
	if err != nil {
		return false, err
	}
	learned := false
	r.mu.Lock()
	if len(r.seen)+len(keys) > maxSeen {
		clear(r.seen)
	}
	for i, k := range keys {
		r.seen[k] = true
		// As in learn: a read older than a release may count what it gave
		// back.
		if values[i] >= limits[i] && values[i] > r.full[k] && gen == r.gen {
			r.full[k] = values[i]
			r.ver++
			learned = true
		}
	}
	r.mu.Unlock()
	return learned, nil
}

// refusal is an Exhausted outcome: the recipient's view and the counters
// that refused it.
type refusal struct {
	v    *view
	keys []string
}

// learn reads the current values of refused counters, in one call to the
// store, so the next round decides knowing them: a refused counter may
// still have room for one event where the refused decision needed two
// (an offer in two placements of one message).
func (r *Reserver) learn(ctx context.Context, refused []refusal) error {
	if len(refused) == 0 {
		return nil
	}
	index := map[string]int{}
	var keys []string
	for _, f := range refused {
		for _, k := range f.keys {
			if _, ok := index[k]; !ok {
				index[k] = len(keys)
				keys = append(keys, k)
			}
		}
	}
	r.mu.RLock()
	gen := r.gen
	r.mu.RUnlock()
	values, err := r.store.Counts(ctx, keys)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for i, k := range keys {
		// Values read before a release may count what it gave back;
		// keeping them would refuse offers the caps still have room for.
		if sharedCounter(k) && values[i] > r.full[k] && gen == r.gen {
			r.full[k] = values[i]
			r.ver++
		}
	}
	r.mu.Unlock()
	for _, f := range refused {
		for _, k := range f.keys {
			if !sharedCounter(k) {
				if f.v.local == nil {
					f.v.local = map[string]int64{}
				}
				f.v.local[k] = values[index[k]]
				f.v.history = true
			}
		}
	}
	return nil
}

// view is what one recipient's decision knows of the counters: total
// counters as last read after a refusal (0 until then), and its own
// counters as 0 until one refused it, then as the store holds them.
type view struct {
	r       *Reserver
	local   map[string]int64
	history bool // read the recipient's own counters from the store
}

// ownZero reports that the view reads the recipient's own counters as 0
// (Count does, for every key that is not shared).
func (v *view) ownZero() bool { return !v.history && len(v.local) == 0 }

func (v *view) Count(ctx context.Context, key string) (int64, error) {
	if n, ok := v.local[key]; ok {
		return n, nil
	}
	if sharedCounter(key) {
		v.r.mu.RLock()
		n := v.r.full[key]
		v.r.mu.RUnlock()
		return n, nil
	}
	if !v.history {
		return 0, nil
	}
	values, err := v.r.store.Counts(ctx, []string{key})
	if err != nil {
		return 0, err
	}
	v.local[key] = values[0]
	return values[0], nil
}
