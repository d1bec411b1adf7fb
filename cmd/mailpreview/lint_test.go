package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLintCommand: the sample passes (one warning: the order confirmation
// has no unsubscribe); a planted problem is an error at its position, once
// however many profiles show it, and exit 1.
func TestLintCommand(t *testing.T) {
	code, out, errOut := run(t, "lint", "--library", library, "--templates", tplDir, "--profiles", profiles, "--at", at)
	if code != exitOK || out != "../../templates/order-confirmation.hbs:1:1: warning: no unsubscribe: set unsubscribe: in the front matter (a URL or mailto), so that the message has List-Unsubscribe\n" ||
		errOut != "lint: 3 templates × 7 profiles: 0 error(s), 1 warning(s)\n" {
		t.Errorf("lint of the sample = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"t.hbs": "---\nsubject: Hi\npreheader: Hello\nunsubscribe: https://example.com/u\n---\n<p>{{profile.firstName}}</p>\n<p><a href=\"ftp://example.com/f\">file</a></p>\n"})
	code, out, errOut = run(t, "lint", "--library", library, "--templates", dir, "--profiles", profiles, "--at", at)
	want := filepath.Join(dir, "t.hbs") + `:7:13: error: link "ftp://example.com/f" is not http(s) or mailto` + "\n"
	if code != exitInvalid || out != want || !strings.Contains(errOut, "1 error(s), 0 warning(s)") {
		t.Errorf("lint of a planted link = %d\nstdout: %q\nwant: %q\nstderr: %s", code, out, want, errOut)
	}
	if code, _, errOut := run(t, "lint", "--library", library, "--templates", filepath.Join(dir, "none")); code != exitInvalid || !strings.Contains(errOut, "templates directory") {
		t.Errorf("lint of a missing directory = %d, %q", code, errOut)
	}
}
