package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/api"
)

// defaultAPIAddr is where api listens unless told otherwise.
const defaultAPIAddr = "127.0.0.1:8026"

// Timeouts of the API's HTTP server: a slow or stalled client holds a
// connection for a bounded time, and shutdown waits a bounded time for
// requests in flight (Kubernetes' default grace period is 30s).
const (
	apiReadHeaderTimeout = 5 * time.Second
	apiReadTimeout       = 15 * time.Second
	apiWriteTimeout      = 30 * time.Second
	apiIdleTimeout       = 120 * time.Second
	apiShutdownTimeout   = 25 * time.Second
)

func newAPI(g *global) *cobra.Command {
	var templates, addr, storeFlag, keysFile, campaignID string
	var tf trackFlags
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the decisioning API on http://" + defaultAPIAddr + "/ (counts decisions)",
		Long: `api serves offers decided at request time (SPEC §9): POST /v1/decisions and
POST /v1/messages, with /healthz, /readyz and /metrics. Decisions count their
cap events in the store, as batch runs do, unless a request says dryRun; many
replicas may share one Redis store, and total caps stay exact across them.

Every /v1/ request needs Authorization: Bearer KEY, KEY one line of --keys FILE
or one of the comma-separated OFFERMAIL_API_KEYS. Without keys the service
listens only on a loopback address.

The library and templates are reloaded when they change, or on SIGHUP (which
also re-reads --keys); a version that does not load keeps the last good one
serving and shows in /readyz and the log. SIGTERM stops accepting, finishes
the requests in flight, flushes the store and exits 0.

The store defaults to bolt:LIBRARY/.offermail/state.db (OFFERMAIL_STORE
overrides it, --store both); bbolt allows one process at a time, so replicas
need --store redis://HOST:PORT/DB.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			keys, err := apiKeys(keysFile, os.Getenv("OFFERMAIL_API_KEYS"))
			if err != nil {
				return err
			}
			tracker, err := tf.tracker()
			if err != nil {
				return err
			}
			loopback, err := isLoopback(addr)
			if err != nil {
				return usage("--addr %q: %v", addr, err)
			}
			if !loopback && len(keys) == 0 {
				return usage("--addr %s is reachable from other machines: give API keys with --keys FILE or OFFERMAIL_API_KEYS, or listen on 127.0.0.1", addr)
			}
			if st, err := os.Stat(g.library); err != nil || !st.IsDir() {
				return invalid(fmt.Errorf("library directory %s not found (set it with --library DIR)", g.library))
			}
			if st, err := os.Stat(templates); err != nil || !st.IsDir() {
				if cmd.Flags().Changed("templates") {
					return invalid(fmt.Errorf("templates directory %s not found (set it with --templates DIR)", templates))
				}
				// The default is relative to where the service runs;
				// decisions need no templates.
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: no templates directory %s: /v1/messages knows no template (set one with --templates DIR)\n", templates)
				templates = ""
			}
			store, err := openStore(storeURL(storeFlag, g.library))
			if err != nil {
				return err
			}
			// Closed last: the batcher flushes what is queued.
			defer store.Close()

			if os.Getenv("GOGC") == "" {
				// A service allocates per request and keeps little:
				// collecting less often saves CPU for some memory. GOGC
				// in the environment wins.
				debug.SetGCPercent(400)
			}
			logs := newLogWriter(cmd.ErrOrStderr(), apiLogFlush)
			defer logs.Close()
			logger := slog.New(slog.NewJSONHandler(logs, nil))
			svc, err := api.New(ctx, api.Config{
				Library: g.library, Templates: templates, Store: store, Campaign: campaignID, Keys: keys, Logger: logger,
				Tracker: tracker,
			})
			if err != nil {
				return invalid(err)
			}
			defer svc.Close()
			if err := svc.Watch(); err != nil {
				return failed(fmt.Errorf("watch files: %w", err))
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return failed(fmt.Errorf("%w (choose another address with --addr)", err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "mailpreview: api on http://%s/ (library %s, templates %s, %d API keys); SIGTERM or Ctrl-C stops it\n",
				browseAddr(ln.Addr()), g.library, templates, len(keys))
			hs := &http.Server{
				Handler:           svc,
				ReadHeaderTimeout: apiReadHeaderTimeout,
				ReadTimeout:       apiReadTimeout,
				WriteTimeout:      apiWriteTimeout,
				IdleTimeout:       apiIdleTimeout,
				MaxHeaderBytes:    64 << 10,
				ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			}
			served := make(chan error, 1)
			go func() { served <- hs.Serve(ln) }()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			for running := true; running; {
				select {
				case err := <-served:
					return failed(fmt.Errorf("serve: %w", err))
				case <-hup:
					if keysFile != "" {
						if k, err := apiKeys(keysFile, os.Getenv("OFFERMAIL_API_KEYS")); err != nil {
							logger.Error("re-read API keys; the old ones stay", "error", err.Error())
						} else {
							svc.SetKeys(k)
						}
					}
					svc.Reload(context.Background())
				case <-ctx.Done():
					running = false
				}
			}
			logger.Info("shutting down: finishing the requests in flight")
			svc.Drain()
			stop, cancel := context.WithTimeout(context.Background(), apiShutdownTimeout)
			defer cancel()
			if err := hs.Shutdown(stop); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return failed(fmt.Errorf("shut down: %w", err))
			}
			logger.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", defaultAPIAddr, "listen `ADDRESS`; one other machines can reach needs API keys")
	f.StringVar(&templates, "templates", "templates", "templates `DIR` for /v1/messages")
	f.StringVar(&storeFlag, "store", "", "counters and ledger `URL`: bolt:PATH or redis://HOST:PORT/DB; default $OFFERMAIL_STORE, else bolt:LIBRARY/.offermail/state.db")
	f.StringVar(&keysFile, "keys", "", "API keys `FILE`, one key a line (also $OFFERMAIL_API_KEYS, comma-separated)")
	f.StringVar(&campaignID, "campaign", api.DefaultCampaign, "campaign `ID` of requests that name none")
	tf.add(cmd, true)
	return cmd
}

// apiKeys reads the keys of a keys file (one a line; blank lines and lines
// starting with # are skipped) and of the environment (comma-separated).
func apiKeys(file, env string) ([]string, error) {
	var keys []string
	for k := range strings.SplitSeq(env, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if file == "" {
		return keys, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, usage("--keys: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		k := strings.TrimSpace(sc.Text())
		if k == "" || strings.HasPrefix(k, "#") {
			continue
		}
		keys = append(keys, k)
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, usage("--keys %s: %v", file, err)
	}
	if n == 0 {
		return nil, usage("--keys %s holds no key (one key a line)", file)
	}
	return keys, nil
}
