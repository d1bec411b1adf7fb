package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/simulate"
)

func newSimulate(g *global) *cobra.Command {
	var tplPath, recipientsPath, campaignID, at, storeFlag, out string
	var workers int
	cmd := &cobra.Command{
		Use:   "simulate --template FILE --recipients FILE --out DIR",
		Short: "Dry-run a campaign over its recipients: who gets what, where caps bite (counts nothing)",
		Long: `simulate runs a campaign as batch would — every recipient of the recipients file
decided and rendered — before it is sent: caps bind against an in-memory copy of
the store's counters (a total cap of 2 grants 2), and the store is only read.
Nothing is sent, counted or recorded anywhere but in OUT:

  OUT/report.json      batch's report (counts per offer and placement,
                       fallbacks, empty slots, rejects), plus the cap
                       refusals per offer and the distinct variants of each
                       placement with an example recipient of each
  OUT/report.html      the same as a page that needs nothing but itself: a
                       bar chart per placement, cap refusals, rejects, one
                       example per variant
  OUT/decisions.ndjson who gets which offer; OUT/rejects.ndjson bad records

The counters are those of --store, else $OFFERMAIL_STORE, else the library's
store (LIBRARY/.offermail/state.db) when there is one; without any, every
counter starts at 0. A simulation starts afresh each time; OUT may hold an
earlier simulation, never a real run.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "template", "recipients", "out"); err != nil {
				return err
			}
			if campaignID == "" || strings.ContainsAny(campaignID, "\r\n\x00") {
				return usage("--campaign %q must be a non-empty id on one line", campaignID)
			}
			if workers < 0 {
				return usage("--workers must be at least 1")
			}
			cfg := simulate.Config{Campaign: render.Campaign{ID: campaignID, Name: campaignID}, Dir: out, Workers: workers}
			if at != "" {
				t, err := decisionTime(at)
				if err != nil {
					return err
				}
				cfg.At = t
			}
			p, err := loadProject(g.library)
			if err != nil {
				return err
			}
			tpl, err := loadTemplate(p, tplPath)
			if err != nil {
				return err
			}
			cfg.Project, cfg.Template = p, tpl
			src, err := openSource(recipientsPath)
			if err != nil {
				return err
			}
			defer src.Close()
			cfg.Source = src.r
			url := simulationStore(storeFlag, g.library)
			if url != "" {
				base, err := capstore.Open(url, capstore.WithReadOnly())
				if err != nil {
					return storeError(err)
				}
				defer base.Close()
				cfg.Base = base
			}
			cfg.Describe = batch.Description{Template: absPath(tplPath), Recipients: absPath(recipientsPath), Store: storeID(url)}
			rep, err := simulate.Run(cmd.Context(), cfg)
			if err != nil {
				if errors.Is(err, simulate.ErrRealRun) {
					return usage("--out: %v", err)
				}
				return batchError(err)
			}
			summarizeSimulation(cmd.OutOrStdout(), out, rep)
			if rep.Totals.Rejected > 0 {
				return errSilent(exitRejected)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tplPath, "template", "", "template `FILE`")
	f.StringVar(&recipientsPath, "recipients", "", "recipients `FILE` (.ndjson, .jsonl or .csv, optionally .gz; - for NDJSON on stdin)")
	f.StringVar(&campaignID, "campaign", "simulation", "campaign `ID` (tracking tokens, and ties unless --seed; use the real campaign's to decide its ties as it will)")
	f.StringVar(&at, "at", "", "decision `TIME` (RFC 3339); default: now")
	f.StringVar(&storeFlag, "store", "", "read the counters of this store `URL` (bolt:PATH or redis://HOST:PORT/DB), never writing it; default $OFFERMAIL_STORE, else the library's store when it exists")
	f.StringVar(&out, "out", "", "output `DIR` for report.json, report.html, decisions.ndjson and rejects.ndjson")
	f.IntVar(&workers, "workers", 0, "`N` messages rendered at once; default: one per CPU")
	return cmd
}

// simulationStore is the store whose counters a simulation reads, as the
// preview finds it (readStoreURL), except that memory: is none: "" means
// every counter at 0.
func simulationStore(flag, library string) string {
	url := readStoreURL(flag, library)
	if url == "memory:" || url == "memory" {
		return ""
	}
	return url
}

// summarizeSimulation prints what a campaign manager wants to see first.
func summarizeSimulation(w io.Writer, out string, r *simulate.Report) {
	fmt.Fprintf(w, "%s: simulated %d recipients, %d rejected (rejects.ndjson); nothing sent or counted\n", r.Campaign, r.Totals.Decided, r.Totals.Rejected)
	for i, pc := range r.Placements {
		variants := 0
		if i < len(r.Variants) {
			variants = r.Variants[i].Count
		}
		fallbacks := 0
		for _, n := range pc.Fallbacks {
			fallbacks += n
		}
		fmt.Fprintf(w, "  %s/%s: %d distinct offers, %d fallbacks, %d empty; %d variants to check\n", pc.Activity, pc.Placement, len(pc.Offers), fallbacks, pc.Empty, variants)
	}
	if len(r.CapRefusals) > 0 {
		offers := make([]string, 0, len(r.CapRefusals))
		for o := range r.CapRefusals {
			offers = append(offers, o)
		}
		sort.Strings(offers)
		var parts []string
		for _, o := range offers {
			parts = append(parts, fmt.Sprintf("%s %d", o, r.CapRefusals[o]))
		}
		fmt.Fprintf(w, "  cap refusals: %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "report %s/report.html (and report.json)\n", out)
}
