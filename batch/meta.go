package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	metaFile      = "run.json"
	decisionsFile = "decisions.ndjson"
	rejectsFile   = "rejects.ndjson"
	reportFile    = "report.json"
	messagesDir   = "messages"
	tmpDir        = "tmp"
	lockFile      = ".lock"
)

// runMeta is OUT/run.json: what makes two attempts the same run. The
// first attempt writes it; later ones must match it, and take its
// decision time so that the whole run decides at one instant (§4.2).
type runMeta struct {
	Version      int       `json:"version"`
	Campaign     string    `json:"campaign"`
	Name         string    `json:"name"`
	Template     string    `json:"template"`
	Recipients   string    `json:"recipients"`
	Format       string    `json:"format"`
	Delivery     string    `json:"delivery"`
	SMTP         string    `json:"smtp,omitempty"` // the last attempt's server
	DecisionTime time.Time `json:"decision_time"`
	Seed         string    `json:"seed,omitempty"`
	Strict       bool      `json:"strict,omitempty"`
	Shard        string    `json:"shard,omitempty"`
	Store        string    `json:"store"`
	Started      time.Time `json:"started"`
	Attempts     int       `json:"attempts"`
}

// newMeta describes the run cfg asks for, at time now.
func newMeta(cfg *Config, now time.Time) runMeta {
	at := cfg.At
	if at.IsZero() {
		// The wall clock, once, at the start of the run (§4.2).
		at = now.UTC().Truncate(time.Second)
	}
	return runMeta{
		Version: 1, Campaign: cfg.Campaign.ID, Name: cfg.Campaign.Name,
		Template: absPath(cfg.TemplatePath), Recipients: absPath(cfg.Recipients),
		Format: cfg.Format, Delivery: cfg.delivery(), SMTP: cfg.SMTPDesc, DecisionTime: at.UTC(), Seed: cfg.Seed, Strict: cfg.Strict,
		Shard: cfg.Shard.String(), Store: storeID(cfg.Store), Started: now.UTC(),
	}
}

// prepareMeta describes a new run in out, or checks that cfg continues the
// run recorded there and counts the attempt. The caller writes it once the
// store is open, so that a mistyped store URL does not bind the directory.
func prepareMeta(out string, cfg *Config, now time.Time) (runMeta, error) {
	path := filepath.Join(out, metaFile)
	want := newMeta(cfg, now)
	data, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		if err := mustBeFresh(out); err != nil {
			return runMeta{}, err
		}
		want.Attempts = 1
		return want, nil
	case err != nil:
		return runMeta{}, fmt.Errorf("read %s: %w", path, err)
	}
	var have runMeta
	if err := json.Unmarshal(data, &have); err != nil || have.Version != 1 {
		return runMeta{}, usageErr("%s is not a run description of this version of mailpreview; use another --out", path)
	}
	if !cfg.At.IsZero() && !cfg.At.Equal(have.DecisionTime) {
		return runMeta{}, usageErr("%s: this run decides at %s, not --at %s; leave --at out to complete it, or use another --out",
			path, have.DecisionTime.Format(time.RFC3339), cfg.At.UTC().Format(time.RFC3339))
	}
	for _, f := range []struct{ name, have, want string }{
		{"--campaign", have.Campaign, want.Campaign},
		{"--name", have.Name, want.Name},
		{"--template", have.Template, want.Template},
		{"--recipients", have.Recipients, want.Recipients},
		{"--format", have.Format, want.Format},
		{"delivery (--smtp)", have.Delivery, want.Delivery},
		{"--seed", have.Seed, want.Seed},
		{"--shard", have.Shard, want.Shard},
		{"--store", have.Store, want.Store},
		{"--strict", fmt.Sprint(have.Strict), fmt.Sprint(want.Strict)},
	} {
		if f.have != f.want {
			return runMeta{}, usageErr("%s belongs to a run with %s %q, not %q: repeat that run's flags to complete it, or use another --out",
				out, f.name, f.have, f.want)
		}
	}
	have.Attempts++
	have.SMTP = want.SMTP
	return have, nil
}

// mustBeFresh refuses to start a run in a directory holding other things,
// such as the wrong --out pointing at a home directory.
func mustBeFresh(out string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("read %s: %w", out, err)
	}
	for _, e := range entries {
		switch e.Name() {
		case lockFile, tmpDir, messagesDir, "state.db":
			continue
		}
		if strings.HasPrefix(e.Name(), "."+metaFile+".") {
			continue // left by a crash while run.json was first written
		}
		return usageErr("%s holds %s but no %s: give --out a new or empty directory", out, e.Name(), metaFile)
	}
	return nil
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

// writeJSONFile replaces path atomically with v as indented JSON.
func writeJSONFile(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}

// writeFileAtomic writes data to a temporary file beside path, syncs it
// and renames it over path, so readers see the old or the new content.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return outputErr(err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return outputErr(err)
	}
	return nil
}

// outputErr explains a write that failed; a full disk is the usual cause.
func outputErr(err error) error {
	return fmt.Errorf("write output: %w", err)
}
