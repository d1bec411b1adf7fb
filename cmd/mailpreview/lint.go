package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/lint"
	"github.com/offermail/offermail/render"
)

func newLint(g *global) *cobra.Command {
	var templates, profiles, at, campaignID, storeURL string
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Check every template × profile for what email clients and inboxes punish (dry run)",
		Long: `lint renders every template for every profile, as snapshot does, and checks
each message the way an email developer would before sending (SPEC §11):

  error    the HTML is over 102 KB (Gmail clips it)
  error    an <img> without alt
  error    an empty subject or preheader
  error    a link that is not http(s) or mailto
  warning  no unsubscribe (no List-Unsubscribe header)
  warning  CSS the major clients drop: position, display: flex or grid,
           transform, transition, animation, @import
  warning  a plain-text part with under half the words of the HTML

Each problem prints once per template as file:line:col: level: message, at the
place it was written — the front matter, the template, a partial or layout, or
the offer content in the library — or as file: level: message when it comes
from data or from the message as a whole. The exit code is 1 when there is an
error. check stays the fast load-time check; lint renders.`,
		Example: `  mailpreview lint
  mailpreview lint --templates templates --profiles testdata/profiles --at 2026-12-02T09:00:00Z`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			now, err := decisionTime(at)
			if err != nil {
				return err
			}
			p, set, profs, err := loadMatrix(g.library, templates, profiles)
			if err != nil {
				return err
			}
			counts, stats, closeStore, err := dryCounts(cmd.Context(), storeURL, p.Library, now)
			if err != nil {
				return err
			}
			defer closeStore()
			opts := campaign.Options{Campaign: render.Campaign{ID: campaignID, Name: campaignID}, Now: now, Counts: counts, Stats: stats}
			errs, warns := 0, 0
			for _, tpl := range set.Templates() {
				seen := map[string]bool{}
				for _, pr := range profs {
					ps, err := lint.Check(cmd.Context(), p, tpl, pr.Name, pr.Recipient, opts)
					if err != nil {
						if errors.Is(err, decide.ErrStoreUnavailable) {
							return failed(err)
						}
						return failed(fmt.Errorf("lint %s for %s: %w", tpl.Name(), pr.Name, err))
					}
					for _, x := range ps {
						line := x.String()
						if seen[line] {
							continue
						}
						seen[line] = true
						fmt.Fprintln(out, line)
						if x.Level == lint.Error {
							errs++
						} else {
							warns++
						}
					}
				}
			}
			fmt.Fprintf(errOut, "lint: %d templates × %d profiles: %d error(s), %d warning(s)\n", len(set.Templates()), len(profs), errs, warns)
			if errs > 0 {
				return errSilent(exitInvalid)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&templates, "templates", "templates", "templates `DIR`")
	f.StringVar(&profiles, "profiles", "testdata/profiles", "profiles `DIR` (one recipient per *.json file)")
	f.StringVar(&at, "at", "", "decision `TIME` (RFC 3339); default: now")
	f.StringVar(&campaignID, "campaign", "preview", "campaign `ID` (for tracking tokens and ties)")
	f.StringVar(&storeURL, "store", "", "read counters from this store `URL`, never writing them; default: every counter reads 0")
	return cmd
}
