package batch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/send"
)

const root = ".."

var (
	sampleNDJSON = filepath.Join(root, "testdata/recipients/sample.ndjson")
	newsletter   = filepath.Join(root, "templates/newsletter.hbs")
	decisionAt   = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
)

// sampleProject loads the sample library once per test binary.
var sampleProject = func() func(t testing.TB) *campaign.Project {
	var p *campaign.Project
	return func(t testing.TB) *campaign.Project {
		t.Helper()
		if p == nil {
			var err error
			if p, err = campaign.Load(filepath.Join(root, "templates/library")); err != nil {
				t.Fatalf("load the sample library: %v", err)
			}
		}
		return p
	}
}()

// runConfig is a run as the tests describe it: with paths and URLs, as
// the command has them, which runBatch turns into a Runner's values.
type runConfig struct {
	Project       *campaign.Project
	Template      *render.Template
	TemplatePath  string
	Recipients    string
	Campaign      render.Campaign
	Out           string
	Format        campaign.Format
	Store         string // "" means bolt:OUT/state.db
	Workers       int
	Shard         Shard
	At            time.Time
	Seed          string
	Strict        bool
	SMTP          *send.Config // nil writes files
	ResendUnknown bool
	BatchSize     int
	Pack          int // part files of Pack messages; 0: one file per message
	onCommit      func()
}

// config returns the configuration of a run of tplPath over recipients
// into a new directory.
func config(t testing.TB, tplPath, recipients string) runConfig {
	t.Helper()
	p := sampleProject(t)
	tpl, err := p.LoadTemplate(tplPath)
	if err != nil {
		t.Fatalf("load %s: %v", tplPath, err)
	}
	return runConfig{
		Project: p, Template: tpl, TemplatePath: tplPath, Recipients: recipients,
		Campaign: render.Campaign{ID: "winter-test"}, Out: filepath.Join(t.TempDir(), "out"), At: decisionAt,
	}
}

// runBatch opens what cfg names, as the command does, and runs a Runner
// over it.
func runBatch(ctx context.Context, cfg runConfig) (*Report, error) {
	store := cfg.Store
	if store == "" {
		store = "bolt:" + filepath.Join(cfg.Out, "state.db")
	}
	r := &Runner{
		Project: cfg.Project, Template: cfg.Template, Campaign: cfg.Campaign, Seed: cfg.Seed, Format: cfg.Format,
		Strict: cfg.Strict, At: cfg.At, Dir: cfg.Out, Shard: cfg.Shard, Workers: cfg.Workers, BatchSize: cfg.BatchSize, Pack: cfg.Pack,
		Describe: Description{Template: cfg.TemplatePath, Recipients: cfg.Recipients, Store: store, Delivery: "files"},
		onCommit: cfg.onCommit, ResendUnknown: cfg.ResendUnknown,
	}
	if cfg.SMTP != nil {
		r.Describe.Delivery = "smtp"
	}
	if err := r.Open(); err != nil {
		return nil, err
	}
	defer r.Close()
	src, closer, err := recipients.Open(cfg.Recipients)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	st, err := capstore.Open(store)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	r.Source, r.Store = src, st
	if cfg.SMTP != nil {
		sender, err := send.New(*cfg.SMTP)
		if err != nil {
			return nil, err
		}
		defer sender.Close()
		r.Sink = SMTP(sender)
		if r.Workers == 0 {
			r.Workers = max(runtime.NumCPU(), 2*max(cfg.SMTP.Conns, 1))
		}
	}
	return r.Run(ctx)
}

// generated writes n generated recipient lines to a temp file.
func generated(t testing.TB, n int, o gen.Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "recipients.ndjson")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := gen.Write(f, n, o); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeTemplate writes a self-contained template (no layout, no
// partials) to a temp directory.
func writeTemplate(t testing.TB, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// decisionLines reads decisions.ndjson: recipient id → line.
type decisionLineJSON struct {
	Campaign     string `json:"campaign"`
	Recipient    string `json:"recipient"`
	Propositions []struct {
		Activity  string `json:"activity"`
		Placement string `json:"placement"`
		Offers    []struct {
			ID string `json:"id"`
		} `json:"offers"`
		Fallback *struct {
			ID string `json:"id"`
		} `json:"fallback"`
	} `json:"propositions"`
}

// readDecisions reads decisions.ndjson, failing the test on a recipient
// that appears twice.
func readDecisions(t testing.TB, out string) map[string]decisionLineJSON {
	t.Helper()
	got := map[string]decisionLineJSON{}
	for i, line := range readLines(t, filepath.Join(out, decisionsFile)) {
		var d decisionLineJSON
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatalf("decisions.ndjson:%d: %v: %s", i+1, err, line)
		}
		if _, dup := got[d.Recipient]; dup {
			t.Errorf("decisions.ndjson:%d: recipient %q appears twice", i+1, d.Recipient)
		}
		got[d.Recipient] = d
	}
	return got
}

func readRejects(t testing.TB, out string) []rejectLine {
	t.Helper()
	var got []rejectLine
	for i, line := range readLines(t, filepath.Join(out, rejectsFile)) {
		var r rejectLine
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("rejects.ndjson:%d: %v: %s", i+1, err, line)
		}
		got = append(got, r)
	}
	return got
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s does not end with a newline", path)
	}
	return lines
}

// messageFiles reads every message file: name → content.
func messageFiles(t testing.TB, out string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(out, messagesDir))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(out, messagesDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// idsOf maps message file names back to recipient ids.
func idsOf(t testing.TB, files map[string][]byte, ext string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for name := range files {
		id, err := RecipientID(strings.TrimSuffix(name, "."+ext))
		if err != nil {
			t.Errorf("message file %s: %v", name, err)
		}
		ids[id] = true
	}
	return ids
}

// runStopped runs cfg and stops it at the first journal commit after
// which decisions.ndjson holds at least n lines; the run must end
// interrupted.
func runStopped(t *testing.T, cfg runConfig, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.onCommit = func() {
		if b, err := os.ReadFile(filepath.Join(cfg.Out, decisionsFile)); err == nil && bytes.Count(b, []byte("\n")) >= n {
			cancel()
		}
	}
	if _, err := runBatch(ctx, cfg); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run cancelled = %v, want ErrInterrupted", err)
	}
}
