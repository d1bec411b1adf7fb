package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// TestProgress: with somewhere to draw, the bar ends complete, with the
// count of recipients done.
func TestProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recipients.ndjson")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(f, 600, gen.Options{Seed: 9}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	flags := batchFlags{template: "../../templates/newsletter.hbs", recipients: path, campaign: "winter",
		out: filepath.Join(t.TempDir(), "out"), format: "eml", at: "2026-12-02T09:00:00Z"}
	var buf lockedBuffer
	if err := flags.run(context.Background(), sampleLibrary(t), io.Discard, io.Discard, &buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "100 %") || !strings.Contains(out, "600 done") {
		t.Errorf("progress output ends %q, want 100 %% and 600 done", out[max(0, len(out)-200):])
	}
}
