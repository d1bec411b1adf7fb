package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/diag"
	"github.com/spf13/cobra"
)

func newFeedback(g *global) *cobra.Command {
	var events, storeFlag string
	cmd := &cobra.Command{
		Use:   "feedback --events FILE",
		Short: "Import impression and click events for learned ranking (model:<id>)",
		Long: `feedback reads NDJSON events, one per line:

  {"type": "impression" | "click", "token": "<tracking token>", "time": "<RFC 3339>"}

and adds them to the impressions and clicks of each offer in each placement,
which rank: model:<id> samples from. Tokens are the {{token}} of offer content.
Importing the same file twice counts it once. Bad lines are reported with their
line numbers and skipped; the exit code is then 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "events"); err != nil {
				return err
			}
			data, err := os.ReadFile(events)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return invalid(fmt.Errorf("events file %s not found", events))
				}
				return failed(err)
			}
			deltas, rejects, n := readEvents(events, data)
			for _, r := range rejects {
				fmt.Fprintln(cmd.ErrOrStderr(), r)
			}
			store, err := openStore(storeURL(storeFlag, g.library))
			if err != nil {
				return err
			}
			defer store.Close()
			sum := sha256.Sum256(data)
			counters := make([]decide.Counter, 0, len(deltas))
			for _, key := range slices.Sorted(maps.Keys(deltas)) {
				counters = append(counters, decide.Counter{Key: key, N: deltas[key], Limit: math.MaxInt64})
			}
			record, _ := json.Marshal(map[string]any{"file": events, "events": n})
			// The ledger makes the import idempotent: one reservation per
			// file content, replayed (and not counted) when seen again.
			outcomes, err := store.Reserve(cmd.Context(), []decide.Reservation{{
				Campaign: "feedback", Recipient: hex.EncodeToString(sum[:16]), Counters: counters, Record: record,
			}})
			if err != nil {
				return failed(err)
			}
			out := cmd.OutOrStdout()
			if outcomes[0].Status == decide.Replayed {
				fmt.Fprintf(out, "%s was already imported; nothing counted\n", events)
			} else {
				fmt.Fprintf(out, "imported %d events (%d offer×placement counters) from %s\n", n, len(counters), events)
			}
			if len(rejects) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d line(s) rejected\n", len(rejects))
				return errSilent(exitRejected)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&events, "events", "", "events `FILE` (NDJSON)")
	cmd.Flags().StringVar(&storeFlag, "store", "", "store `URL`: bolt:PATH or redis://HOST:PORT/DB; default $OFFERMAIL_STORE, else bolt:LIBRARY/.offermail/state.db")
	return cmd
}

type event struct {
	Type  string `json:"type"`
	Token string `json:"token"`
	Time  string `json:"time"`
}

// readEvents sums the events of an NDJSON file per feedback counter; bad
// lines come back as messages naming the file and line.
func readEvents(name string, data []byte) (deltas map[string]int64, rejects []string, n int) {
	deltas = map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			continue
		}
		lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
		col := 1
		reject := func(format string, args ...any) {
			rejects = append(rejects, fmt.Sprintf("%s:%d:%d: %s", name, line, col, fmt.Sprintf(format, args...)))
		}
		var e event
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				// Offset counts the bytes read, the bad one included;
				// columns count characters (package diag).
				col = diag.Column(raw, lead+int(syn.Offset)-1)
			}
			reject("malformed event: %v", err)
			continue
		}
		if _, err := dec.Token(); err != io.EOF {
			reject("one JSON object per line, please")
			continue
		}
		if e.Type != "impression" && e.Type != "click" {
			reject("type %q is not impression or click", e.Type)
			continue
		}
		t, err := decide.ParseToken(e.Token)
		if err != nil {
			reject("token %q: %v", e.Token, err)
			continue
		}
		if e.Time != "" {
			if _, err := time.Parse(time.RFC3339, e.Time); err != nil {
				reject("time %q is not RFC 3339", e.Time)
				continue
			}
		}
		deltas[decide.FeedbackKey(e.Type, t.Offer, t.Placement)]++
		n++
	}
	if err := sc.Err(); err != nil {
		rejects = append(rejects, fmt.Sprintf("%s:%d:1: %v", name, line+1, err))
	}
	return deltas, rejects, n
}
