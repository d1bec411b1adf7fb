package preview

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// events opens the event stream and returns the versions it announces.
func events(t *testing.T, ts *httptest.Server) <-chan int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("GET /events = %d %s, want 200 text/event-stream", res.StatusCode, ct)
	}
	ch := make(chan int, 64)
	go func() {
		defer res.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "version":
				var v struct{ Version int }
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &v) == nil {
					ch <- v.Version
				}
			}
		}
	}()
	return ch
}

// nextVersion waits for a version after v on the stream.
func nextVersion(t *testing.T, ch <-chan int, v int) int {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatal("event stream closed")
			}
			if got > v {
				return got
			}
		case <-deadline:
			t.Fatalf("no reload announced after version %d", v)
		}
	}
}

// TestWatchReloads: each way an editor or a designer changes the files
// reaches the page as a new version on the event stream, and the next
// render shows the change.
func TestWatchReloads(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	if err := srv.Watch(); err != nil {
		t.Fatal(err)
	}
	stream := events(t, ts)
	version := nextVersion(t, stream, 0) // sent when the stream opens
	if version != 1 {
		t.Fatalf("first event version = %d, want 1", version)
	}
	tpl := filepath.Join(p.templates, "offers.hbs")
	tests := []struct {
		name   string
		change func(t *testing.T)
		want   string // in the html of offers.hbs for Maya
	}{
		{"write in place", func(t *testing.T) {
			p.write(t, "templates/offers.hbs", strings.Replace(offersTemplate, "Hello", "Howdy", 1))
		}, "Howdy Maya"},
		{"write a new file and rename it over (VS Code)", func(t *testing.T) {
			p.write(t, "templates/.offers.hbs.tmp", strings.Replace(offersTemplate, "Hello", "Hi there", 1))
			if err := os.Rename(filepath.Join(p.templates, ".offers.hbs.tmp"), tpl); err != nil {
				t.Fatal(err)
			}
		}, "Hi there Maya"},
		{"rename away, write, delete the backup (vim)", func(t *testing.T) {
			if err := os.Rename(tpl, tpl+"~"); err != nil {
				t.Fatal(err)
			}
			p.write(t, "templates/offers.hbs", strings.Replace(offersTemplate, "Hello", "Greetings", 1))
			if err := os.Remove(tpl + "~"); err != nil {
				t.Fatal(err)
			}
		}, "Greetings Maya"},
		{"partial", func(t *testing.T) {
			p.write(t, "templates/partials/footer.hbs", `<p class="footer">Footer v2 for {{profile.city}}</p>`+"\n")
		}, "Footer v2 for Portland"},
		{"layout", func(t *testing.T) {
			p.write(t, "templates/layouts/base.hbs", strings.Replace(baseLayout, "<body>", "<body><p>Layout v2</p>", 1))
		}, "Layout v2"},
		{"library", func(t *testing.T) {
			path := filepath.Join(p.library, "offers-winter.yaml")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p.write(t, "templates/library/offers-winter.yaml", strings.Replace(string(data), "Double points all December", "Triple points all December", 1))
		}, "Triple points all December, Maya"},
	}
	for _, tt := range tests {
		tt.change(t)
		version = nextVersion(t, stream, version)
		waitFor(t, tt.name+" to show "+tt.want, func() bool {
			_, r := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner"})
			return r.Rendered && strings.Contains(r.HTML, tt.want)
		})
	}
}

// TestWatchNewDirectory: a directory created after the start is watched
// too: a file written into it later is seen.
func TestWatchNewDirectory(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	if err := srv.Watch(); err != nil {
		t.Fatal(err)
	}
	stream := events(t, ts)
	version := nextVersion(t, stream, 0)
	if err := os.Mkdir(filepath.Join(p.library, "extra"), 0o755); err != nil {
		t.Fatal(err)
	}
	version = nextVersion(t, stream, version)
	p.write(t, "templates/library/extra/bad.yaml", "rules:\n  - id: extra\n    when: 'profile.age >=> 1'\n")
	nextVersion(t, stream, version)
	want := filepath.Join(p.library, "extra", "bad.yaml") + ":3:26"
	waitFor(t, "the new file's error", func() bool {
		_, r := postRender(t, ts, renderRequest{Template: "offers.hbs", Profile: "maya-gold-runner"})
		return len(r.Problems) == 1 && r.Problems[0].At() == want
	})
}

// TestCloseEndsStreams: Close ends the event streams, so that an HTTP
// server can shut down.
func TestCloseEndsStreams(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	stream := events(t, ts)
	nextVersion(t, stream, 0)
	waitFor(t, "the stream to subscribe", func() bool { return srv.events.count() == 1 })
	srv.Close()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-stream:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the event stream is still open after Close")
		}
	}
}
