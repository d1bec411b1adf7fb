package preview

import (
	"embed"
	"net/http"
	"path"
)

// The page is three files written for this server: no framework, no CDN,
// nothing fetched from the network, so the preview works offline.
//
//go:embed assets/index.html assets/app.js assets/app.css
var assets embed.FS

// pagePolicy is the page's Content-Security-Policy. Scripts come only from
// the server. The rendered email is an iframe srcdoc, which inherits this
// policy, so email styles (inline, as email clients need) and remote
// images must be allowed here; the iframe's sandbox (no allow-scripts, no
// allow-same-origin) is what keeps the email from running anything or
// reaching the page.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: https: http:; font-src data: https: http:; connect-src 'self'; " +
	"frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", pagePolicy)
	serveAsset(w, r, "index.html", "text/html; charset=utf-8")
}

func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	ctype := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ctype = "text/javascript; charset=utf-8"
	}
	serveAsset(w, r, name, ctype)
}

func serveAsset(w http.ResponseWriter, r *http.Request, name, ctype string) {
	data, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	// The page and its scripts change with the binary; never keep a copy
	// from an older one.
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}
