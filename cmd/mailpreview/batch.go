package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/send"
)

func newBatch(g *global) *cobra.Command {
	var cfg batch.Config
	var at, shard, smtpURL, name string
	var rate float64
	cmd := &cobra.Command{
		Use:   "batch --template FILE --recipients FILE --campaign ID --out DIR",
		Short: "Run a campaign: decide, render and write or send one message per recipient",
		Long: `batch runs a campaign for real: it streams the recipients, decides their offers
(counting caps in the store), renders one message per recipient and writes it to
OUT/messages (or sends it with --smtp). It writes OUT/decisions.ndjson,
OUT/rejects.ndjson and OUT/report.json.

If the run is interrupted (Ctrl-C, a crash), run the same command again: it
completes the run, each recipient written once and each decision counted once.

Exit codes: 0 done, 3 done with rejected records (see OUT/rejects.ndjson),
4 the run failed or was interrupted (run the same command again).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "template", "recipients", "campaign", "out"); err != nil {
				return err
			}
			if at != "" {
				t, err := decisionTime(at)
				if err != nil {
					return err
				}
				cfg.At = t
			}
			if shard != "" {
				s, err := batch.ParseShard(shard)
				if err != nil {
					return usage("%v", err)
				}
				cfg.Shard = s
			}
			if smtpURL != "" {
				sc, err := send.ParseURL(smtpURL)
				if err != nil {
					return usage("--smtp: %v", err)
				}
				sc.Rate = rate
				cfg.SMTP, cfg.SMTPDesc = &sc, smtpHost(smtpURL)
			} else if cmd.Flags().Changed("rate") {
				return usage("--rate limits SMTP sending; it needs --smtp")
			}
			if rate < 0 {
				return usage("--rate must be 0 (no limit) or more messages per second")
			}
			p, err := loadProject(g.library)
			if err != nil {
				return err
			}
			tpl, err := loadTemplate(p, cfg.TemplatePath)
			if err != nil {
				return err
			}
			cfg.Project, cfg.Template = p, tpl
			cfg.Campaign = render.Campaign{ID: cfg.Campaign.ID, Name: name}
			stderr := cmd.ErrOrStderr()
			cfg.Warn = stderr
			if isTerminal(stderr) {
				cfg.Progress = stderr
			}
			rep, err := batch.Run(cmd.Context(), cfg)
			if err != nil {
				return batchError(err)
			}
			summarize(cmd.OutOrStdout(), cfg.Out, rep)
			if rep.Totals.Rejected > 0 {
				return errSilent(exitRejected)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.TemplatePath, "template", "", "template `FILE`")
	f.StringVar(&cfg.Recipients, "recipients", "", "recipients `FILE` (.ndjson, .jsonl or .csv, optionally .gz; - for NDJSON on stdin)")
	f.StringVar(&cfg.Campaign.ID, "campaign", "", "campaign `ID` (ledger, tracking tokens, ties)")
	f.StringVar(&name, "name", "", "campaign `NAME` shown to templates as campaign.name; default: the id")
	f.StringVar(&cfg.Out, "out", "", "output `DIR`")
	f.StringVar(&cfg.Format, "format", "eml", "message `FORMAT`: eml, html or json")
	f.StringVar(&cfg.Store, "store", "", "counters and ledger `URL`: bolt:PATH or redis://HOST:PORT/DB; default bolt:OUT/state.db")
	f.IntVar(&cfg.Workers, "workers", 0, "`N` messages rendered and written (or sent) at once; default: one per CPU (with --smtp, at least twice its connections)")
	f.StringVar(&shard, "shard", "", "process shard `K/N` of the recipients (by id hash); needs --store redis://… and --at")
	f.StringVar(&at, "at", "", "decision `TIME` (RFC 3339); default: recorded by the run's first attempt, or now")
	f.StringVar(&cfg.Seed, "seed", "", "tie-break `SEED`; default: the campaign id")
	f.BoolVar(&cfg.Strict, "strict", false, "a missing profile field written out by the template rejects the recipient")
	f.StringVar(&smtpURL, "smtp", "", "send over SMTP instead of writing files: `URL` smtp://user:pass@host:port (smtps:// for TLS)")
	f.Float64Var(&rate, "rate", 0, "SMTP sending rate: `N` messages per second over all connections; 0: no limit")
	return cmd
}

// batchError picks the exit code of a failed run.
func batchError(err error) error {
	switch {
	case errors.Is(err, batch.ErrUsage):
		return &exitError{exitUsage, err}
	case errors.Is(err, batch.ErrInput), errors.Is(err, decide.ErrLibraryChanged):
		return invalid(err)
	case errors.Is(err, batch.ErrInterrupted):
		return failed(err)
	case errors.Is(err, decide.ErrStoreUnavailable):
		// Flattened: the store's error joins the sentinel and the cause,
		// which printError would print as two lines.
		return failed(fmt.Errorf("%v; run the same command again once the store is back", strings.ReplaceAll(err.Error(), "\n", ": ")))
	}
	return failed(fmt.Errorf("%w; run the same command again to complete the run", err))
}

// summarize prints the one-line result of a run.
func summarize(w io.Writer, out string, r *batch.Report) {
	verb, n := "written", r.Totals.Written
	if r.Totals.Sent > 0 || r.Delivery != "files" {
		verb, n = "sent", r.Totals.Sent
	}
	fmt.Fprintf(w, "%s: %d messages %s, %d rejected", r.Campaign, n, verb, r.Totals.Rejected)
	if r.Totals.Rejected > 0 {
		fmt.Fprintf(w, " (see %s/rejects.ndjson)", out)
	}
	fmt.Fprintf(w, "; %d recipients this attempt in %s (%.0f/s)", r.Attempt.Recipients,
		time.Duration(r.DurationSeconds*float64(time.Second)).Round(time.Millisecond), r.RecipientsPerSecond)
	if r.Attempt.Replayed > 0 {
		fmt.Fprintf(w, ", %d replayed", r.Attempt.Replayed)
	}
	fmt.Fprintf(w, "; report %s/report.json\n", out)
}

// smtpHost names the server of an SMTP URL without its credentials.
func smtpHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Scheme + "://" + u.Host
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
