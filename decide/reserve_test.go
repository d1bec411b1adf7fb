package decide

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// testStore is a minimal exact Store for the Reserver's tests; package
// capstore's real stores pass their own conformance suite.
type testStore struct {
	SuppressionList // never called: reservations do not read it
	mu              sync.Mutex
	counters        map[string]int64
	ledger          map[string][]byte
	calls           int
}

func newTestStore() *testStore {
	return &testStore{counters: map[string]int64{}, ledger: map[string][]byte{}}
}

func (s *testStore) Counts(_ context.Context, keys []string) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = s.counters[k]
	}
	return out, nil
}

func (s *testStore) Reserve(_ context.Context, rs []Reservation) ([]Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	out := make([]Outcome, len(rs))
	for i, r := range rs {
		pair := r.Campaign + "|" + r.Recipient
		if rec, ok := s.ledger[pair]; ok {
			out[i] = Outcome{Status: Replayed, Record: rec}
			continue
		}
		var full []string
		for _, c := range r.Counters {
			if s.counters[c.Key]+c.N > c.Limit {
				full = append(full, c.Key)
			}
		}
		if len(full) > 0 {
			out[i] = Outcome{Status: Exhausted, Exhausted: full}
			continue
		}
		for _, c := range r.Counters {
			s.counters[c.Key] += c.N
		}
		s.ledger[pair] = r.Record
		out[i] = Outcome{Status: Committed}
	}
	return out, nil
}

func (s *testStore) Records(context.Context, string, []string) ([][]byte, error) { return nil, nil }
func (s *testStore) Add(context.Context, []Delta) error                          { return nil }
func (s *testStore) Close() error                                                { return nil }

const reserveLibrary = `
placements:
  - {id: hero, content: html}
offers:
  - {id: scarce, priority: 9, caps: [{scope: total, limit: 100}], content: {hero: {html: S}}}
  - {id: plenty, priority: 1, content: {hero: {html: P}}}
  - {id: once, priority: 5, when: 'profile.vip == true', caps: [{scope: profile, limit: 1}], content: {hero: {html: O}}}
collections:
  - {id: all, offers: [scarce, plenty, once]}
activities:
  - id: act
    placements:
      hero: {criteria: [{collection: all}]}
`

// TestReserverExactTotalCap: 1,000 recipients decided concurrently by 8
// workers in batches; exactly 100 get the offer with a total cap of 100,
// and every other recipient gets the next offer.
func TestReserverExactTotalCap(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", reserveLibrary)
	store := newTestStore()
	r := NewReserver(New(lib), store)
	results := make([]Result, 1000)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for start := w * 125; start < (w+1)*125; start += 25 {
				var reqs []*Request
				for i := start; i < start+25; i++ {
					reqs = append(reqs, &Request{Campaign: "c", Recipient: fmt.Sprintf("r%d", i), Now: testNow, Scopes: []Scope{{"act", "hero", 0}}})
				}
				res, err := r.Reserve(context.Background(), reqs)
				if err != nil {
					errs <- err
					return
				}
				copy(results[start:], res)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, res := range results {
		got[res.Decision.Propositions[0].Offers[0].ID]++
	}
	if got["scarce"] != 100 || got["plenty"] != 900 {
		t.Errorf("offers granted = %v, want scarce 100 and plenty 900", got)
	}
	if n := store.counters["cap|scarce|total|all|*|*"]; n != 100 {
		t.Errorf("total counter = %d, want 100", n)
	}
	if len(store.ledger) != 1000 {
		t.Errorf("ledger holds %d decisions, want 1000", len(store.ledger))
	}
}

// TestReserverReplays: deciding again for recorded recipients returns the
// recorded decisions and counts nothing.
func TestReserverReplays(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", reserveLibrary)
	store := newTestStore()
	r := NewReserver(New(lib), store)
	reqs := []*Request{
		{Campaign: "c", Recipient: "a", Now: testNow, Scopes: []Scope{{"act", "hero", 0}}},
		{Campaign: "c", Recipient: "b", Now: testNow, Profile: map[string]any{"vip": true}, Scopes: []Scope{{"act", "hero", 0}}},
	}
	first, err := r.Reserve(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(store.counters)
	again, err := NewReserver(New(lib), store).Reserve(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range reqs {
		if first[i].Replayed || !again[i].Replayed {
			t.Errorf("recipient %s: replayed %v then %v, want false then true", reqs[i].Recipient, first[i].Replayed, again[i].Replayed)
		}
		if !reflect.DeepEqual(offerIDs(first[i].Decision.Propositions[0]), offerIDs(again[i].Decision.Propositions[0])) {
			t.Errorf("recipient %s: replayed %v, first decided %v", reqs[i].Recipient, offerIDs(again[i].Decision.Propositions[0]), offerIDs(first[i].Decision.Propositions[0]))
		}
		if again[i].Decision.Propositions[0].Offers[0].Offer == nil {
			t.Errorf("replayed decision does not resolve its offer")
		}
	}
	if after := fmt.Sprint(store.counters); after != before {
		t.Errorf("counters changed on replay: %s, then %s", before, after)
	}
}

// TestReserverLearnsProfileCaps: a per-profile counter exhausted by an
// earlier campaign is learned from the store and the recipient gets the
// next offer, while other recipients are not affected.
func TestReserverLearnsProfileCaps(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", reserveLibrary)
	store := newTestStore()
	store.counters["cap|scarce|total|all|*|*"] = 100 // the scarce offer is gone
	store.counters["cap|once|profile|all|*|vip1"] = 1
	r := NewReserver(New(lib), store)
	vip := map[string]any{"vip": true}
	res, err := r.Reserve(context.Background(), []*Request{
		{Campaign: "c2", Recipient: "vip1", Profile: vip, Now: testNow, Scopes: []Scope{{"act", "hero", 0}}},
		{Campaign: "c2", Recipient: "vip2", Profile: vip, Now: testNow, Scopes: []Scope{{"act", "hero", 0}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Decision.Propositions[0].Offers[0].ID; got != "plenty" {
		t.Errorf("vip1, who had the once offer already, got %s, want plenty", got)
	}
	if got := res[1].Decision.Propositions[0].Offers[0].ID; got != "once" {
		t.Errorf("vip2 got %s, want once", got)
	}
}

func TestReplayUnknownOffer(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", reserveLibrary)
	_, err := lib.Replay([]byte(`{"propositions":[{"activity":"act","placement":"hero","offers":[{"id":"gone","score":1,"rank":1}],"fallback":null}]}`))
	if !errors.Is(err, ErrLibraryChanged) {
		t.Fatalf("Replay of a record naming an unknown offer = %v, want ErrLibraryChanged", err)
	}
}

// TestReserverTotalCapWithDuplicates: an offer shown in two placements of
// one message counts two events; when only one is left, the next
// recipient still gets the offer in one placement, so a total cap of 3
// grants exactly 3 events.
func TestReserverTotalCapWithDuplicates(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", `
placements:
  - {id: a, content: text}
  - {id: b, content: text}
offers:
  - {id: x, priority: 10, caps: [{scope: total, limit: 3}], content: {a: {text: X}, b: {text: X}}}
fallbacks:
  - {id: fb, content: {a: {text: F}, b: {text: F}}}
collections:
  - {id: all, offers: [x]}
activities:
  - id: act
    allowDuplicates: true
    fallback: fb
    placements:
      a: {criteria: [{collection: all}]}
      b: {criteria: [{collection: all}]}
`)
	r := NewReserver(New(lib), newTestStore())
	events := 0
	for i := 0; i < 5; i++ {
		res, err := r.Reserve(context.Background(), []*Request{{Campaign: "c", Recipient: fmt.Sprintf("r%d", i), Now: testNow,
			Scopes: []Scope{{"act", "a", 0}, {"act", "b", 0}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res[0].Decision.Propositions {
			events += len(p.Offers)
		}
	}
	if events != 3 {
		t.Errorf("a total cap of 3 granted %d events, want 3", events)
	}
}

// TestReserverLongCapHistory: a recipient who used up their own cap on the
// 70 best of 80 offers gets the 71st in a couple of rounds, not one round
// per capped offer.
func TestReserverLongCapHistory(t *testing.T) {
	var b strings.Builder
	b.WriteString("placements:\n  - {id: a, content: text}\noffers:\n")
	var ids []string
	for i := 0; i < 80; i++ {
		id := fmt.Sprintf("o%02d", i)
		ids = append(ids, id)
		fmt.Fprintf(&b, "  - {id: %s, priority: %d, caps: [{scope: profile, limit: 1}], content: {a: {text: X}}}\n", id, 1000-i)
	}
	fmt.Fprintf(&b, "collections:\n  - {id: all, offers: [%s]}\n", strings.Join(ids, ", "))
	b.WriteString("activities:\n  - id: act\n    placements:\n      a: {criteria: [{collection: all}]}\n")
	lib := mustLoad(t, "lib.yaml", b.String())
	store := newTestStore()
	for i := 0; i < 70; i++ {
		store.counters[fmt.Sprintf("cap|o%02d|profile|all|*|r", i)] = 1
	}
	res, err := NewReserver(New(lib), store).Reserve(context.Background(), []*Request{{Campaign: "c", Recipient: "r", Now: testNow,
		Scopes: []Scope{{"act", "a", 0}}}})
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if got := res[0].Decision.Propositions[0].Offers[0].ID; got != "o70" {
		t.Errorf("Reserve chose %s, want o70, the best offer not yet capped", got)
	}
	if store.calls > 3 {
		t.Errorf("Reserve took %d store calls, want at most 3", store.calls)
	}
}

// TestReserverEntry: requests recorded under entries of their own count
// one recipient's decisions each time, hold per-recipient caps across
// entries, keep what Encode adds to the record, and replay by entry.
func TestReserverEntry(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", reserveLibrary)
	store := newTestStore()
	r := NewReserver(New(lib), store)
	vip := map[string]any{"vip": true}
	req := func(key string) *Request {
		return &Request{Campaign: "api", Recipient: "v", Profile: vip, Now: testNow, Trace: true,
			Scopes: []Scope{{"act", "hero", 2}},
			Entry: &Entry{Ledger: "requests", Key: key, Encode: func(d *Decision) ([]byte, error) {
				rec, err := d.AppendJSON(nil)
				return append(rec[:len(rec)-1], `,"key":"`+key+`"}`...), err
			}}}
	}
	var got [][]string
	for _, key := range []string{"k1", "k2", "k1"} {
		res, err := r.Reserve(context.Background(), []*Request{req(key)})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, offerIDs(res[0].Decision.Propositions[0]))
		if !strings.HasSuffix(string(res[0].Record), `"key":"`+key+`"}`) {
			t.Errorf("entry %s: record %s does not end with what Encode added", key, res[0].Record)
		}
		if key == "k2" && res[0].Decision.Propositions[0].Trace == nil {
			t.Errorf("entry %s: the trace asked for is missing", key)
		}
	}
	// k1 takes the profile-capped offer; k2, the same recipient, cannot;
	// k1 again is a replay of the first.
	want := [][]string{{"scarce", "once"}, {"scarce", "plenty"}, {"scarce", "once"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("offers by entry k1, k2, k1 = %v, want %v", got, want)
	}
	if _, ok := store.ledger["requests|k1"]; !ok || len(store.ledger) != 2 {
		t.Errorf("ledger = %v, want entries requests|k1 and requests|k2", store.ledger)
	}
	if n := store.counters["cap|once|profile|all|*|v"]; n != 1 {
		t.Errorf("recipient v's counter of once = %d, want 1", n)
	}
	if n := store.counters["cap|scarce|total|all|*|*"]; n != 2 {
		t.Errorf("total counter of scarce = %d, want 2", n)
	}
}

// TestReserverOwnCapsPending: in a Reserver's first round, the recipient's
// own caps are checked against what the message itself adds, without
// their counter keys (state.ownZero), and decide what a decision reading
// every counter as 0 decides: an offer capped at one event per recipient
// fills one placement, capped at two, two (or one, per placement), with
// the same counters to reserve.
func TestReserverOwnCapsPending(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", `
placements:
  - {id: a, content: text}
  - {id: b, content: text}
  - {id: c, content: text}
offers:
  - {id: one, priority: 30, caps: [{scope: profile, limit: 1}], content: {a: {text: X}, b: {text: X}, c: {text: X}}}
  - {id: two, priority: 20, caps: [{scope: profile, limit: 2, every: week}], content: {a: {text: X}, b: {text: X}, c: {text: X}}}
  - {id: each, priority: 10, caps: [{scope: profile, limit: 1, placement: each}, {scope: total, limit: 100}], content: {a: {text: X}, b: {text: X}, c: {text: X}}}
  - {id: free, priority: 1, content: {a: {text: X}, b: {text: X}, c: {text: X}}}
collections:
  - {id: all, offers: [one, two, each, free]}
activities:
  - id: act
    allowDuplicates: true
    placements:
      a: {items: 4, criteria: [{collection: all}]}
      b: {items: 4, criteria: [{collection: all}]}
      c: {items: 4, criteria: [{collection: all}]}
`)
	scopes := []Scope{{"act", "a", 0}, {"act", "b", 0}, {"act", "c", 0}}
	want, err := New(lib).Decide(context.Background(), &Request{Campaign: "c", Recipient: "r", Now: testNow, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewReserver(New(lib), newTestStore()).Reserve(context.Background(), []*Request{{Campaign: "c", Recipient: "r", Now: testNow, Scopes: scopes}})
	if err != nil {
		t.Fatal(err)
	}
	got := res[0].Decision
	if decisionIDs(got) != decisionIDs(want) || fmt.Sprint(got.Counters) != fmt.Sprint(want.Counters) {
		t.Fatalf("reserved %s %v, decided %s %v", decisionIDs(got), got.Counters, decisionIDs(want), want.Counters)
	}
	if ids := decisionIDs(got); ids != "one:30 two:20 each:10 free:1 |two:20 each:10 free:1 |each:10 free:1 |" {
		t.Errorf("decided %s", ids)
	}
}

// TestReserverCommitDecidesAgain: requests prepared before the Reserver
// learned that a total cap is used up are decided again when committed,
// so they reserve what Reserve would decide then (one store call, no
// refusal); and requests prepared before a release made it forget the
// cap are decided again too, so the unit given back is taken.
func TestReserverCommitDecidesAgain(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", reserveLibrary)
	store := newTestStore()
	r := NewReserver(New(lib), store)
	ctx := context.Background()
	reqs := func(from, to int) []*Request {
		var out []*Request
		for i := from; i < to; i++ {
			out = append(out, &Request{Campaign: "c", Recipient: fmt.Sprintf("r%d", i), Now: testNow, Scopes: []Scope{{"act", "hero", 0}}})
		}
		return out
	}
	offers := func(res []Result) map[string]int {
		got := map[string]int{}
		for _, res := range res {
			got[res.Decision.Propositions[0].Offers[0].ID]++
		}
		return got
	}
	a, err := r.Prepare(ctx, reqs(0, 120))
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Prepare(ctx, reqs(120, 140))
	if err != nil {
		t.Fatal(err)
	}
	if store.calls != 0 {
		t.Fatalf("Prepare called the store's Reserve %d times", store.calls)
	}
	resA, err := r.Commit(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if got := offers(resA); got["scarce"] != 100 || got["plenty"] != 20 || store.calls != 2 {
		t.Fatalf("first batch: offers %v in %d store calls, want scarce 100, plenty 20 in 2 (one refused round)", got, store.calls)
	}
	resB, err := r.Commit(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := offers(resB); got["plenty"] != 20 || store.calls != 3 {
		t.Errorf("second batch: offers %v, %d store calls in all; want plenty 20 in one more call", got, store.calls)
	}

	// Prepared knowing the cap is used up, then one unit is given back.
	c, err := r.Prepare(ctx, reqs(140, 150))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Release(ctx, "c", "r0", resA[0].Decision.Counters); err != nil || !ok {
		t.Fatalf("Release = %v, %v", ok, err)
	}
	resC, err := r.Commit(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := offers(resC); got["scarce"] != 1 || got["plenty"] != 9 || resC[0].Decision.Propositions[0].Offers[0].ID != "scarce" {
		t.Errorf("after a release: offers %v, want the first recipient scarce and 9 plenty", got)
	}
}

const resumeLibrary = `
placements:
  - {id: hero, content: html}
offers:
  - {id: x, priority: 9, when: 'profile.x == true', caps: [{scope: total, limit: 1}], content: {hero: {html: X}}}
  - {id: y, priority: 5, caps: [{scope: total, limit: 2}], content: {hero: {html: Y}}}
  - {id: z, priority: 1, content: {hero: {html: Z}}}
collections:
  - {id: all, offers: [x, y, z]}
activities:
  - id: act
    placements:
      hero: {criteria: [{collection: all}]}
`

// TestReserverResumeKnowsUsedUp: a Reserver that starts over a store in
// which a total cap is used up (a run resumed after a stop) decides as
// the Reserver that was refused on it before. r0 takes x's only unit and
// r1, refused, the first of y's two; then a (who wants x) and b (who does
// not) come in one batch: knowing x is used up, a is decided y in the
// first round and b, after a, gets z. A Reserver that did not know would
// have a refused for x, b take y's last unit in that round, and a get z.
func TestReserverResumeKnowsUsedUp(t *testing.T) {
	lib := mustLoad(t, "lib.yaml", resumeLibrary)
	ctx := context.Background()
	req := func(id string, x bool) *Request {
		return &Request{Campaign: "c", Recipient: id, Now: testNow, Scopes: []Scope{{"act", "hero", 0}},
			Profile: map[string]any{"x": x}}
	}
	offer := func(res Result) string { return res.Decision.Propositions[0].Offers[0].ID }
	run := func(restart bool) (string, string) {
		store := newTestStore()
		r := NewReserver(New(lib), store)
		first, err := r.Reserve(ctx, []*Request{req("r0", true), req("r1", true)})
		if err != nil {
			t.Fatal(err)
		}
		if offer(first[0]) != "x" || offer(first[1]) != "y" {
			t.Fatalf("first batch = %s, %s; want x, y", offer(first[0]), offer(first[1]))
		}
		if restart {
			r = NewReserver(New(lib), store)
		}
		second, err := r.Reserve(ctx, []*Request{req("a", true), req("b", false)})
		if err != nil {
			t.Fatal(err)
		}
		return offer(second[0]), offer(second[1])
	}
	if a, b := run(false); a != "y" || b != "z" {
		t.Errorf("one Reserver: a got %s and b %s, want y and z", a, b)
	}
	if a, b := run(true); a != "y" || b != "z" {
		t.Errorf("a new Reserver over the same store: a got %s and b %s, want y and z, as the first Reserver decides", a, b)
	}
}
