package track

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/internal/boundtest"
)

// readAll reads events from text, collecting the good and the bad.
func readAll(t *testing.T, tr *Tracker, text string) ([]Event, []*EventError, error) {
	t.Helper()
	var good []Event
	var bad []*EventError
	err := ReadEvents(strings.NewReader(text), "ev.ndjson", tr, func(e Event) error {
		good = append(good, e)
		return nil
	}, func(e *EventError) { bad = append(bad, e) })
	return good, bad, err
}

// TestReadEventsLines: NDJSON, one event a line, blank lines skipped;
// every bad line is reported with its line, column and member, and
// reading goes on.
func TestReadEventsLines(t *testing.T) {
	tr := tracker(t, secret, "")
	tok := tr.Proposition(prop)
	foreign := tracker(t, []byte("another secret, 32 bytes long..."), "").Proposition(prop)
	lines := []string{
		`{"id":"e1","type":"impression","token":"` + tok + `","time":"2026-12-01T10:00:00+01:00"}`,
		``,
		`  {"type": "click", "token": "` + tok + `"}`,
		`{"type":"view","token":"` + tok + `"}`,
		`{"type":"click"}`,
		`{"type":"click","token":"` + foreign + `"}`,
		`{"type":"click","token":"` + tok[:len(tok)-2] + `"}`,
		`{"type":"click","token":"` + tok + `","time":"yesterday"}`,
		`{"id":"","type":"click","token":"` + tok + `"}`,
		`{"id":"a\u0007b","type":"click","token":"` + tok + `"}`,
		`{"id":"` + strings.Repeat("i", maxIDLen+1) + `","type":"click","token":"` + tok + `"}`,
		`{"type":"click","token":"` + tok + `","extra":1}`,
		`   {nope`,
		`["not", "an object"]`,
	}
	good, bad, err := readAll(t, tr, strings.Join(lines, "\n")+"\n")
	if err != nil {
		t.Fatalf("ReadEvents: %v", err)
	}
	want := []Event{
		{ID: "e1", Type: Impression, Token: tok, Prop: prop, Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{Type: Click, Token: tok, Prop: prop},
	}
	if len(good) != len(want) {
		t.Fatalf("good events = %+v, want %+v", good, want)
	}
	for i := range want {
		if good[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, good[i], want[i])
		}
	}
	wantBad := []struct {
		pos, path, msg string
		malformed      bool
	}{
		{"ev.ndjson:4:1", "type", `type: "view" is not impression or click`, false},
		{"ev.ndjson:5:1", "token", "token: missing", false},
		{"ev.ndjson:6:1", "token", "token: ", false},
		{"ev.ndjson:7:1", "token", "token: ", false},
		{"ev.ndjson:8:1", "time", `time: "yesterday" is not an RFC 3339 time`, false},
		{"ev.ndjson:9:1", "id", "id: want 1 to 256 bytes", false},
		{"ev.ndjson:10:1", "id", "id: want 1 to 256 bytes without control characters", false},
		{"ev.ndjson:11:1", "id", "id: want 1 to 256 bytes", false},
		{"ev.ndjson:12:", "", "malformed event: ", true},
		{"ev.ndjson:13:6", "", "malformed event: ", true},
		{"ev.ndjson:14:1", "", "malformed event: ", true},
	}
	if len(bad) != len(wantBad) {
		for _, b := range bad {
			t.Log(b)
		}
		t.Fatalf("%d bad events, want %d", len(bad), len(wantBad))
	}
	for i, w := range wantBad {
		b := bad[i]
		if got := b.Error.Error(); !strings.HasPrefix(got, w.pos+":") && !strings.HasPrefix(got, w.pos) || !strings.Contains(got, w.msg) {
			t.Errorf("bad event %d = %q, want %s: …%s…", i, got, w.pos, w.msg)
		}
		if b.Path != w.path || b.Offset != -1 {
			t.Errorf("bad event %d (%s): path %q, offset %d; want %q, -1", i, w.pos, b.Path, b.Offset, w.path)
		}
		if errors.Is(b.Error, ErrMalformed) != w.malformed {
			t.Errorf("bad event %d (%s): errors.Is(ErrMalformed) = %v, want %v", i, w.pos, !w.malformed, w.malformed)
		}
	}
	// Line 12's unknown member is named at its column.
	if got := bad[8].Error.Error(); !strings.Contains(got, `"extra"`) {
		t.Errorf("unknown member: %q, want it named", got)
	}
}

// TestReadEventsArray: a JSON array (after any space) is read element by
// element; bad elements are named by their index and member, malformed
// JSON by the byte offset where it stopped, and what follows the array is
// an error too.
func TestReadEventsArray(t *testing.T) {
	tr := tracker(t, secret, "")
	tok := tr.Proposition(prop)
	text := "\n  [" + `{"type":"impression","token":"` + tok + `"},` +
		`{"type":"view","token":"` + tok + `"},` +
		`{"type":"click","token":"` + tok + `","x":1},` +
		`"a string",` +
		`{"id":"e2","type":"click","token":"` + tok + `","time":"2026-12-01T10:00:00Z"}]`
	good, bad, err := readAll(t, tr, text)
	if err != nil {
		t.Fatalf("ReadEvents: %v", err)
	}
	if len(good) != 2 || good[0].Type != Impression || good[1].ID != "e2" || good[1].Prop != prop {
		t.Errorf("good = %+v, want the impression and e2", good)
	}
	wantBad := []struct{ path, msg string }{
		{"[1].type", `ev.ndjson: [1].type: "view" is not impression or click`},
		{"[2]", "ev.ndjson: [2]: "},
		{"[3]", "ev.ndjson: [3]: "},
	}
	if len(bad) != len(wantBad) {
		t.Fatalf("bad = %v, want %d", bad, len(wantBad))
	}
	for i, w := range wantBad {
		if bad[i].Path != w.path || !strings.HasPrefix(bad[i].Error.Error(), w.msg) {
			t.Errorf("bad %d = %q (path %q), want %q… (path %q)", i, bad[i].Error.Error(), bad[i].Path, w.msg, w.path)
		}
	}

	for _, tc := range []struct {
		name, text string
		good       int
		offset     int64
		msg        string
	}{
		{"cut", `[{"type":"click","token":"` + tok + `"}, {nope`, 1, int64(len(`[{"type":"click","token":"` + tok + `"}, {`)), "malformed events: "},
		{"unclosed", `[{"type":"click","token":"` + tok + `"}`, 1, -2, "malformed events: "},
		{"trailing", `[] []`, 0, -2, "more after the array"},
	} {
		good, bad, err := readAll(t, tr, tc.text)
		if err != nil {
			t.Errorf("%s: ReadEvents: %v", tc.name, err)
			continue
		}
		if len(good) != tc.good || len(bad) != 1 || !errors.Is(bad[0].Error, ErrMalformed) || !strings.Contains(bad[0].Error.Error(), tc.msg) {
			t.Errorf("%s: good %d, bad %v; want %d good and one malformed error saying %q", tc.name, len(good), bad, tc.good, tc.msg)
			continue
		}
		if tc.offset != -2 && bad[0].Offset != tc.offset {
			t.Errorf("%s: offset %d, want %d", tc.name, bad[0].Offset, tc.offset)
		}
	}
}

// TestReadEventsStops: an error of good stops reading and is returned.
func TestReadEventsStops(t *testing.T) {
	tr := tracker(t, secret, "")
	tok := tr.Proposition(prop)
	stop := errors.New("store down")
	for _, text := range []string{
		strings.Repeat(`{"type":"click","token":"`+tok+`"}`+"\n", 3),
		"[" + strings.Repeat(`{"type":"click","token":"`+tok+`"},`, 2) + `{"type":"click","token":"` + tok + `"}]`,
	} {
		n := 0
		err := ReadEvents(strings.NewReader(text), "ev", tr, func(Event) error {
			n++
			return stop
		}, func(e *EventError) { t.Errorf("bad event %v", e) })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("ReadEvents = %v after %d events, want %v after 1", err, n, stop)
		}
	}
}

// TestReadEventsBounds: a line or array element over 64 KiB stops
// reading with an error that names it, without holding more than about
// that much of it in memory, however long it is.
func TestReadEventsBounds(t *testing.T) {
	tr := tracker(t, secret, "")
	tok := tr.Proposition(prop)
	good := `{"type":"click","token":"` + tok + `"}`
	const huge = 64 << 20
	for _, tc := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"line", io.MultiReader(strings.NewReader(good+"\n"+`{"id":"`), endless('x', huge)), "ev:2: a line over 65536 bytes is not an event"},
		{"element", io.MultiReader(strings.NewReader("["+good+`,{"id":"`), endless('x', huge)), "ev: element [1] is over 65536 bytes"},
		{"space", io.MultiReader(strings.NewReader("["+good+`,`), endless(' ', huge)), "ev: element [1] is over 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := 0
			alloc := boundtest.Allocated(func() {
				boundtest.Within(t, func() {
					err = ReadEvents(tc.r, "ev", tr, func(Event) error { n++; return nil }, func(e *EventError) { t.Errorf("bad event %v", e) })
				})
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadEvents = %v, want %q", err, tc.want)
			}
			if n != 1 {
				t.Errorf("%d events read before the long one, want 1", n)
			}
			if alloc > 4<<20 {
				t.Errorf("reading it allocated %d bytes, want at most 4 MiB (its first 64 KiB)", alloc)
			}
		})
	}
}

// endless is n bytes of c, made as they are read.
func endless(c byte, n int64) io.Reader {
	return io.LimitReader(repeat(c), n)
}

type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
