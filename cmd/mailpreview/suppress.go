package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/decide"
)

// maxSuppressIDs bounds the recipients one suppress command reads from
// standard input, so a wrong file piped in is refused rather than held.
const maxSuppressIDs = 10_000_000

func newSuppress(g *global) *cobra.Command {
	var add, remove []string
	var list bool
	var reason, storeFlag string
	cmd := &cobra.Command{
		Use:   "suppress --add ID... | --remove ID... | --list",
		Short: "Manage the store's suppression list: recipients real runs never write to",
		Long: `suppress manages the suppression list of the store (SPEC §10): recipients who
unsubscribed with the one-click link of a message (the api's /t/u/ route puts
them there), or whom you add by hand, e.g. after a hard bounce. Batch runs skip
them with a reject of stage "suppressed"; /v1/messages answers 409.

  --add ID      put a recipient id on the list (repeat the flag for more; - reads
                ids from standard input, one a line)
  --remove ID   take one off (likewise)
  --list        print the list as NDJSON: {"recipient", "time", "reason"}

The store is --store, else $OFFERMAIL_STORE, else the library's own
(bolt:LIBRARY/.offermail/state.db).`,
		Example: `  mailpreview suppress --add u-0042 --add u-0107
  cut -d, -f1 bounces.csv | mailpreview suppress --add -
  mailpreview suppress --remove u-0042
  mailpreview suppress --list --store redis://127.0.0.1:6379/0`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			modes := 0
			for _, on := range []bool{len(add) > 0, len(remove) > 0, list} {
				if on {
					modes++
				}
			}
			if modes != 1 {
				return usage("suppress needs one of --add ID, --remove ID or --list")
			}
			if strings.ContainsAny(reason, "\r\n") {
				return usage("--reason must be one line")
			}
			in := cmd.InOrStdin()
			var err error
			if add, err = expandIDs(add, in); err != nil {
				return err
			}
			if remove, err = expandIDs(remove, in); err != nil {
				return err
			}
			store, err := openStore(storeURL(storeFlag, g.library))
			if err != nil {
				return err
			}
			defer store.Close()
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			switch {
			case list:
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				err = store.Suppressions(ctx, func(e decide.Suppression) error { return enc.Encode(e) })
			case len(add) > 0:
				now := time.Now().UTC().Truncate(time.Second)
				entries := make([]decide.Suppression, len(add))
				for i, id := range add {
					entries[i] = decide.Suppression{Recipient: id, Time: now, Reason: reason}
				}
				var n int
				if n, err = store.Suppress(ctx, entries); err == nil {
					fmt.Fprintf(out, "suppressed %d recipient(s); %d already were\n", n, len(add)-n)
				}
			default:
				var n int
				if n, err = store.Unsuppress(ctx, remove); err == nil {
					fmt.Fprintf(out, "took %d recipient(s) off the list; %d were not on it\n", n, len(remove)-n)
				}
			}
			if err != nil {
				return failed(err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&add, "add", nil, "put recipient `ID` on the list (- reads ids from standard input)")
	f.StringArrayVar(&remove, "remove", nil, "take recipient `ID` off the list (- reads ids from standard input)")
	f.BoolVar(&list, "list", false, "print the list as NDJSON")
	f.StringVar(&reason, "reason", "manual", "why the recipients are added, kept with each entry")
	f.StringVar(&storeFlag, "store", "", "store `URL`: bolt:PATH or redis://HOST:PORT/DB; default $OFFERMAIL_STORE, else bolt:LIBRARY/.offermail/state.db")
	return cmd
}

// expandIDs replaces "-" by the ids of in, one a line (blank lines
// skipped), and checks every id.
func expandIDs(ids []string, in io.Reader) ([]string, error) {
	var out []string
	for _, id := range ids {
		if id != "-" {
			out = append(out, id)
			continue
		}
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		line := 0
		for sc.Scan() {
			line++
			if s := strings.TrimSpace(sc.Text()); s != "" {
				if len(out) >= maxSuppressIDs {
					return nil, usage("standard input: more than %d ids", maxSuppressIDs)
				}
				out = append(out, s)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, usage("standard input:%d: %v", line+1, err)
		}
	}
	for _, id := range out {
		if id == "" || strings.ContainsAny(id, "\r\n\x00") || len(id) > 4096 {
			return nil, usage("recipient id %q: want 1 to 4096 bytes without line breaks or NUL", id)
		}
	}
	return out, nil
}
