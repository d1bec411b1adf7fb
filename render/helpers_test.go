package render

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/diag"
)

// TestHelperExamples runs the examples every helper documents.
func TestHelperExamples(t *testing.T) {
	helpers := builtinHelpers()
	names := make([]string, 0, len(helpers))
	for name := range helpers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		h := helpers[name]
		if len(h.examples) == 0 {
			t.Errorf("helper %s has no example", name)
		}
		for _, ex := range h.examples {
			got, _, err := execInput(ex.tmpl, jsonData(t, ex.data), nil, nil, &Input{Pixel: h.examplePixel})
			if err != nil {
				t.Errorf("%s: Execute(%s) with %s: %v", name, ex.tmpl, ex.data, err)
				continue
			}
			if got != ex.want {
				t.Errorf("%s: Execute(%s) with %s = %q, want %q", name, ex.tmpl, ex.data, got, ex.want)
			}
		}
	}
}

// TestHelpersDocumented checks that the manual in doc.go names every
// helper, so a new helper cannot ship undocumented.
func TestHelpersDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for name := range builtinHelpers() {
		if !strings.Contains(string(doc), "{{"+name) && !strings.Contains(string(doc), "{{#"+name) && !strings.Contains(string(doc), "("+name) {
			t.Errorf("doc.go does not show the helper %s", name)
		}
	}
}

func TestHelperErrors(t *testing.T) {
	tests := []struct {
		src, data, want string
	}{
		{`{{formatDate profile.d}}`, `{"profile":{"d":"yesterday"}}`, `test.hbs:1:3: formatDate: "yesterday" is not an RFC 3339 date`},
		{`x {{formatDate profile.d}}`, `{"profile":{"d":[1]}}`, `test.hbs:1:5: formatDate: cannot format a list as a date`},
		{`{{formatNumber profile.n}}`, `{"profile":{"n":"many"}}`, `test.hbs:1:3: formatNumber: "many" is not a number`},
		{`{{formatNumber 1 -1}}`, `{}`, `test.hbs:1:3: formatNumber: decimals must be a whole number from 0 to 20, got -1`},
		{`{{formatCurrency 5 profile.c}}`, `{"profile":{"c":"dollars"}}`, `test.hbs:1:3: formatCurrency: "dollars" is not a currency code`},
		{`{{formatCurrency 5 "USD" locale=profile.l}}`, `{"profile":{"l":"xx"}}`, `test.hbs:1:3: formatCurrency: unknown locale "xx"`},
	}
	for _, tt := range tests {
		_, _, err := execString(tt.src, jsonData(t, tt.data), nil, false)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Execute(%s) error = %v, want prefix %q", tt.src, err, tt.want)
		}
	}
}

func TestHelperNoArgLog(t *testing.T) {
	var logged []string
	dir := writeFiles(t, map[string]string{"main.hbs": `{{log "tier is" profile.tier level="warn"}}ok`})
	tmpl, err := LoadFile(dir+"/main.hbs", sampleCatalog)
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: Recipient{Profile: map[string]any{"tier": "gold"}}}
	if _, err := tmpl.Execute(in); err != nil {
		t.Fatalf("Execute without a logger: %v", err)
	}
	in.Log = func(level, msg string) { logged = append(logged, level+": "+msg) }
	if _, err := tmpl.Execute(in); err != nil {
		t.Fatal(err)
	}
	if want := []string{"warn: tier is gold"}; !slices.Equal(logged, want) {
		t.Errorf("log wrote %q, want %q", logged, want)
	}
}

// TestHelperPanic checks that a panicking helper fails the recipient with
// its position, and that the template still renders the next recipient.
func TestHelperPanic(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": "line one\n  {{upper profile.name}}"})
	if err != nil {
		t.Fatal(err)
	}
	// Swap in a panicking helper on this template's own registry (not a
	// global one): the compiled call points at the registry entry.
	tmpl.body[1].(*outputNode).e.(*callExpr).h = &helper{name: "upper", fn: func(*call) (any, error) { panic("boom") }}
	_, err = tmpl.Execute(&Input{})
	var e *diag.Error
	if !errors.As(err, &e) || short(err) != "main.hbs:2:5: helper upper failed: boom" {
		t.Errorf("Execute with a panicking helper = %v, want main.hbs:2:5: helper upper failed: boom", err)
	}
	if _, err := tmpl.Execute(&Input{}); err == nil {
		t.Errorf("second Execute succeeded, want the same failure")
	}
}

// TestFormatDateNowChanges renders {{formatDate @now …}}, whose text a
// state keeps while @now stays the same, with decision times that change
// from one execution to the next and come back.
func TestFormatDateNowChanges(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": `{{formatDate @now "YYYY-MM-DD HH:mm"}} {{formatDate @now}} {{formatDate @now "[Y]YY"}}`})
	if err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{nov, "2026-11-25 09:00 November 25, 2026 Y26"},
		{nov, "2026-11-25 09:00 November 25, 2026 Y26"},
		{time.Date(2027, 1, 2, 23, 5, 0, 0, time.UTC), "2027-01-02 23:05 January 2, 2027 Y27"},
		{nov.In(time.FixedZone("UTC-10", -10*3600)), "2026-11-24 23:00 November 24, 2026 Y26"},
		{nov, "2026-11-25 09:00 November 25, 2026 Y26"},
		{time.Time{}, "0001-01-01 00:00 January 1, 0001 Y01"},
	} {
		_, got, err := tmpl.execute(&Input{Now: tc.now})
		if err != nil || got != tc.want {
			t.Errorf("at %v: got %q, %v; want %q", tc.now, got, err, tc.want)
		}
	}
}
