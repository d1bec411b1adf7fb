package api

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offermail/offermail/internal/apitest"
)

// TestReloadWhileServing: the library is edited while 8 clients send
// requests; every request succeeds, and the new offer appears once the
// watcher has reloaded. A broken edit keeps the new library serving and
// shows in /readyz with file:line:col.
func TestReloadWhileServing(t *testing.T) {
	f := start(t, "", func(c *Config) { c.Debounce = 20 * time.Millisecond })
	if err := f.svc.Watch(); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(f.cfg.Library, "lib.yaml")

	var sawNew atomic.Bool
	var failures atomic.Int64
	var requests atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"recipient": {"id": "c%d-%d"}, "propositionRequests": [{"activity": "act", "placement": "side"}], "dryRun": %v}`, c, i, i%2 == 0)
				resp, err := f.srv.Client().Post(f.srv.URL+"/v1/decisions", "application/json", strings.NewReader(body))
				if err != nil {
					failures.Add(1)
					t.Errorf("request: %v", err)
					return
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				requests.Add(1)
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
					t.Errorf("status %d during reload: %s", resp.StatusCode, data)
					return
				}
				if strings.Contains(string(data), `"id":"fresh"`) {
					sawNew.Store(true)
				}
			}
		}(c)
	}

	// A new offer, ranked first, added to the collection.
	edited := strings.Replace(testLibrary, "offers:\n", "offers:\n  - {id: fresh, priority: 99, content: {side: {text: 'Fresh!'}}}\n", 1)
	edited = strings.Replace(edited, "offers: [scarce, once, plenty]", "offers: [fresh, scarce, once, plenty]", 1)
	apitest.ReplaceFile(t, lib, edited)
	apitest.WaitFor(t, "the new offer to be answered", sawNew.Load)

	// A broken library: the last good one keeps serving.
	write(t, lib, strings.Replace(edited, "priority: 99", "priority: [99", 1))
	apitest.WaitFor(t, "/readyz to show the broken library", func() bool {
		return strings.Contains(string(f.do(t, "GET", "/readyz", "").body), "lib.yaml:")
	})
	ready := f.do(t, "GET", "/readyz", "")
	close(stop)
	wg.Wait()
	if ready.status != http.StatusOK {
		t.Errorf("/readyz = %d with the previous library serving, want 200", ready.status)
	}
	got := ready.json(t)
	problems := got["reload"].(map[string]any)["problems"].([]any)
	if len(problems) == 0 || !strings.HasPrefix(problems[0].(string), lib+":") {
		t.Errorf("/readyz problems = %v, want file:line:col of %s", problems, lib)
	}
	if a := f.post(t, "/v1/decisions", `{"recipient": {"id": "z"}, "propositionRequests": [{"activity": "act", "placement": "side"}]}`); !strings.Contains(string(a.body), `"id":"fresh"`) {
		t.Errorf("after a broken edit the last good library should serve: %s", a.body)
	}
	if failures.Load() != 0 || requests.Load() == 0 {
		t.Errorf("%d of %d requests failed during reloads", failures.Load(), requests.Load())
	}
	t.Logf("%d requests while reloading", requests.Load())

	// Fixed again: the problems go away.
	apitest.ReplaceFile(t, lib, edited)
	apitest.WaitFor(t, "/readyz to clear the problems", func() bool {
		return !strings.Contains(string(f.do(t, "GET", "/readyz", "").body), "problems")
	})
}

// TestReloadTemplates: Reload (what SIGHUP calls) loads templates
// anew; a broken template keeps the pair that loaded last.
func TestReloadTemplates(t *testing.T) {
	f := start(t, "", nil)
	write(t, filepath.Join(f.cfg.Templates, "second.hbs"), "<p>{{offer \"act\" placement=\"hero\"}}</p>")
	if err := f.svc.Reload(t.Context()); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	body := `{"template": "second", "recipient": {"id": "u1", "email": "a@example.com"}, "dryRun": true}`
	if a := f.post(t, "/v1/messages", body); a.status != 200 {
		t.Fatalf("the new template: %d %s", a.status, a.body)
	}
	write(t, filepath.Join(f.cfg.Templates, "second.hbs"), "<p>{{offer \"act\" placement=\"nowhere\"}}</p>")
	err := f.svc.Reload(t.Context())
	if err == nil || !strings.Contains(err.Error(), "second.hbs:1:") {
		t.Fatalf("Reload of a broken template = %v, want its file:line:col", err)
	}
	if a := f.post(t, "/v1/messages", body); a.status != 200 {
		t.Errorf("the last good template should serve: %d %s", a.status, a.body)
	}
}
