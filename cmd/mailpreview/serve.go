package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/offermail/offermail/cmd/mailpreview/internal/preview"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/track"
	"github.com/spf13/cobra"
)

// defaultAddr is where serve listens unless told otherwise: this machine
// only, since the page shows profiles.
const defaultAddr = "127.0.0.1:8025"

func newServe(g *global) *cobra.Command {
	var templates, profiles, addr, storeFlag, at, campaignID, seed string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the designers' live preview on http://" + defaultAddr + "/ (dry run)",
		Long: `serve starts the designers' preview: a local page listing the templates, with a
profile picker and editor, a decision-time picker, the rendered email at desktop
and mobile widths, its plain text, MIME and decisions, and beside it why each
offer was chosen. Saving a template, partial, layout, library or profile file
updates the page by itself; errors show in the page with file:line:col.

It listens on ` + defaultAddr + ` (this machine only) unless --addr says otherwise,
never writes counters (the store of real runs is read, for caps and learned
ranking: --store, else $OFFERMAIL_STORE, else LIBRARY/.offermail/state.db when
it exists), and serves nothing but the page and the files of the directories
it was given.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, errOut := cmd.Context(), cmd.ErrOrStderr()
			var defaultAt time.Time
			if at != "" {
				t, err := decisionTime(at)
				if err != nil {
					return err
				}
				defaultAt = t
			}
			cfg := preview.Config{
				Templates: templates, Library: g.library, Profiles: profiles,
				Campaign: render.Campaign{ID: campaignID, Name: campaignID}, Seed: seed,
				// Now is read by the server at each request without --at:
				// the page's "now" is the time of the request.
				At: defaultAt, Now: time.Now,
				Log: errOut,
			}
			if url := readStoreURL(storeFlag, g.library); url != "" {
				counts, stats, closeStore, err := previewStore(url)
				if err != nil {
					return err
				}
				defer closeStore()
				cfg.Counts, cfg.Stats = counts, stats
			}
			loopback, err := isLoopback(addr)
			if err != nil {
				return usage("--addr %q: %v", addr, err)
			}
			cfg.AnyHost = !loopback
			srv, err := preview.New(cfg)
			if err != nil {
				return invalid(err)
			}
			defer srv.Close()
			if err := srv.Watch(); err != nil {
				return failed(fmt.Errorf("watch files: %w", err))
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return failed(fmt.Errorf("%w (choose another address with --addr)", err))
			}
			if !loopback {
				fmt.Fprintf(errOut, "warning: listening on %s, which other machines can reach: anyone who can connect sees the templates and profiles\n", ln.Addr())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "mailpreview: preview on http://%s/ (templates %s, library %s, profiles %s); Ctrl-C stops it\n",
				browseAddr(ln.Addr()), templates, g.library, profiles)
			hs := srv.HTTPServer(preview.DefaultTimeouts)
			served := make(chan error, 1)
			go func() { served <- hs.Serve(ln) }()
			select {
			case err := <-served:
				return failed(fmt.Errorf("serve: %w", err))
			case <-ctx.Done():
			}
			// Event streams end first, or Shutdown would wait for them.
			srv.Close()
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(stop); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return failed(fmt.Errorf("shut down: %w", err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&templates, "templates", "templates", "templates `DIR`")
	f.StringVar(&profiles, "profiles", "testdata/profiles", "profiles `DIR` (one recipient per *.json file)")
	f.StringVar(&addr, "addr", defaultAddr, "listen `ADDRESS`; other machines can reach any but a loopback one")
	f.StringVar(&storeFlag, "store", "", "read cap counters and feedback from this store `URL` (never written); default $OFFERMAIL_STORE, else the library's own store when it exists")
	f.StringVar(&at, "at", "", "default decision `TIME` (RFC 3339), which the page can change; default: now, at each request")
	f.StringVar(&campaignID, "campaign", "preview", "campaign `ID` (for tracking tokens and ties)")
	f.StringVar(&seed, "seed", "", "tie-break `SEED`; default: the campaign id")
	return cmd
}

// readStoreURL is the store the preview and simulate read: the one real
// runs of the library count in (--store, $OFFERMAIL_STORE, or the
// library's own), or none while the library has no store yet, so that
// every counter reads 0.
func readStoreURL(flag, library string) string {
	url, own := storeURL(flag, library)
	if own {
		if _, err := os.Stat(libraryStore(library)); err != nil {
			return ""
		}
	}
	return url
}

// previewStore opens the store for reading counters, and the feedback
// learned ranking samples from: read per request at most once a second
// (track.Live), for the library as the page has it and windowed as of the
// page's decision time.
func previewStore(url string) (decide.Counts, func(context.Context, *decide.Library, time.Time) (decide.Stats, error), func(), error) {
	if strings.HasPrefix(url, "bolt:") {
		// Read without holding the file.
		r := reopeningCounts{url}
		return r, track.NewLive(r, 0, nil).Stats, func() {}, nil
	}
	store, err := capstore.Open(url, capstore.WithReadOnly())
	if err != nil {
		return nil, nil, nil, storeError(err)
	}
	return decide.StoreCounts(store), track.NewLive(store, 0, nil).Stats, func() { store.Close() }, nil
}

// isLoopback reports whether addr's host is this machine only. An empty
// host means every interface.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// browseAddr is the address to open in a browser: a wildcard listener is
// reached through localhost.
func browseAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
}
