package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/batch"
)

func newReport() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Work with the report.json of batch runs",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newReportMerge())
	return cmd
}

func newReportMerge() *cobra.Command {
	var out string
	var partial bool
	cmd := &cobra.Command{
		Use:   "merge [--out FILE] REPORT...",
		Short: "Combine the report.json of a run's shards into one",
		Long: `merge combines the report.json files of the shards of one batch run (--shard K/N:
N processes, each with its own --out, on one shared store and one --at) into the
report one run over every recipient would have written: counts summed, the time
span from the first start to the last finish. Give the files, or the shards'
output directories. Every shard 1..N must be there, once, of the same campaign,
template, recipients file, format and decision time (--partial allows missing
shards and names the merged ones in "shard").

It prints the merged report, or writes it to --out.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage("report merge needs the report.json files (or output directories) of the shards")
			}
			var reports []batch.NamedReport
			for _, arg := range args {
				path := arg
				if st, err := os.Stat(arg); err == nil && st.IsDir() {
					path = filepath.Join(arg, "report.json")
				}
				data, err := os.ReadFile(path)
				if err != nil {
					if errors.Is(err, os.ErrNotExist) {
						return invalid(fmt.Errorf("report %s not found", path))
					}
					return invalid(err)
				}
				r, err := batch.ReadReport(path, data)
				if err != nil {
					return invalid(err)
				}
				reports = append(reports, batch.NamedReport{Name: path, Report: r})
			}
			merged, err := batch.MergeReports(reports, batch.MergeOptions{Partial: partial})
			if err != nil {
				return invalid(err)
			}
			if out == "" {
				return writeJSON(cmd.OutOrStdout(), merged)
			}
			f, err := os.Create(out)
			if err != nil {
				return failed(err)
			}
			if err := writeJSON(f, merged); err != nil {
				f.Close()
				return failed(err)
			}
			if err := f.Close(); err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d shards merged, %d recipients (%d decided, %d rejected)\n",
				out, len(reports), merged.Totals.Total, merged.Totals.Decided, merged.Totals.Rejected)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the merged report to `FILE` instead of standard output")
	cmd.Flags().BoolVar(&partial, "partial", false, "merge even when shards are missing")
	return cmd
}
