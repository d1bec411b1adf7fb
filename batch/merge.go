package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A campaign run as N shards (--shard K/N: N processes, each with its own
// OUT, on one shared store) leaves N report.json files; MergeReports
// combines them into the report one run over every recipient would have
// written. Everything that identifies the run must agree — campaign,
// template, recipients file, format, delivery, decision time — and each
// shard of one N must come once: a report merged twice or a shard of
// another run would give counts that mean nothing.

// ErrMerge is wrapped by MergeReports and ReadReport for reports that
// cannot be merged or read; the command reports them as invalid input.
var ErrMerge = errors.New("cannot merge the reports")

// MergeOptions say how strict MergeReports is.
type MergeOptions struct {
	// Partial allows shards to be missing (a run still in progress, or
	// one that failed): the merged report then names the shards it holds,
	// as "1,3/4". By default every shard 1..N must be there.
	Partial bool
}

// NamedReport is a report and where it came from, for error messages.
type NamedReport struct {
	Name   string
	Report *Report
}

// ReadReport reads a report.json strictly: a member this version does not
// know is an error rather than a count dropped without a word.
func ReadReport(name string, data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMerge, name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s: more than one JSON value", ErrMerge, name)
	}
	return &r, nil
}

// MergeReports combines the reports of the shards of one run. Counts are
// summed; placements keep the order in which they first appear; the time
// span runs from the earliest start to the latest finish, and the
// throughput of the last attempts is their recipients over the span in
// which they ran.
func MergeReports(reports []NamedReport, o MergeOptions) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("%w: no reports given", ErrMerge)
	}
	first := reports[0]
	n, shards, err := shardsOf(reports)
	if err != nil {
		return nil, err
	}
	m := &Report{
		Campaign: first.Report.Campaign, Name: first.Report.Name, Template: first.Report.Template,
		Recipients: first.Report.Recipients, Format: first.Report.Format, Delivery: first.Report.Delivery,
		DecisionTime: first.Report.DecisionTime, Rejects: map[string]int{}, Placements: []ScopeCounts{},
	}
	index := map[[2]string]int{}
	var lastStart, lastEnd time.Time
	for i, nr := range reports {
		r := nr.Report
		if err := sameRun(first, nr); err != nil {
			return nil, err
		}
		if i == 0 || r.Started.Before(m.Started) {
			m.Started = r.Started
		}
		if r.Finished.After(m.Finished) {
			m.Finished = r.Finished
		}
		start := r.Finished.Add(-time.Duration(r.DurationSeconds * float64(time.Second)))
		if i == 0 || start.Before(lastStart) {
			lastStart = start
		}
		if r.Finished.After(lastEnd) {
			lastEnd = r.Finished
		}
		m.Attempts += r.Attempts
		m.Totals.Total += r.Totals.Total
		m.Totals.Decided += r.Totals.Decided
		m.Totals.Written += r.Totals.Written
		m.Totals.Sent += r.Totals.Sent
		m.Totals.Rejected += r.Totals.Rejected
		m.Totals.Unknown += r.Totals.Unknown
		for stage, c := range r.Rejects {
			m.Rejects[stage] += c
		}
		for _, sc := range r.Placements {
			key := [2]string{sc.Activity, sc.Placement}
			j, ok := index[key]
			if !ok {
				j = len(m.Placements)
				index[key] = j
				m.Placements = append(m.Placements, ScopeCounts{Activity: sc.Activity, Placement: sc.Placement,
					Offers: map[string]int{}, Fallbacks: map[string]int{}})
			}
			into := &m.Placements[j]
			for id, c := range sc.Offers {
				into.Offers[id] += c
			}
			for id, c := range sc.Fallbacks {
				into.Fallbacks[id] += c
			}
			into.Empty += sc.Empty
		}
		m.Attempt.Number = max(m.Attempt.Number, r.Attempt.Number)
		m.Attempt.Recipients += r.Attempt.Recipients
		m.Attempt.Replayed += r.Attempt.Replayed
		m.Attempt.Rejected += r.Attempt.Rejected
	}
	if d := lastEnd.Sub(lastStart).Seconds(); d > 0 {
		m.DurationSeconds = d
		m.RecipientsPerSecond = float64(m.Attempt.Recipients) / d
	}
	if n > 0 {
		var missing []string
		for k := 1; k <= n; k++ {
			if !slices.Contains(shards, k) {
				missing = append(missing, strconv.Itoa(k))
			}
		}
		switch {
		case len(missing) > 0 && !o.Partial:
			return nil, fmt.Errorf("%w: shard %s of %d missing (merge every shard, or say --partial)", ErrMerge, strings.Join(missing, ", "), n)
		case len(missing) > 0:
			parts := make([]string, len(shards))
			for i, k := range shards {
				parts[i] = strconv.Itoa(k)
			}
			m.Shard = strings.Join(parts, ",") + "/" + strconv.Itoa(n)
		}
	}
	return m, nil
}

// shardsOf checks the reports' shards: all of one N, each once. n is 0
// when the reports are not shards (then there must be one report).
func shardsOf(reports []NamedReport) (n int, shards []int, err error) {
	seen := map[int]string{}
	for _, nr := range reports {
		if nr.Report.Shard == "" {
			if len(reports) > 1 {
				return 0, nil, fmt.Errorf("%w: %s is not a shard (no \"shard\" in it), so it is a whole run of its own", ErrMerge, nr.Name)
			}
			return 0, nil, nil
		}
		s, perr := ParseShard(nr.Report.Shard)
		if perr != nil {
			return 0, nil, fmt.Errorf("%w: %s: shard %q is not K/N", ErrMerge, nr.Name, nr.Report.Shard)
		}
		if n != 0 && s.N != n {
			return 0, nil, fmt.Errorf("%w: %s is shard %s, but %s is a shard of %d", ErrMerge, nr.Name, nr.Report.Shard, reports[0].Name, n)
		}
		n = s.N
		if other, ok := seen[s.K]; ok {
			return 0, nil, fmt.Errorf("%w: %s and %s are both shard %s", ErrMerge, other, nr.Name, nr.Report.Shard)
		}
		seen[s.K] = nr.Name
		shards = append(shards, s.K)
	}
	slices.Sort(shards)
	return n, shards, nil
}

// sameRun checks that a report belongs to the run of first.
func sameRun(first, nr NamedReport) error {
	a, b := first.Report, nr.Report
	for _, f := range []struct{ what, x, y string }{
		{"campaign", a.Campaign, b.Campaign},
		{"template", a.Template, b.Template},
		{"recipients file", a.Recipients, b.Recipients},
		{"format", a.Format, b.Format},
		{"delivery", a.Delivery, b.Delivery},
	} {
		if f.x != f.y {
			return fmt.Errorf("%w: %s has %s %q, %s has %q: not shards of one run", ErrMerge, first.Name, f.what, f.x, nr.Name, f.y)
		}
	}
	if !a.DecisionTime.Equal(b.DecisionTime) {
		return fmt.Errorf("%w: %s decided at %s, %s at %s: shards of one run share --at", ErrMerge,
			first.Name, a.DecisionTime.Format(time.RFC3339), nr.Name, b.DecisionTime.Format(time.RFC3339))
	}
	return nil
}
