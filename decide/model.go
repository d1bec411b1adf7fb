package decide

import (
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// This file reads a library's `models:` (SPEC §10): the settings of a
// learned ranking, today only the window of event time its statistics
// sum. A model:<id> the list does not name learns from all time.

// Model is a learned ranking's settings.
type Model struct {
	ID string
	// Window is how many UTC days of event time the statistics sum,
	// ending with the decision time's day; 0 is all time.
	Window int
	Pos    Pos
}

// MaxWindowDays bounds a window: a decision's statistics read two
// counters per offer, placement and day.
const MaxWindowDays = 366

// Model returns the model with id, or nil: a model the library does not
// list learns from all time.
func (l *Library) Model(id string) *Model { return l.models[id] }

func (l *loader) model(s *source, n *yaml.Node) {
	f := s.fields(n, "model", "id", "name", "window")
	if f == nil || !required(s, n, f, "model", "id") {
		return
	}
	id, ok := l.objectID(s, f, "model")
	if !ok {
		return
	}
	m := &Model{ID: id, Pos: s.pos(n)}
	if v, ok := f["name"]; ok {
		s.str(v.val, "model name")
	}
	if v, ok := f["window"]; ok {
		if w, ok := s.str(v.val, "window"); ok {
			days, err := parseWindow(w)
			if err != nil {
				s.errorf(v.val, "window %q %s", w, err.Error())
			}
			m.Window = days
		}
	}
	define(l, s, n, "model", id, l.lib.models, func(m *Model) Pos { return m.Pos }, m)
}

type windowError string

func (e windowError) Error() string { return string(e) }

// parseWindow reads a number of days written like 30d.
func parseWindow(w string) (int, error) {
	digits, ok := strings.CutSuffix(w, "d")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, windowError("is not a window: write a number of days such as 30d")
	}
	if n < 1 || n > MaxWindowDays {
		return 0, windowError("must be between 1d and " + strconv.Itoa(MaxWindowDays) + "d")
	}
	return n, nil
}

// windowDays returns the UTC days of a window of n days ending with at's.
func windowDays(at time.Time, n int) []time.Time {
	day := at.UTC().Truncate(24 * time.Hour)
	days := make([]time.Time, n)
	for i := range days {
		days[i] = day.AddDate(0, 0, -i)
	}
	return days
}
