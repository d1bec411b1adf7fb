package batch

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// TestReportCountsLive: a run interrupted after its first commit and then
// completed reports, from the lines the first attempt journalled (read
// back) and the counts the second kept as it journalled its own, the
// same placements and totals as decisions.ndjson itself says, counted
// here with encoding/json; a packed run too.
func TestReportCountsLive(t *testing.T) {
	for _, pack := range []int{0, 100} {
		path := generated(t, 900, gen.Options{Seed: 5, BadEvery: 97, OddEvery: 41})
		cfg := config(t, newsletter, path)
		cfg.BatchSize, cfg.Pack = 16, pack
		ctx, cancel := context.WithCancel(context.Background())
		cfg.onCommit = cancel
		if _, err := runBatch(ctx, cfg); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("pack %d: Run cancelled = %v, want ErrInterrupted", pack, err)
		}
		cancel()
		first := len(readDecisions(t, cfg.Out))
		cfg.onCommit = nil
		rep, err := runBatch(context.Background(), cfg)
		if err != nil {
			t.Fatalf("pack %d: Run again: %v", pack, err)
		}
		decided := readDecisions(t, cfg.Out)
		if first == 0 || first == len(decided) {
			t.Fatalf("pack %d: the first attempt decided %d of %d: both attempts must journal some", pack, first, len(decided))
		}
		want := map[[2]string]*ScopeCounts{}
		for _, sc := range rep.Placements {
			want[[2]string{sc.Activity, sc.Placement}] = &ScopeCounts{Activity: sc.Activity, Placement: sc.Placement, Offers: map[string]int{}, Fallbacks: map[string]int{}}
		}
		for _, d := range decided {
			for _, p := range d.Propositions {
				sc := want[[2]string{p.Activity, p.Placement}]
				if sc == nil {
					t.Fatalf("pack %d: scope %s/%s is not in the report", pack, p.Activity, p.Placement)
				}
				for _, o := range p.Offers {
					sc.Offers[o.ID]++
				}
				switch {
				case p.Fallback != nil:
					sc.Fallbacks[p.Fallback.ID]++
				case len(p.Offers) == 0:
					sc.Empty++
				}
			}
		}
		for _, sc := range rep.Placements {
			if w := want[[2]string{sc.Activity, sc.Placement}]; !reflect.DeepEqual(&sc, w) {
				t.Errorf("pack %d: report placement\n %+v\nwant (decisions.ndjson)\n %+v", pack, sc, *w)
			}
		}
		if rep.Totals.Decided != len(decided) || rep.Attempt.Recipients+first > len(decided)+rep.Totals.Rejected {
			t.Errorf("pack %d: totals %+v, attempt %+v; decisions.ndjson has %d lines, %d of the first attempt", pack, rep.Totals, rep.Attempt, len(decided), first)
		}
	}
}
