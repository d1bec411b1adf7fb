package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	Pack         int       `json:"pack,omitempty"`
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

// newMeta describes the run r asks for, at time now.
func (r *Runner) newMeta(now time.Time) runMeta {
	at := r.At
	if at.IsZero() {
		// The wall clock, once, at the start of the run (§4.2).
		at = now.UTC().Truncate(time.Second)
	}
	return runMeta{
		Version: 1, Campaign: r.Campaign.ID, Name: r.Campaign.Name,
		Template: r.Describe.Template, Recipients: r.Describe.Recipients,
		Format: string(r.Format), Pack: r.Pack, Delivery: r.Describe.Delivery, SMTP: r.Describe.Server, DecisionTime: at.UTC(), Seed: r.Seed, Strict: r.Strict,
		Shard: r.Shard.String(), Store: r.Describe.Store, Started: now.UTC(),
	}
}

// prepareMeta describes a new run in out, or checks that want continues
// the run recorded there and counts the attempt; at is the decision time
// asked for (zero: any). The caller writes it once the store is open.
func prepareMeta(out string, want runMeta, at time.Time) (runMeta, error) {
	path := filepath.Join(out, metaFile)
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
		return runMeta{}, &DirError{Dir: out, Reason: DirVersion, Entry: path}
	}
	if !at.IsZero() && !at.Equal(have.DecisionTime) {
		return runMeta{}, &DirError{Dir: out, Reason: DirMismatch, Entry: path, Field: "at",
			Have: have.DecisionTime.Format(time.RFC3339), Want: at.UTC().Format(time.RFC3339)}
	}
	for _, f := range []struct{ name, have, want string }{
		{"campaign", have.Campaign, want.Campaign},
		{"name", have.Name, want.Name},
		{"template", have.Template, want.Template},
		{"recipients", have.Recipients, want.Recipients},
		{"format", have.Format, want.Format},
		{"pack", fmt.Sprint(have.Pack), fmt.Sprint(want.Pack)},
		{"delivery", have.Delivery, want.Delivery},
		{"seed", have.Seed, want.Seed},
		{"shard", have.Shard, want.Shard},
		{"store", have.Store, want.Store},
		{"strict", fmt.Sprint(have.Strict), fmt.Sprint(want.Strict)},
	} {
		if f.have != f.want {
			return runMeta{}, &DirError{Dir: out, Reason: DirMismatch, Entry: path, Field: f.name, Have: f.have, Want: f.want}
		}
	}
	have.Attempts++
	have.SMTP = want.SMTP
	return have, nil
}

// mustBeFresh refuses to start a run in a directory holding other things,
// such as a mistyped run directory pointing at a home directory.
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
		return &DirError{Dir: out, Reason: DirForeign, Entry: e.Name()}
	}
	return nil
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

// RecordedStore returns the store that the run in dir recorded in its
// run.json (without a password), or "" when dir holds no run. A command
// whose default store changed uses it to complete a run on the store it
// started on, instead of counting the rest of it elsewhere.
func RecordedStore(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return ""
	}
	var m runMeta
	if json.Unmarshal(data, &m) != nil || m.Version != 1 {
		return ""
	}
	return m.Store
}
