package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/campaign/snapshot"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
	"github.com/spf13/cobra"
)

func newSnapshot(g *global) *cobra.Command {
	var templates, profiles, golden, at, campaignID string
	var update bool
	cmd := &cobra.Command{
		Use:   "snapshot --golden DIR [--update]",
		Short: "Compare every template × profile with golden files, or rewrite them (dry run)",
		Long: `snapshot renders every template for every profile — html, plain text, MIME and
the decisions with their traces — and compares the result with the golden files
in --golden DIR/<template>/<profile>.{html,txt,eml,decisions.json,error}.
Date, Message-ID and MIME boundaries are normalized. On any difference it prints
a unified diff per file and exits 1; --update rewrites the golden files instead
and removes those no template × profile produces any more.

Decisions depend on the decision time: --update records the time it used (--at,
or now) in DIR/snapshot.json, and a comparison without --at uses that time, so
snapshots are stable.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "golden"); err != nil {
				return err
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			meta, hasMeta, err := snapshot.ReadMeta(golden)
			if err != nil {
				return invalid(err)
			}
			// Without --at a comparison decides at the time the golden
			// files were made (recorded by --update), so it is stable.
			if at == "" && hasMeta && !update {
				at = meta.At.Format(time.RFC3339)
			}
			if !cmd.Flags().Changed("campaign") && hasMeta && meta.Campaign != "" {
				campaignID = meta.Campaign
			}
			if at == "" && !update {
				fmt.Fprintln(errOut, "warning: no --at and no recorded time in the golden files: decisions depend on the decision time, so they may differ for that reason alone; pass --at 2026-12-02T09:00:00Z (or any fixed time)")
			}
			now, err := decisionTime(at)
			if err != nil {
				return err
			}
			p, set, profs, err := loadMatrix(g.library, templates, profiles)
			if err != nil {
				return err
			}
			files, err := snapshot.Build(cmd.Context(), p, set, profs, campaign.Options{
				Campaign: render.Campaign{ID: campaignID, Name: campaignID}, Now: now,
			})
			if err != nil {
				if errors.Is(err, decide.ErrStoreUnavailable) {
					return failed(err)
				}
				return failed(fmt.Errorf("snapshot: %w", err))
			}
			if update {
				res, err := snapshot.Write(golden, files)
				if err == nil {
					err = snapshot.WriteMeta(golden, snapshot.Meta{At: now, Campaign: campaignID})
				}
				if err != nil {
					return failed(fmt.Errorf("update golden files: %w", err))
				}
				for _, path := range res.Written {
					fmt.Fprintf(out, "wrote %s\n", path)
				}
				for _, path := range res.Removed {
					fmt.Fprintf(out, "removed %s\n", path)
				}
				fmt.Fprintf(out, "%s: %d templates × %d profiles, %d files written, %d removed, %d unchanged\n",
					golden, len(set.Templates()), len(profs), len(res.Written), len(res.Removed), len(files)-len(res.Written))
				return nil
			}
			diffs, err := snapshot.Compare(golden, files)
			if err != nil {
				return failed(fmt.Errorf("read golden files: %w", err))
			}
			if len(diffs) == 0 {
				fmt.Fprintf(out, "ok: %s: %d templates × %d profiles, %d files match\n", golden, len(set.Templates()), len(profs), len(files))
				return nil
			}
			for _, d := range diffs {
				fmt.Fprint(out, d.String())
			}
			fmt.Fprintf(errOut, "%d file(s) differ from the golden files in %s; if the changes are intended, run again with --update\n", len(diffs), golden)
			return errSilent(exitInvalid)
		},
	}
	f := cmd.Flags()
	f.StringVar(&templates, "templates", "templates", "templates `DIR`")
	f.StringVar(&profiles, "profiles", "testdata/profiles", "profiles `DIR` (one recipient per *.json file)")
	f.StringVar(&golden, "golden", "", "golden files `DIR`")
	f.BoolVar(&update, "update", false, "rewrite the golden files instead of comparing")
	f.StringVar(&at, "at", "", "decision `TIME` (RFC 3339); default: now, which makes decisions change with time")
	f.StringVar(&campaignID, "campaign", "preview", "campaign `ID` (for tracking tokens and ties)")
	return cmd
}
