package preview

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalImages: the email frame shows the library's local copies of its
// images, served from LIBRARY/assets, while the html and MIME keep the
// real URLs; nothing but visible image files below assets comes out.
func TestLocalImages(t *testing.T) {
	p := newProject(t)
	p.write(t, "templates/images.hbs", `---
from: news@northwind.example
---
<img src="https://cdn.northwind.example/offers/parka-30.png" alt="Parka">
<img src="http://cdn.northwind.example/products/vest.png" alt="Vest">
<img src="https://cdn.northwind.example/offers/unknown.png" alt="Not copied">
`)
	p.write(t, "secret.png", "TOP-SECRET-42")
	p.write(t, "templates/library/assets/cdn.northwind.example/.hidden.png", "TOP-SECRET-42")
	p.write(t, "templates/library/assets/cdn.northwind.example/notes.json", `{"TOP-SECRET-42": 1}`)
	if err := os.Symlink(filepath.Join(p.dir, "secret.png"), filepath.Join(p.library, "assets", "cdn.northwind.example", "link.png")); err != nil {
		t.Fatal(err)
	}
	_, ts := start(t, p.config())

	r := mustRender(t, ts, "images.hbs", "maya-gold-runner")
	for _, want := range []string{
		`src="/library/assets/cdn.northwind.example/offers/parka-30.png"`,
		`src="/library/assets/cdn.northwind.example/products/vest.png"`,
		`src="https://cdn.northwind.example/offers/unknown.png"`,
	} {
		if !strings.Contains(r.Frame, want) {
			t.Errorf("frame lacks %s:\n%s", want, r.Frame)
		}
	}
	if !strings.Contains(r.HTML, `src="https://cdn.northwind.example/offers/parka-30.png"`) || strings.Contains(r.HTML+r.EML, "/library/assets/") {
		t.Errorf("the html or eml do not keep the real image URLs:\n%s", r.HTML)
	}

	want, err := os.ReadFile(filepath.Join(p.library, "assets", "cdn.northwind.example", "offers", "parka-30.png"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(ts.URL + "/library/assets/cdn.northwind.example/offers/parka-30.png")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, want) {
		t.Errorf("GET the parka image = %d %s, %d bytes; want 200 image/png, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body), len(want))
	}

	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, target := range []string{
		"/library/assets/../../secret.png",
		"/library/assets/cdn.northwind.example/../../../../secret.png",
		"/library/assets/%2e%2e/%2e%2e/secret.png",
		"/library/assets/cdn.northwind.example%2f..%2f..%2f..%2fsecret.png",
		"/library/assets/cdn.northwind.example/.hidden.png",
		"/library/assets/cdn.northwind.example/notes.json",
		"/library/assets/cdn.northwind.example/link.png",
		"/library/assets/cdn.northwind.example\\..\\..\\..\\secret.png",
		"/library/assets/",
		"/library/activities.yaml",
	} {
		code, body := rawGet(t, addr, target, "127.0.0.1")
		if code != http.StatusNotFound || strings.Contains(body, "TOP-SECRET-42") {
			t.Errorf("GET %s = %d, want 404 and nothing from outside", target, code)
		}
	}
}
