package main

import (
	"errors"
	"fmt"

	"github.com/offermail/offermail/adobe"
	"github.com/offermail/offermail/diag"
	"github.com/spf13/cobra"
)

func newImport() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import an offer library from another product",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newImportAdobe())
	return cmd
}

func newImportAdobe() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "adobe EXPORT... --out DIR",
		Short: "Turn an Adobe Offer Decisioning export (Offer Library API JSON) into a library",
		Long: `Reads the JSON of Adobe's Offer Library API (listings, lookups or arrays of
placements, decision rules, offers, fallback offers, tags, collections, ranking
formulas and decisions; one file per type or all in one) and writes an offermail
library into DIR, with DIR/import-report.json saying what was translated, what
was approximated and what could not be translated. PQL rules that cannot be
translated become rules that are false, with the original in a TODO comment.
The library is written to a temporary directory and renamed into place.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage("%s needs one or more export files", cmd.CommandPath())
			}
			if err := need(cmd, "out"); err != nil {
				return err
			}
			report, err := adobe.Import(args, out)
			if report != nil {
				report.WriteText(cmd.OutOrStdout())
			}
			var list diag.List
			switch {
			case err == nil:
				return nil
			case errors.As(err, &list):
				printError(cmd.ErrOrStderr(), err)
				fmt.Fprintf(cmd.ErrOrStderr(), "%d error(s); nothing was written\n", len(list))
				return errSilent(exitInvalid)
			case errors.Is(err, adobe.ErrCheck):
				return invalid(fmt.Errorf("%w: see the check errors above and %s/%s", err, out, adobe.ReportFile))
			case errors.Is(err, adobe.ErrOutExists):
				return usage("%v", err)
			case errors.Is(err, adobe.ErrRead):
				return invalid(err)
			}
			return failed(err)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "library `DIR` to write (replaced if it holds an earlier import)")
	return cmd
}
