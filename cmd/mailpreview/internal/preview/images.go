package preview

import (
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/offermail/offermail/decide"
)

// A library may keep local copies of the images its content links to, in
// LIBRARY/assets/HOST/PATH for https://HOST/PATH (or http://). The preview
// shows those copies in the email instead of fetching the real URLs, so
// sample libraries and their designers' previews work offline; what is
// sent, the HTML and MIME tabs included, keeps the real URLs.

// assetsRoute is where the page's email frame finds the local copies.
const assetsRoute = "/library/assets/"

// Bounds on what the preview reads from an assets directory.
const (
	maxAssets     = 2000
	maxAssetBytes = 4 << 20
)

// imageTypes are the files served from an assets directory, by extension.
var imageTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".svg": "image/svg+xml",
}

// localImages maps the URLs of a library's local images to the preview's
// route for them.
type localImages struct {
	replacer *strings.Replacer // nil when the library has none
}

// loadImages lists LIBRARY/assets (at most maxAssets images).
func loadImages(library string) localImages {
	root := filepath.Join(library, decide.AssetsDir)
	var pairs []string
	n := 0
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || n >= maxAssets {
			return filepath.SkipDir
		}
		if strings.HasPrefix(d.Name(), ".") && p != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || imageTypes[strings.ToLower(filepath.Ext(p))] == "" {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if !strings.Contains(rel, "/") {
			return nil // no host
		}
		n++
		local := assetsRoute + rel
		pairs = append(pairs, "https://"+rel, local, "http://"+rel, local)
		return nil
	})
	if len(pairs) == 0 {
		return localImages{}
	}
	return localImages{replacer: strings.NewReplacer(pairs...)}
}

// frame is the email's HTML with the images the library has copies of
// pointing at them.
func (li localImages) frame(html string) string {
	if li.replacer == nil {
		return html
	}
	return li.replacer.Replace(html)
}

// handleImage serves one file of LIBRARY/assets. The path is checked to be
// local, visible and an image before the file is opened, and symbolic
// links are not followed, so nothing outside the directory comes out.
func (s *Server) handleImage(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, assetsRoute)
	ctype := imageTypes[strings.ToLower(path.Ext(rel))]
	if ctype == "" || !localPath(rel) {
		http.NotFound(w, r)
		return
	}
	file := filepath.Join(s.cfg.Library, decide.AssetsDir, filepath.FromSlash(rel))
	st, err := os.Lstat(file)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxAssetBytes {
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile(file)
	if err != nil || len(data) > maxAssetBytes {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}

// localPath reports whether a slash path stays below its directory and
// names no hidden file: no "..", no empty or dot segment, no backslash.
func localPath(rel string) bool {
	if rel == "" || strings.ContainsAny(rel, "\\\x00:") {
		return false
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return filepath.IsLocal(filepath.FromSlash(rel))
}
