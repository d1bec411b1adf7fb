package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/send"
)

// batchMemLimit is the soft limit of the Go memory of a batch run (heap,
// stacks, runtime), past which it collects whatever GOGC says: peak RSS
// is this plus the bbolt file's mapped pages.
const batchMemLimit = 96 << 20

// batchFlags are the flags of mailpreview batch.
type batchFlags struct {
	template, recipients, campaign, name, out, format, store string
	at, shard, seed, smtp                                    string
	workers, maxMessage, pack                                int
	strict, ownStore                                         bool
	track                                                    trackFlags
	rate                                                     float64
	rateSet                                                  bool
	resendUnknown                                            bool
}

func newBatch(g *global) *cobra.Command {
	var f batchFlags
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
			f.rateSet = cmd.Flags().Changed("rate")
			stderr := cmd.ErrOrStderr()
			var progress io.Writer
			if isTerminal(stderr) {
				progress = stderr
			}
			return f.run(cmd.Context(), g.library, cmd.OutOrStdout(), stderr, progress)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.template, "template", "", "template `FILE`")
	fl.StringVar(&f.recipients, "recipients", "", "recipients `FILE` (.ndjson, .jsonl or .csv, optionally .gz; - for NDJSON on stdin)")
	fl.StringVar(&f.campaign, "campaign", "", "campaign `ID` (ledger, tracking tokens, ties)")
	fl.StringVar(&f.name, "name", "", "campaign `NAME` shown to templates as campaign.name; default: the id")
	fl.StringVar(&f.out, "out", "", "output `DIR`")
	fl.StringVar(&f.format, "format", "eml", "message `FORMAT`: eml, html or json")
	fl.StringVar(&f.store, "store", "", "counters and ledger `URL`: bolt:PATH or redis://HOST:PORT/DB; default $OFFERMAIL_STORE, else bolt:LIBRARY/.offermail/state.db")
	fl.IntVar(&f.workers, "workers", 0, "`N` messages rendered and written (or sent) at once; default: one per CPU (with --smtp, at least twice its connections)")
	fl.StringVar(&f.shard, "shard", "", "process shard `K/N` of the recipients (by id hash); needs --store redis://… and --at")
	fl.StringVar(&f.at, "at", "", "decision `TIME` (RFC 3339); default: recorded by the run's first attempt, or now")
	fl.StringVar(&f.seed, "seed", "", "tie-break `SEED`; default: the campaign id")
	fl.BoolVar(&f.strict, "strict", false, "a missing profile field written out by the template rejects the recipient")
	fl.IntVar(&f.maxMessage, "max-message-bytes", render.DefaultMaxBytes, "a message rendering to more than `N` bytes (body, subject…) is a render reject")
	fl.IntVar(&f.pack, "pack", 0, "write the messages into part files of `N` messages each (OUT/messages/part-00001.mbox, or .ndjson for json and html) with OUT/messages/index.ndjson, instead of one file per message")
	fl.StringVar(&f.smtp, "smtp", "", "send over SMTP instead of writing files: `URL` smtp://user:pass@host:port (smtps:// for TLS)")
	fl.BoolVar(&f.resendUnknown, "resend-unknown", false, "with --smtp, send again the messages whose delivery an earlier attempt could not confirm (the connection ended before the server's answer; rejects of stage unknown); they may arrive twice")
	fl.Float64Var(&f.rate, "rate", 0, "SMTP sending rate: `N` messages per second over all connections; 0: no limit")
	f.track.add(cmd, true)
	return cmd
}

// run turns the flags into a batch.Runner and runs it, drawing a progress
// bar on progress when it is not nil.
func (f *batchFlags) run(ctx context.Context, library string, stdout, stderr, progress io.Writer) error {
	r := &batch.Runner{Campaign: render.Campaign{ID: f.campaign, Name: f.name}, Seed: f.seed, Strict: f.strict, Dir: f.out, Workers: f.workers, MaxMessageBytes: f.maxMessage, Pack: f.pack, ResendUnknown: f.resendUnknown}
	if f.at != "" {
		t, err := decisionTime(f.at)
		if err != nil {
			return err
		}
		r.At = t
	}
	if f.shard != "" {
		s, err := batch.ParseShard(f.shard)
		if err != nil {
			return usage("--shard %q must be K/N with 1 <= K <= N, such as 2/4", f.shard)
		}
		r.Shard = s
	}
	var smtp *send.Config
	if f.smtp != "" {
		sc, err := send.ParseURL(f.smtp)
		if err != nil {
			return usage("--smtp: %v", err)
		}
		sc.Rate = f.rate
		smtp = &sc
	} else if f.resendUnknown {
		return usage("--resend-unknown resends SMTP messages; it needs --smtp")
	} else if f.rateSet {
		return usage("--rate limits SMTP sending; it needs --smtp")
	}
	if f.rate < 0 {
		return usage("--rate must be 0 (no limit) or more messages per second")
	}
	tr, err := f.track.tracker()
	if err != nil {
		return err
	}
	r.Tracker = tr
	p, err := loadProject(library)
	if err != nil {
		return err
	}
	tpl, err := loadTemplate(p, f.template)
	if err != nil {
		return err
	}
	r.Project, r.Template = p, tpl
	if err := f.check(r, library, smtp, stderr); err != nil {
		return err
	}

	if err := r.Open(); err != nil {
		return batchError(err)
	}
	defer r.Close()
	// Everything a user may have mistyped is checked before run.json
	// binds the directory to this run, which Run writes once the store is
	// open.
	src, err := openSource(f.recipients)
	if err != nil {
		return err
	}
	defer src.Close()
	r.Source = src.r
	store, err := openStore(f.store, f.ownStore)
	if err != nil {
		return err
	}
	defer store.Close()
	r.Store = store
	if smtp != nil {
		sender, err := send.New(*smtp)
		if err != nil {
			return usage("--smtp: %v", err)
		}
		defer sender.Close()
		r.Sink = batch.SMTP(sender)
	}

	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// A run allocates per recipient and keeps little (a live heap of
		// 7–25 MB): collecting at 5× the live heap, or when the process's
		// Go memory reaches batchMemLimit, runs the GC a third as often
		// as the default (its CPU share ~4% → ~2%), and the limit keeps
		// the heap flat however many recipients come. The environment
		// wins.
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(batchMemLimit)
	}
	bar := startProgress(progress, src, r, time.Now())
	rep, err := r.Run(ctx)
	bar.stop(err == nil)
	if err != nil {
		return batchError(err)
	}
	summarize(stdout, f.out, rep)
	if rep.Totals.Rejected > 0 {
		return errSilent(exitRejected)
	}
	return nil
}

// check validates the flags the runner needs, with their defaults, and
// names the run for run.json.
func (f *batchFlags) check(r *batch.Runner, library string, smtp *send.Config, stderr io.Writer) error {
	warn := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	switch {
	case f.campaign == "":
		return usage("--campaign must not be empty")
	case strings.ContainsAny(f.campaign, "\r\n\x00"):
		return usage("--campaign %q holds a control character", f.campaign)
	case f.out == "":
		return usage("--out must name a directory")
	case f.recipients == "":
		return usage("--recipients must name a file")
	case smtp != nil && r.Template.From() == "":
		return invalid(fmt.Errorf("%s has no from: in its front matter, which sending over SMTP needs", f.template))
	}
	switch f.format {
	case "eml", "html", "json":
		r.Format = campaign.Format(f.format)
	case "":
		r.Format = campaign.EML
	default:
		return usage("--format must be eml, html or json, not %q", f.format)
	}
	switch {
	case f.pack < 0:
		return usage("--pack must be at least 1 message a part (or left out for one file per message)")
	case f.pack > 0 && smtp != nil:
		return usage("--pack writes part files; --smtp sends the messages: give one or the other")
	}
	if smtp != nil && r.Format != campaign.EML {
		return usage("--format %s cannot be sent: SMTP sends eml (leave --format out)", f.format)
	}
	if f.store == "" {
		f.store, f.ownStore = storeURL("", library)
		// Runs started before the library had a store of its own counted
		// in OUT/state.db: such a run is completed there.
		if old := "bolt:" + filepath.Join(f.out, "state.db"); batch.RecordedStore(f.out) == storeID(old) {
			f.store, f.ownStore = old, false
		}
	}
	if r.Shard.N > 1 && strings.HasPrefix(f.store, "bolt:") {
		warn("warning: --shard with the embedded store %s: bbolt admits one process at a time, so shards wait for each other or fail; give every shard --store redis://HOST:PORT/DB", strings.TrimPrefix(f.store, "bolt:"))
	}
	switch {
	case strings.HasPrefix(f.store, "bolt:"), strings.HasPrefix(f.store, "redis://"), strings.HasPrefix(f.store, "rediss://"):
	case strings.HasPrefix(f.store, "memory:"):
		return usage("--store memory: forgets caps and decisions when the run ends, so a re-run would count them again; use bolt:PATH or redis://HOST:PORT/DB")
	default:
		return usage("--store %q: use bolt:PATH or redis://HOST:PORT/DB", f.store)
	}
	if r.Shard.N > 1 && r.At.IsZero() {
		warn("warning: --shard without --at: each shard decides at the time it starts; give every shard the same --at so they decide as one run would")
	}
	if f.workers < 0 {
		return usage("--workers must be at least 1")
	}
	if f.workers == 0 && smtp != nil {
		conns := smtp.Conns
		if conns == 0 {
			conns = 4
		}
		r.Workers = max(runtime.NumCPU(), 2*conns)
	}
	r.Describe = batch.Description{
		Template: absPath(f.template), Recipients: absPath(f.recipients), Store: storeID(f.store), Delivery: "files",
	}
	if smtp != nil {
		r.Describe.Delivery, r.Describe.Server = "smtp", smtpHost(f.smtp)
	}
	return nil
}

// runFlags names the flag behind each field of a run that DirError says
// differs from the recorded one.
var runFlags = map[string]string{
	"campaign": "--campaign", "name": "--name", "template": "--template", "recipients": "--recipients",
	"format": "--format", "pack": "--pack", "delivery": "delivery (--smtp)", "seed": "--seed", "shard": "--shard",
	"store": "--store", "strict": "--strict",
}

// batchError picks the exit code of a failed run and words it in flags.
func batchError(err error) error {
	var de *batch.DirError
	if errors.As(err, &de) {
		switch {
		case de.Reason == batch.DirBusy:
			// A run in progress: the same command, later, completes it.
			return failed(fmt.Errorf("%s is in use by another mailpreview batch; wait for it to end, or use another --out; run the same command again to complete the run", de.Dir))
		case de.Reason == batch.DirForeign:
			return usage("%s holds %s but no run.json: give --out a new or empty directory", de.Dir, de.Entry)
		case de.Reason == batch.DirVersion:
			return usage("%s is not a run description of this version of mailpreview; use another --out", de.Entry)
		case de.Field == "at":
			return usage("%s: this run decides at %s, not --at %s; leave --at out to complete it, or use another --out", de.Entry, de.Have, de.Want)
		}
		return usage("%s belongs to a run with %s %q, not %q: repeat that run's flags to complete it, or use another --out",
			de.Dir, runFlags[de.Field], de.Have, de.Want)
	}
	switch {
	case errors.Is(err, batch.ErrInput), errors.Is(err, decide.ErrLibraryChanged):
		return invalid(err)
	case errors.Is(err, batch.ErrStoreLost):
		return failed(fmt.Errorf("%w; restore the store this run used (--store) and run the same command again, or start the campaign anew in a new --out", err))
	case errors.Is(err, batch.ErrInterrupted):
		return failed(errors.New("interrupted: run the same command again to complete"))
	case errors.Is(err, capstore.ErrLocked):
		return storeError(err)
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
	if r.Attempts > 1 && r.Attempt.Recipients == 0 {
		// A re-run of a finished run: nothing was left to do.
		fmt.Fprintf(w, "%s: already complete: %d messages %s, %d rejected", r.Campaign, n, verb, r.Totals.Rejected)
		if r.Totals.Rejected > 0 {
			fmt.Fprintf(w, " (see %s/rejects.ndjson)", out)
		}
		fmt.Fprintf(w, "; nothing to do this attempt; report %s/report.json\n", out)
		return
	}
	fmt.Fprintf(w, "%s: %d messages %s, %d rejected", r.Campaign, n, verb, r.Totals.Rejected)
	if r.Totals.Unknown > 0 {
		fmt.Fprintf(w, " (%d unknown: sent without the server's answer; --resend-unknown sends them again)", r.Totals.Unknown)
	}
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

func absPath(p string) string {
	if p == "-" || p == "" {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// storeID names a store without its password, bolt files by absolute path.
func storeID(raw string) string {
	if path, ok := strings.CutPrefix(raw, "bolt:"); ok {
		return "bolt:" + absPath(path)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}
