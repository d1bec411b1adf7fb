package render_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/campaign/snapshot"
	"github.com/offermail/offermail/render"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenAt is the decision time of the project's golden files; the CI
// snapshot check (mailpreview snapshot --at) uses the same.
var goldenAt = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// TestGolden renders every sample template for every sample profile with
// real decisions, and compares the normalized html, text, eml and
// decisions with testdata/golden. Regenerate with
//
//	go test ./render -run TestGolden -update
//
// and review the diff before committing it.
func TestGolden(t *testing.T) {
	p, err := campaign.Load("../templates/library")
	if err != nil {
		t.Fatalf("load library: %v", err)
	}
	set, err := p.LoadTemplates("../templates")
	if err != nil {
		t.Fatalf("load templates: %v", err)
	}
	profiles, err := snapshot.ReadProfiles("../testdata/profiles")
	if err != nil {
		t.Fatalf("read profiles: %v", err)
	}
	files, err := snapshot.Build(context.Background(), p, set, profiles, campaign.Options{
		Campaign: render.Campaign{ID: "preview", Name: "preview"}, Now: goldenAt,
	})
	if err != nil {
		t.Fatalf("build snapshot: %v", err)
	}
	if want := len(set.Templates()) * len(profiles) * 4; len(files) < want {
		t.Fatalf("snapshot has %d files, want at least %d (templates × profiles × 4)", len(files), want)
	}
	if *update {
		if _, err := snapshot.Write("../testdata/golden", files); err != nil {
			t.Fatal(err)
		}
		return
	}
	diffs, err := snapshot.Compare("../testdata/golden", files)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("%v", d)
	}
	if len(diffs) > 0 {
		t.Log("if the change is intended: go test ./render -run TestGolden -update, and review the diff")
	}
}
