package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// Delivery is the delivery a simulation records in run.json and its report.
const Delivery = "simulate"

// Config is one simulation. Project, Template, Campaign, Source and Dir
// are required.
type Config struct {
	Project  *campaign.Project
	Template *render.Template
	Campaign render.Campaign
	Seed     string
	// At is the decision time; zero means Clock() at the start.
	At time.Time
	// Source yields the recipients, as for a batch run.
	Source recipients.Reader
	// Base is the store whose counters caps bind against; it is only read
	// (open it read-only). Nil simulates with every counter at 0.
	Base decide.Store
	// Describe names the template, recipients and store for run.json and
	// the report.
	Describe batch.Description
	// Dir is the output directory.
	Dir string
	// Workers render messages; 0 means one per CPU.
	Workers int
	// Clock is the wall clock; nil means time.Now.
	Clock func() time.Time
}

// Report is OUT/report.json: a batch report and what the simulation found.
type Report struct {
	*batch.Report
	Simulated bool `json:"simulated"`
	batch.Simulation
}

// ErrRealRun: the output directory holds a real run, which a simulation
// must not touch.
var ErrRealRun = errors.New("the directory holds a real run")

// Run simulates the campaign and writes its reports into cfg.Dir. Errors
// are the batch runner's (a *batch.DirError, batch.ErrInput,
// batch.ErrInterrupted, decide.ErrStoreUnavailable), or wrap ErrRealRun.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := clear(cfg.Dir); err != nil {
		return nil, err
	}
	base := cfg.Base
	if base == nil {
		base = capstore.NewMemory()
		defer base.Close()
	}
	store := capstore.NewOverlay(base)
	store.ForgetRecipients() // each recipient is reserved once
	defer store.Close()
	t := newTally(cfg.Project, cfg.Template, campaign.Options{Campaign: cfg.Campaign, Seed: cfg.Seed})
	describe := cfg.Describe
	describe.Delivery = Delivery
	r := &batch.Runner{
		Project: cfg.Project, Template: cfg.Template, Campaign: cfg.Campaign, Seed: cfg.Seed, At: cfg.At,
		Source: cfg.Source, Store: store, Sink: t, Clock: cfg.Clock, Dir: cfg.Dir, Workers: cfg.Workers,
		Describe: describe, Trace: true, NoHTML: true,
	}
	if err := r.Open(); err != nil {
		return nil, err
	}
	defer r.Close()
	t.opts.Now = r.DecisionTime()
	rep, err := r.Run(ctx)
	if err != nil {
		return nil, err
	}
	out := &Report{Report: rep, Simulated: true, Simulation: t.simulation(rep, describe.Store)}
	// Nothing was written or sent: the messages were rendered.
	out.Rendered, rep.Totals.Sent, rep.Totals.Written = rep.Totals.Sent+rep.Totals.Written, 0, 0
	if err := batch.WriteJSON(filepath.Join(cfg.Dir, "report.json"), out); err != nil {
		return nil, err
	}
	if err := batch.WriteHTML(cfg.Dir, rep, &out.Simulation); err != nil {
		return nil, err
	}
	return out, nil
}

// simulationFiles are what a simulation leaves in its directory.
var simulationFiles = []string{"run.json", "decisions.ndjson", "rejects.ndjson", "report.json", "report.html", "tmp"}

// clear removes an earlier simulation from dir, so that this one starts
// afresh, and refuses a directory that holds a real run.
func clear(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var meta struct{ Delivery string }
	if json.Unmarshal(data, &meta) != nil || meta.Delivery != Delivery {
		return fmt.Errorf("%s: %w (its run.json is not a simulation's); use another directory", dir, ErrRealRun)
	}
	for _, name := range simulationFiles {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
