package api

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayAfterLibraryChange: a retry whose recorded decision names an
// offer the library no longer has is 409 library_changed (the recorded
// answer cannot be given again, and a new decision would count twice),
// and counts nothing.
func TestReplayAfterLibraryChange(t *testing.T) {
	f := start(t, "", nil)
	body := decisionsBody("u1", "")
	if a := f.post(t, "/v1/decisions", body, "Idempotency-Key", "k-409"); a.status != 200 || !strings.Contains(string(a.body), `"id":"scarce"`) {
		t.Fatalf("first request: %d %s", a.status, a.body)
	}
	renamed := strings.NewReplacer("- id: scarce", "- id: rare", "[scarce,", "[rare,").Replace(testLibrary)
	write(t, filepath.Join(f.cfg.Library, "lib.yaml"), renamed)
	if err := f.svc.Reload(t.Context()); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	a := f.post(t, "/v1/decisions", body, "Idempotency-Key", "k-409")
	if a.status != http.StatusConflict {
		t.Fatalf("retry after the offer was renamed: %d %s, want 409", a.status, a.body)
	}
	if code, _ := a.errorOf(t); code != CodeLibrary || !strings.Contains(string(a.body), "scarce") {
		t.Errorf("code %q, want %q naming scarce: %s", code, CodeLibrary, a.body)
	}
	if n := f.counter(t, "cap|rare|total|all|*|*"); n != 0 {
		t.Errorf("the refused retry counted rare %d times", n)
	}
	if n := f.counter(t, scarceKey); n != 1 {
		t.Errorf("scarce's counter = %d, want 1 (the first request)", n)
	}
}

// TestRenderFailed: a recipient whose data the template cannot render
// (formatNumber of a word) gets 422 render_failed naming the helper and
// the position, relative to the templates directory, and counts nothing:
// the counters the decision reserved are given back, once, also when the
// request is retried with its Idempotency-Key. Another recipient renders
// and counts.
func TestRenderFailed(t *testing.T) {
	for _, accept := range []string{"application/json", "message/rfc822"} {
		t.Run(strings.ReplaceAll(accept, "/", "-"), func(t *testing.T) {
			f := start(t, "", nil)
			tpl := "---\nsubject: Hi\n---\n<p>{{formatNumber profile.points}}</p>{{offer \"act\" placement=\"hero\"}}\n"
			if err := os.WriteFile(filepath.Join(f.cfg.Templates, "points.hbs"), []byte(tpl), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Reload(t.Context()); err != nil {
				t.Fatalf("Reload: %v", err)
			}
			body := `{"template": "points.hbs", "recipient": {"id": "u1", "email": "a@example.com", "profile": {"points": "many"}}}`
			for _, attempt := range []string{"first", "retry"} {
				a := f.post(t, "/v1/messages", body, "Accept", accept, "Idempotency-Key", "k-render")
				if a.status != http.StatusUnprocessableEntity {
					t.Fatalf("%s: status %d, want 422: %s", attempt, a.status, a.body)
				}
				if code, _ := a.errorOf(t); code != CodeRender || !strings.Contains(string(a.body), `"points.hbs:4:6: formatNumber`) {
					t.Errorf("%s: code %q, want %q at points.hbs:4:6 (relative to the templates directory), naming formatNumber: %s", attempt, code, CodeRender, a.body)
				}
				if n := f.counter(t, scarceKey); n != 0 {
					t.Errorf("%s: scarce's counter = %d, want 0: a decision that did not render counts nothing", attempt, n)
				}
				if n := f.counter(t, onceKey("u1")); n != 0 {
					t.Errorf("%s: u1's once counter = %d, want 0", attempt, n)
				}
			}
			if a := f.post(t, "/v1/messages", `{"template": "points.hbs", "recipient": {"id": "u2", "email": "b@example.com", "profile": {"points": 1200}}}`); a.status != 200 {
				t.Errorf("a number renders: %d %s", a.status, a.body)
			}
			if n := f.counter(t, scarceKey); n != 1 {
				t.Errorf("scarce's counter = %d after u2's message, want 1", n)
			}
		})
	}
}
