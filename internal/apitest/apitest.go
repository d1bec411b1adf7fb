// Package apitest holds what the decisioning service's tests share: the
// api package's handler tests and benchmarks, and the tests and load
// benchmark of the `mailpreview api` command, which run the real binary.
package apitest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// SampleBodies returns a request body per profile file of dir, built by
// build from the profile record, split around the recipient id: the id
// goes between the two parts, so that each request can name a recipient
// of its own without encoding the body again.
func SampleBodies(tb testing.TB, dir string, build func(profile map[string]any) map[string]any) [][2][]byte {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		tb.Fatalf("no profiles in %s", dir)
	}
	var out [][2][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var rec map[string]any
		if err := json.Unmarshal(data, &rec); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		rec["id"] = "ID"
		body, err := json.Marshal(build(rec))
		if err != nil {
			tb.Fatal(err)
		}
		before, after, ok := bytes.Cut(body, []byte(`"id":"ID"`))
		if !ok {
			tb.Fatalf("%s: the built request has no recipient id", f)
		}
		out = append(out, [2][]byte{append(before, `"id":"`...), append([]byte(`"`), after...)})
	}
	return out
}

// ReplaceFile replaces a file as editors and Kubernetes ConfigMap updates
// do: a new file renamed over the old one.
func ReplaceFile(tb testing.TB, path, data string) {
	tb.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}

// WaitFor polls cond until it holds; the deadline of 30 s is a hang
// guard, not a timing check.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
