package batch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/offermail/offermail/decide"
)

// Report is OUT/report.json. Its counts cover the whole run, every attempt
// included: what the journals say (earlier attempts' lines read back, the
// last attempt's counted as it journalled them); its throughput is the
// last attempt's.
type Report struct {
	Campaign     string    `json:"campaign"`
	Name         string    `json:"name"`
	Template     string    `json:"template"`
	Recipients   string    `json:"recipients_file"`
	Format       string    `json:"format"`
	Delivery     string    `json:"delivery"`
	DecisionTime time.Time `json:"decision_time"`
	Shard        string    `json:"shard,omitempty"`
	Started      time.Time `json:"started"` // the first attempt's start
	Finished     time.Time `json:"finished"`
	Attempts     int       `json:"attempts"`

	Totals  Totals         `json:"recipients"`
	Rejects map[string]int `json:"rejects"` // by stage: read, render, send, suppressed, unknown
	// Placements counts, per scope of the template in document order, how
	// many recipients got each offer, each fallback, and nothing.
	Placements []ScopeCounts `json:"placements"`

	// DurationSeconds and RecipientsPerSecond measure the last attempt,
	// from its start to its end, over the recipients it finished.
	DurationSeconds     float64 `json:"duration_seconds"`
	RecipientsPerSecond float64 `json:"recipients_per_second"`
	Attempt             Attempt `json:"attempt"`
}

// Totals counts recipients over the whole run.
type Totals struct {
	// Total is every record of this shard: decided, rejected when read, or
	// suppressed.
	Total int `json:"total"`
	// Decided have a line in decisions.ndjson, and their caps counted.
	Decided int `json:"decided"`
	// Written (files) or Sent (SMTP or another sink): decided and
	// delivered.
	Written int `json:"written"`
	Sent    int `json:"sent"`
	// Rejected have a line in rejects.ndjson, at any stage (a message
	// unknown, then sent again and accepted, no longer counts).
	Rejected int `json:"rejected"`
	// Unknown were sent, but the connection ended before the server's
	// answer: they may or may not have been delivered. Their decisions
	// are in the store's ledger; a run resumed with --resend-unknown sends
	// them again.
	Unknown int `json:"unknown"`
}

// ScopeCounts are the decisions of one scope (activity and placement).
type ScopeCounts struct {
	Activity  string         `json:"activity"`
	Placement string         `json:"placement"`
	Offers    map[string]int `json:"offers"`
	Fallbacks map[string]int `json:"fallbacks"`
	// Empty counts recipients who got neither an offer nor a fallback (the
	// activity was not live at the decision time).
	Empty int `json:"empty"`
}

// Attempt is what the last attempt did.
type Attempt struct {
	Number int `json:"number"`
	// Recipients finished by this attempt (decided or rejected).
	Recipients int `json:"recipients"`
	// Replayed were decided by an interrupted attempt: their recorded
	// decision was used again and nothing counted twice.
	Replayed int `json:"replayed"`
	Rejected int `json:"rejected"`
}

// tally counts ids met as bytes, allocating a string only for an id not
// met before.
type tally map[string]*int

func (t *tally) add(id []byte) {
	if n := (*t)[string(id)]; n != nil {
		*n++
		return
	}
	if *t == nil {
		*t = tally{}
	}
	n := 1
	(*t)[string(id)] = &n
}

func (t tally) into(m map[string]int) {
	for id, n := range t {
		m[id] += *n
	}
}

type scopeTally struct{ offers, fallbacks tally }

// buildReport reads the journals back; memory holds one line at a time
// and the per-offer counts. live, when not nil, holds the counts of the
// decisions lines this attempt appended after the first from bytes of
// decisions.ndjson, which it then does not read back; nil reads it all.
func buildReport(out string, meta runMeta, scopes []decide.Scope, started, finished time.Time, a Attempt, live *placements, from int64) (*Report, error) {
	r := &Report{
		Campaign: meta.Campaign, Name: meta.Name, Template: meta.Template, Recipients: meta.Recipients,
		Format: meta.Format, Delivery: meta.Delivery, DecisionTime: meta.DecisionTime, Shard: meta.Shard,
		Started: meta.Started, Finished: finished.UTC(), Attempts: meta.Attempts,
		Rejects: map[string]int{stageRead: 0, stageRender: 0, stageSend: 0, stageSuppressed: 0, stageUnknown: 0},
		Attempt: a,
	}
	unknown := map[string]bool{} // few: the messages of lost connections
	err := scanJournal(filepath.Join(out, rejectsFile), func(_ int, line []byte) error {
		var rl rejectLine
		if err := json.Unmarshal(line, &rl); err != nil {
			return err
		}
		if rl.Stage == stageUnknown {
			// Counted below, once per recipient not sent since.
			unknown[rl.ID] = true
			return nil
		}
		r.Rejects[rl.Stage]++
		r.Totals.Rejected++
		return nil
	})
	if err != nil {
		return nil, err
	}
	path := filepath.Join(out, decisionsFile)
	if live == nil || len(unknown) > 0 {
		// Unknown messages are counted by the recipients of every line,
		// which the live counts do not keep: read it all.
		if st, err := os.Stat(path); err == nil {
			from = st.Size()
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("read %s: %w", path, err)
		} else {
			from = 0
		}
		live = nil
	}
	p := newPlacements(scopes)
	if err := countDecisions(path, from, p, unknown); err != nil {
		return nil, err
	}
	if live != nil {
		p.merge(live)
	}
	r.Placements = p.result()
	r.Totals.Decided = p.decided
	delivered := r.Totals.Decided - r.Rejects[stageRender] - r.Rejects[stageSend]
	if meta.Delivery != "files" {
		r.Totals.Sent = delivered
	} else {
		r.Totals.Written = delivered
	}
	r.Totals.Unknown = len(unknown)
	r.Rejects[stageUnknown] = len(unknown)
	r.Totals.Rejected += len(unknown)
	r.Totals.Total = r.Totals.Decided + r.Rejects[stageRead] + r.Rejects[stageSuppressed] + len(unknown)
	if d := finished.Sub(started).Seconds(); d > 0 {
		r.DurationSeconds = d
		r.RecipientsPerSecond = float64(a.Recipients) / d
	}
	return r, nil
}
