package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
)

// TestSuppressedRecipients: recipients on the store's suppression list
// get a reject with stage "suppressed", counted in the report, and no
// decision, no ledger entry and no message; the rest of the run is as
// usual, and a rerun does them no more: with one file per message, and
// packed (their rejects take their place in the source's order, which a
// packed run's journal waits for).
func TestSuppressedRecipients(t *testing.T) {
	for _, pack := range []int{0, 4} {
		t.Run(fmt.Sprint("pack=", pack), func(t *testing.T) { suppressedRun(t, pack) })
	}
}

func suppressedRun(t *testing.T, pack int) {
	cfg := config(t, newsletter, sampleNDJSON)
	cfg.Pack = pack
	cfg.Store = "bolt:" + filepath.Join(t.TempDir(), "state.db")
	st, err := capstore.Open(cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Suppress(context.Background(), []decide.Suppression{
		{Recipient: "u-1001", Time: decisionAt, Reason: "unsubscribe"},
		{Recipient: "u-1013", Time: decisionAt, Reason: "manual"},
		{Recipient: "nobody-in-this-file", Time: decisionAt},
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejects["suppressed"] != 2 || rep.Rejects["read"] != 2 || rep.Totals.Decided != 18 || rep.Totals.Written != 18 ||
		rep.Totals.Rejected != 4 || rep.Totals.Total != 22 {
		t.Errorf("report: totals %+v, rejects %v; want 2 suppressed of 22 records, 18 decided and written", rep.Totals, rep.Rejects)
	}
	rejects := readLines(t, filepath.Join(cfg.Out, "rejects.ndjson"))
	var suppressed []string
	for _, r := range rejects {
		if strings.Contains(string(r), `"stage":"suppressed"`) {
			suppressed = append(suppressed, string(r))
		}
	}
	if len(suppressed) != 2 || !strings.Contains(suppressed[0]+suppressed[1], `"id":"u-1001"`) || !strings.Contains(suppressed[0]+suppressed[1], `"id":"u-1013"`) {
		t.Errorf("suppressed rejects = %q, want u-1001 and u-1013", suppressed)
	}
	for _, id := range []string{"u-1001", "u-1013"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, "messages", id+".eml")); err == nil {
			t.Errorf("a suppressed recipient got a message: %s", id)
		}
		if pack > 0 {
			for _, line := range readLines(t, filepath.Join(cfg.Out, "messages", "index.ndjson")) {
				if strings.Contains(string(line), `"recipient":"`+id+`"`) {
					t.Errorf("a suppressed recipient got a message in a part: %s", line)
				}
			}
		}
		for _, line := range readLines(t, filepath.Join(cfg.Out, "decisions.ndjson")) {
			if strings.Contains(string(line), `"recipient":"`+id+`"`) {
				t.Errorf("a suppressed recipient was decided: %s", line)
			}
		}
	}
	st, err = capstore.Open(cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Records(context.Background(), cfg.Campaign.ID, []string{"u-1001", "u-1013", "u-1002"})
	st.Close()
	if err != nil || recs[0] != nil || recs[1] != nil || recs[2] == nil {
		t.Errorf("ledger entries of u-1001, u-1013, u-1002 = %q, %v; want none, none, one", recs, err)
	}

	// A rerun finds them done.
	again, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Attempt.Recipients != 0 || again.Rejects["suppressed"] != 2 {
		t.Errorf("rerun: attempt %+v, rejects %v; want nothing done again and the same 2 suppressed", again.Attempt, again.Rejects)
	}
}
