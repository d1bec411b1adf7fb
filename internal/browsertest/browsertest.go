// Package browsertest starts a real headless Chromium for tests and keeps
// what they capture (screenshots) as artifacts. A test that calls Start
// skips when chromium is not installed, unless OFFERMAIL_REQUIRE_ALL=1,
// which makes a missing binary a failure (CI sets it).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns chromium's path (Debian's package, or chromium-browser
// elsewhere), or "" when it is not installed.
func Path() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start starts a headless Chromium with its own profile directory and
// opts added to chromedp's defaults, bounded by a generous deadline in
// case the browser hangs (not a timing assertion); it ends with the test.
func Start(t *testing.T, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("OFFERMAIL_REQUIRE_ALL") == "1" {
			t.Fatal("chromium not found (apt-get install chromium), and OFFERMAIL_REQUIRE_ALL=1")
		}
		t.Skip("chromium not found (apt-get install chromium)")
	}
	all := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(all, opts...)...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// SaveArtifact writes data as a test artifact named name, in
// $OFFERMAIL_ARTIFACTS or else .artifacts at the module's root, and logs
// where.
func SaveArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("OFFERMAIL_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path, _ := filepath.Abs(filepath.Join(dir, name))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifact: %s", path)
}

// moduleRoot is the nearest directory above the test's own holding
// go.mod (go test runs a test in its package's directory).
func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
