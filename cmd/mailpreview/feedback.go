package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/track"
)

func newFeedback(g *global) *cobra.Command {
	var events, storeFlag string
	var tf trackFlags
	cmd := &cobra.Command{
		Use:   "feedback --events FILE",
		Short: "Import impression and click events for learned ranking (model:<id>)",
		Long: `feedback reads events, NDJSON (one a line) or one JSON array:

  {"id"?: "<event id>", "type": "impression" | "click", "token": "<tracking token>", "time"?: "<RFC 3339>"}

and counts them in the store's impressions and clicks of each offer in each
placement, which rank: model:<id> samples from. Tokens are the {{token}} of offer
content; with a secret (--secret-file or $OFFERMAIL_SECRET, the one the campaign
was run with) only sealed tokens are taken. Each event counts once, whatever
brings it again — this file imported twice or grown by a line, the api's
click and open routes, POST /v1/events: by its id, else by its type and token
(a recipient's repeated opens or clicks of one offer count once). Bad lines are
reported with file:line:col and skipped; the exit code is then 3.`,
		Example: `  mailpreview feedback --events testdata/events/sample.ndjson
  OFFERMAIL_SECRET=$(cat secret) mailpreview feedback --events clicks.ndjson --store redis://127.0.0.1:6379/0`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "events"); err != nil {
				return err
			}
			tr, err := tf.tracker()
			if err != nil {
				return err
			}
			f, err := os.Open(events)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return invalid(fmt.Errorf("events file %s not found", events))
				}
				return failed(err)
			}
			defer f.Close()
			store, err := openStore(storeURL(storeFlag, g.library))
			if err != nil {
				return err
			}
			defer store.Close()
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			rec := &track.Recorder{Store: store}
			var pending []track.Event
			var counted, dups, future, bad int
			flush := func() error {
				if len(pending) == 0 {
					return nil
				}
				st, err := rec.Record(cmd.Context(), pending)
				if err != nil {
					return failed(err)
				}
				c, d, fu := track.Tally(st)
				counted, dups, future = counted+c, dups+d, future+fu
				pending = pending[:0]
				return nil
			}
			err = track.ReadEvents(f, events, tr, func(e track.Event) error {
				pending = append(pending, e)
				if len(pending) == feedbackBatch {
					return flush()
				}
				return nil
			}, func(e *track.EventError) {
				bad++
				fmt.Fprintln(errOut, e.Error.Error())
			})
			if err == nil {
				err = flush()
			}
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return invalid(err)
			}
			fmt.Fprintf(out, "%s: %d events counted, %d already counted", events, counted, dups)
			if future > 0 {
				fmt.Fprintf(out, ", %d refused (time more than a day ahead)", future)
			}
			fmt.Fprintln(out)
			if bad+future > 0 {
				fmt.Fprintf(errOut, "%d event(s) rejected\n", bad+future)
				return errSilent(exitRejected)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&events, "events", "", "events `FILE` (NDJSON or a JSON array)")
	cmd.Flags().StringVar(&storeFlag, "store", "", "store `URL`: bolt:PATH or redis://HOST:PORT/DB; default $OFFERMAIL_STORE, else bolt:LIBRARY/.offermail/state.db")
	tf.add(cmd, false)
	return cmd
}

// feedbackBatch is how many events are recorded per store round trip.
const feedbackBatch = 512
