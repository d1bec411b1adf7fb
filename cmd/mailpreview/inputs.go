package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/campaign/snapshot"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
	"github.com/spf13/pflag"
)

// loadProject loads the library and compiles its offer content; errors are
// invalid input.
func loadProject(dir string) (*campaign.Project, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, invalid(fmt.Errorf("library directory %s not found (set it with --library DIR)", dir))
	}
	p, err := campaign.Load(dir)
	if err != nil {
		return nil, invalid(err)
	}
	return p, nil
}

// loadMatrix loads what lint and snapshot run over, every template ×
// profile: the library, every template of templates (all of them loading,
// or none: a partly broken set would be reported as stale) and the
// profiles; errors are invalid input.
func loadMatrix(library, templates, profiles string) (*campaign.Project, *render.Set, []snapshot.Profile, error) {
	if st, err := os.Stat(templates); err != nil || !st.IsDir() {
		return nil, nil, nil, invalid(fmt.Errorf("templates directory %s not found (set it with --templates DIR)", templates))
	}
	if st, err := os.Stat(profiles); err != nil || !st.IsDir() {
		return nil, nil, nil, invalid(fmt.Errorf("profiles directory %s not found (set it with --profiles DIR)", profiles))
	}
	p, err := loadProject(library)
	if err != nil {
		return nil, nil, nil, err
	}
	set, err := p.LoadTemplates(templates)
	if err != nil {
		return nil, nil, nil, invalid(err)
	}
	profs, err := snapshot.ReadProfiles(profiles)
	if err != nil {
		return nil, nil, nil, invalid(err)
	}
	return p, set, profs, nil
}

// decisionTime parses --at, or takes the wall clock once, at the start of
// the run, so every recipient shares one decision time (§4.2).
func decisionTime(at string) (time.Time, error) {
	if at == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, usage("--at %q is not an RFC 3339 time such as 2026-12-01T09:00:00Z", at)
	}
	return t.UTC(), nil
}

// readRecipient reads a profile file, and a context file over its context.
func readRecipient(profile, contextFile string) (render.Recipient, error) {
	rec, err := recipients.ReadProfile(profile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return render.Recipient{}, invalid(fmt.Errorf("profile file %s not found", profile))
		}
		return render.Recipient{}, invalid(err)
	}
	r := campaign.Recipient(rec)
	if contextFile != "" {
		data, err := os.ReadFile(contextFile)
		if err != nil {
			return r, invalid(fmt.Errorf("context file: %v", err))
		}
		var ctx map[string]any
		if err := json.Unmarshal(data, &ctx); err != nil {
			return r, invalid(fmt.Errorf("%s: the context file must hold one JSON object: %v", contextFile, err))
		}
		if r.Context == nil {
			r.Context = map[string]any{}
		}
		for k, v := range ctx {
			r.Context[k] = v
		}
	}
	return r, nil
}

// dryCounts opens the store named by --store read-only, for counters and
// feedback, or none: a dry run without a store reads every counter as 0.
func dryCounts(ctx context.Context, url string, lib *decide.Library, at time.Time) (decide.Counts, decide.Stats, func(), error) {
	if url == "" {
		return nil, nil, func() {}, nil
	}
	store, err := capstore.Open(url, capstore.WithReadOnly())
	if err != nil {
		return nil, nil, nil, storeError(err)
	}
	stats, err := decide.LoadStats(ctx, store, lib, at)
	if err != nil {
		store.Close()
		return nil, nil, nil, failed(err)
	}
	return decide.StoreCounts(store), stats, func() { store.Close() }, nil
}

// reopeningCounts reads counters from a bbolt store by opening it for each
// read: even read-only, an open bbolt file holds a lock that keeps a real
// run (batch) out, and a preview server lives for hours.
type reopeningCounts struct{ url string }

func (c reopeningCounts) Count(ctx context.Context, key string) (int64, error) {
	v, err := c.Counts(ctx, []string{key})
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// Counts reads many counters in one opening (decide.CounterReader, for
// the statistics of learned ranking).
func (c reopeningCounts) Counts(ctx context.Context, keys []string) ([]int64, error) {
	store, err := capstore.Open(c.url, capstore.WithReadOnly(), capstore.WithLockTimeout(5*time.Second))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return store.Counts(ctx, keys)
}

// writeJSON prints v as indented JSON.
func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// dryRunFlags are the flags of the commands that decide one profile
// without counting anything (decide, render).
type dryRunFlags struct {
	profile, context, at, seed, campaign, store string
}

func (d *dryRunFlags) add(f *pflag.FlagSet) {
	f.StringVar(&d.profile, "profile", "", "profile `FILE` (one recipient record as a JSON object)")
	f.StringVar(&d.context, "context", "", "context `FILE` (a JSON object merged over the profile's context)")
	f.StringVar(&d.at, "at", "", "decision `TIME` (RFC 3339); default: now")
	f.StringVar(&d.seed, "seed", "", "tie-break `SEED`; default: the campaign id")
	f.StringVar(&d.campaign, "campaign", "preview", "campaign `ID` (for tracking tokens, and ties when --seed is not set)")
	f.StringVar(&d.store, "store", "", "read counters from this store `URL` (bolt:PATH or redis://HOST:PORT/DB), never writing them; default: none, every counter reads 0")
}

// dryRun is what decide and render have read before deciding one profile.
type dryRun struct {
	project   *campaign.Project
	recipient render.Recipient
	opts      campaign.Options
	close     func()
}

// load reads the library, then lets the command check its own arguments
// against it (a scope, a template) before the profile is read, and opens
// the store read-only. The caller must call close.
func (d *dryRunFlags) load(ctx context.Context, library string, check func(*campaign.Project) error) (*dryRun, error) {
	now, err := decisionTime(d.at)
	if err != nil {
		return nil, err
	}
	p, err := loadProject(library)
	if err != nil {
		return nil, err
	}
	if err := check(p); err != nil {
		return nil, err
	}
	r, err := readRecipient(d.profile, d.context)
	if err != nil {
		return nil, err
	}
	counts, stats, closeStore, err := dryCounts(ctx, d.store, p.Library, now)
	if err != nil {
		return nil, err
	}
	return &dryRun{project: p, recipient: r, close: closeStore, opts: campaign.Options{
		Campaign: render.Campaign{ID: d.campaign, Name: d.campaign}, Seed: d.seed, Now: now, Counts: counts, Stats: stats,
	}}, nil
}
