package track

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
)

// recordNow is the Recorder's clock in these tests.
var recordNow = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func propOf(recipient, offer string) Proposition {
	return Proposition{Campaign: "c", Recipient: recipient, Activity: "act", Placement: "hero", Offer: offer}
}

// counts reads the all-time and day counters of type typ of an offer in
// the hero.
func counts(t *testing.T, s decide.Store, typ, offer string, day time.Time) (all, ofDay int64) {
	t.Helper()
	v, err := s.Counts(context.Background(), []string{decide.FeedbackKey(typ, offer, "hero"), decide.FeedbackDayKey(typ, offer, "hero", day)})
	if err != nil {
		t.Fatal(err)
	}
	return v[0], v[1]
}

// TestRecordOnce: each event counts once, by its id (whatever else it
// says) or by its type and proposition (a recipient's repeated opens and
// clicks of one proposition), within one call and across calls; an event
// more than a day ahead of the clock is refused; an event without a time
// counts on the clock's day.
func TestRecordOnce(t *testing.T) {
	s := capstore.NewMemory()
	r := &Recorder{Store: s, Now: func() time.Time { return recordNow }}
	ctx := context.Background()
	earlier := recordNow.AddDate(0, 0, -3)
	calls := []struct {
		name   string
		events []Event
		want   []Status
	}{
		{"first", []Event{
			{ID: "e1", Type: Impression, Prop: propOf("r1", "a"), Time: earlier},
			{ID: "e2", Type: Click, Prop: propOf("r1", "a"), Time: earlier},
			{Type: Click, Prop: propOf("r1", "a"), Time: earlier.Add(time.Hour)}, // a second click of one proposition
			{ID: "e1", Type: Click, Prop: propOf("r2", "b")},                     // id seen in this call
			{Type: Impression, Prop: propOf("r2", "a")},                          // no time: the clock's
			{Type: Impression, Prop: propOf("r2", "b"), Time: recordNow.Add(24 * time.Hour)},
			{Type: Impression, Prop: propOf("r3", "a"), Time: recordNow.Add(24*time.Hour + time.Second)},
		}, []Status{Counted, Counted, Duplicate, Duplicate, Counted, Counted, Future}},
		{"again", []Event{
			{ID: "e2", Type: Impression, Prop: propOf("r9", "c")},  // id seen in an earlier call
			{ID: "e9", Type: Impression, Prop: propOf("r1", "a")},  // proposition seen, new id
			{ID: "e9", Type: Impression, Prop: propOf("r10", "c")}, // that id, marked although not counted
			{Type: Impression, Prop: propOf("r1", "b"), Time: earlier},
		}, []Status{Duplicate, Duplicate, Duplicate, Counted}},
		{"e9 marked", []Event{
			{ID: "e9", Type: Click, Prop: propOf("r11", "c")},
		}, []Status{Duplicate}},
	}
	for _, c := range calls {
		got, err := r.Record(ctx, c.events)
		if err != nil {
			t.Fatalf("%s: Record: %v", c.name, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: Record = %v, want %v", c.name, got, c.want)
		}
	}
	day := earlier.Truncate(24 * time.Hour)
	for _, tc := range []struct {
		typ, offer string
		day        time.Time
		all, ofDay int64
		whatCounts string
	}{
		{Impression, "a", day, 2, 1, "r1's (3 days ago) and r2's (today)"},
		{Impression, "a", recordNow, 2, 1, "r2's, on the clock's day"},
		{Click, "a", day, 1, 1, "r1's first click"},
		{Impression, "b", day, 2, 1, "r1's (3 days ago) and r2's (tomorrow)"},
		{Impression, "b", recordNow.AddDate(0, 0, 1), 2, 1, "r2's, a day ahead"},
		{Click, "b", day, 0, 0, "none: e1's id was taken"},
		{Impression, "c", recordNow, 0, 0, "none: every event of c was a duplicate"},
		{Click, "c", recordNow, 0, 0, "none"},
	} {
		all, ofDay := counts(t, s, tc.typ, tc.offer, tc.day)
		if all != tc.all || ofDay != tc.ofDay {
			t.Errorf("%s of %s: %d in all, %d on %s; want %d and %d (%s)", tc.typ, tc.offer, all, ofDay, tc.day.Format(time.DateOnly), tc.all, tc.ofDay, tc.whatCounts)
		}
	}
}

// TestRecordLongRecipient: a recipient id past the identity's bound is
// hashed: its events still count once, and apart from another long id.
func TestRecordLongRecipient(t *testing.T) {
	s := capstore.NewMemory()
	r := &Recorder{Store: s, Now: func() time.Time { return recordNow }}
	long := strings.Repeat("x", 4*maxIdentity)
	other := long[:len(long)-1] + "y"
	events := []Event{
		{Type: Impression, Prop: propOf(long, "a")},
		{Type: Impression, Prop: propOf(other, "a")},
		{Type: Impression, Prop: propOf(long, "a")},
	}
	got, err := r.Record(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Status{Counted, Counted, Duplicate}; !slices.Equal(got, want) {
		t.Errorf("Record = %v, want %v", got, want)
	}
	for i := range events {
		if n := len(identity(&events[i])); n > maxIdentity+len("#")+64 {
			t.Errorf("identity of event %d is %d bytes, want at most %d", i, n, maxIdentity+65)
		}
	}
	if all, _ := counts(t, s, Impression, "a", recordNow); all != 2 {
		t.Errorf("impressions of a = %d, want 2", all)
	}
}

// failMarks is a store whose Reserve fails once it has been called
// `after` times: a crash between counting events and marking their ids.
type failMarks struct {
	decide.Store
	after, calls int
}

var errDown = errors.New("store down")

func (f *failMarks) Reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	f.calls++
	if f.calls > f.after {
		return nil, errDown
	}
	return f.Store.Reserve(ctx, rs)
}

// TestRecordRetryAfterCrash: when the store fails after the events were
// counted but before their ids were marked, Record says so, and a retry
// counts nothing again and marks the ids: the same id with another
// proposition is then a duplicate too.
func TestRecordRetryAfterCrash(t *testing.T) {
	mem := capstore.NewMemory()
	s := &failMarks{Store: mem, after: 1}
	r := &Recorder{Store: s, Now: func() time.Time { return recordNow }}
	ctx := context.Background()
	events := []Event{{ID: "e1", Type: Click, Prop: propOf("r1", "a")}}
	if _, err := r.Record(ctx, slices.Clone(events)); !errors.Is(err, errDown) {
		t.Fatalf("Record with the marks failing = %v, want %v", err, errDown)
	}
	s.after = 1 << 30
	got, err := r.Record(ctx, slices.Clone(events))
	if err != nil || !slices.Equal(got, []Status{Duplicate}) {
		t.Errorf("retry = %v, %v; want [Duplicate]", got, err)
	}
	got, err = r.Record(ctx, []Event{{ID: "e1", Type: Click, Prop: propOf("r2", "b")}})
	if err != nil || !slices.Equal(got, []Status{Duplicate}) {
		t.Errorf("the id with another proposition = %v, %v; want [Duplicate] (the retry marked it)", got, err)
	}
	if all, _ := counts(t, mem, Click, "a", recordNow); all != 1 {
		t.Errorf("clicks of a = %d, want 1", all)
	}
	if all, _ := counts(t, mem, Click, "b", recordNow); all != 0 {
		t.Errorf("clicks of b = %d, want 0", all)
	}
	// A store that cannot be reached at all: an error, nothing counted.
	s.after, s.calls = 0, 0
	if _, err := r.Record(ctx, []Event{{Type: Click, Prop: propOf("r3", "a")}}); !errors.Is(err, errDown) {
		t.Errorf("Record on a failing store = %v, want %v", err, errDown)
	}
}

func TestTally(t *testing.T) {
	c, d, f := Tally([]Status{Counted, Duplicate, Counted, Future, Duplicate, Counted})
	if c != 3 || d != 2 || f != 1 {
		t.Errorf("Tally = %d, %d, %d; want 3, 2, 1", c, d, f)
	}
}
