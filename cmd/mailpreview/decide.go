package main

import (
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
	"github.com/spf13/cobra"
)

func newDecide(g *global) *cobra.Command {
	var activity, placement, profile, contextFile, at, seed, campaignID, storeURL string
	var items int
	cmd := &cobra.Command{
		Use:   "decide --activity ID --placement ID --profile FILE",
		Short: "Print the decision for one scope and one profile, with its trace (dry run)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "activity", "placement", "profile"); err != nil {
				return err
			}
			if items < 0 || items > 30 {
				return usage("--items must be between 1 and 30")
			}
			now, err := decisionTime(at)
			if err != nil {
				return err
			}
			p, err := loadProject(g.library)
			if err != nil {
				return err
			}
			if err := p.Library.ScopeError(activity, placement); err != nil {
				return usage("%v", err)
			}
			r, err := readRecipient(profile, contextFile)
			if err != nil {
				return err
			}
			counts, stats, closeStore, err := dryCounts(cmd.Context(), storeURL, p.Library)
			if err != nil {
				return err
			}
			defer closeStore()
			d, err := p.Decide(cmd.Context(), []decide.Scope{{Activity: activity, Placement: placement, Items: items}}, r, campaign.Options{
				Campaign: render.Campaign{ID: campaignID}, Seed: seed, Now: now, Counts: counts, Stats: stats, Trace: true,
			})
			if err != nil {
				return failed(err)
			}
			return writeJSON(cmd.OutOrStdout(), d)
		},
	}
	f := cmd.Flags()
	f.StringVar(&activity, "activity", "", "activity `ID`")
	f.StringVar(&placement, "placement", "", "placement `ID`")
	f.StringVar(&profile, "profile", "", "profile `FILE` (one recipient record as a JSON object)")
	f.StringVar(&contextFile, "context", "", "context `FILE` (a JSON object merged over the profile's context)")
	f.StringVar(&at, "at", "", "decision `TIME` (RFC 3339); default: now")
	f.StringVar(&seed, "seed", "", "tie-break `SEED`; default: the campaign id")
	f.StringVar(&campaignID, "campaign", "preview", "campaign `ID` (seeds ties when --seed is not set)")
	f.StringVar(&storeURL, "store", "", "read counters from this store `URL` (bolt:PATH or redis://HOST:PORT/DB); default: none, every counter reads 0")
	f.IntVar(&items, "items", 0, "number of offers `N`, overriding the activity's")
	return cmd
}
