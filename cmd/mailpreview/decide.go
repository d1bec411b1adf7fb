package main

import (
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/spf13/cobra"
)

func newDecide(g *global) *cobra.Command {
	var activity, placement string
	var dr dryRunFlags
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
			run, err := dr.load(cmd.Context(), g.library, func(p *campaign.Project) error {
				if err := p.Library.ScopeError(activity, placement); err != nil {
					return usage("%v", err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			defer run.close()
			opts := run.opts
			opts.Trace = true
			d, err := run.project.Decide(cmd.Context(), []decide.Scope{{Activity: activity, Placement: placement, Items: items}}, run.recipient, opts)
			if err != nil {
				return failed(err)
			}
			return writeJSON(cmd.OutOrStdout(), d)
		},
	}
	f := cmd.Flags()
	f.StringVar(&activity, "activity", "", "activity `ID`")
	f.StringVar(&placement, "placement", "", "placement `ID`")
	dr.add(f)
	f.IntVar(&items, "items", 0, "number of offers `N`, overriding the activity's (0: keep it)")
	return cmd
}
