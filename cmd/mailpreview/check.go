package main

import (
	"fmt"
	"os"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
	"github.com/spf13/cobra"
)

func newCheck(g *global) *cobra.Command {
	var templates string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the offer library and the templates, listing every error",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if st, err := os.Stat(g.library); err != nil || !st.IsDir() {
				return invalid(fmt.Errorf("library directory %s not found (set it with --library DIR)", g.library))
			}
			// A library checks alone unless templates were asked for or sit
			// where they are looked for by default.
			withTemplates := true
			if st, err := os.Stat(templates); err != nil || !st.IsDir() {
				if cmd.Flags().Changed("templates") {
					return invalid(fmt.Errorf("templates directory %s not found (set it with --templates DIR)", templates))
				}
				withTemplates = false
			}
			problems := 0
			// Every error at once: the library's (offer content included),
			// and the templates' against whatever of the library loaded.
			cat, err := campaign.Check(g.library)
			if err != nil {
				printError(errOut, err)
				problems += countErrors(err)
			}
			var set *render.Set
			if withTemplates {
				set, err = render.LoadDir(templates, cat)
				if err != nil {
					printError(errOut, err)
					problems += countErrors(err)
				}
			}
			if problems > 0 {
				fmt.Fprintf(errOut, "%d error(s)\n", problems)
				return errSilent(exitInvalid)
			}
			p, err := loadProject(g.library)
			if err != nil {
				return err
			}
			lib := p.Library
			fmt.Fprintf(out, "ok: %s: %d placements, %d offers, %d fallbacks, %d activities in %d files",
				g.library, len(lib.PlacementIDs()), len(lib.OfferIDs()), len(lib.FallbackIDs()), len(lib.ActivityIDs()), len(lib.Files()))
			if set == nil {
				fmt.Fprintf(out, "; no templates (no %s directory)\n", templates)
				return nil
			}
			fmt.Fprintf(out, "; %s: %d templates\n", templates, len(set.Templates()))
			// Not errors: what makes a template finish its HTML per
			// recipient instead of once at load.
			for _, t := range set.Templates() {
				for _, w := range t.Warnings() {
					fmt.Fprintln(errOut, w)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&templates, "templates", "templates", "templates `DIR`; without the flag, a missing templates directory checks the library alone")
	return cmd
}
