package render

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/offermail/offermail/diag"
)

// The differential test against handlebars.js. Its cases come from four
// suites written for this repository (spec-style cases after the
// handlebars.js and mustache specs, realistic email templates, and a
// seeded generator of templates and hostile data); handlebars.js's output
// for each is recorded in testdata/hbsjs/<suite>.json by gen.mjs, so that
// go test needs no node. A case agrees when the output is identical, when
// both fail, or when the difference is one of the documented deviations
// (deviation below, README and doc.go "Where offermail differs").
//
// To record the outputs again after changing a case:
//
//	npm install --prefix /tmp/hbsjs handlebars@4.7.10
//	HANDLEBARS=/tmp/hbsjs/node_modules/handlebars node render/testdata/hbsjs/gen.mjs

var hbsjsDump = flag.String("hbsjs.dump", "", "write the differential test's cases as JSON into this directory (gen.mjs reads them)")

// hbsCase is one template run by both engines. Data is JSON text, decoded
// by each side in its own way (key order kept).
type hbsCase struct {
	Name     string            `json:"name"`
	Template string            `json:"template"`
	Data     string            `json:"data"`
	Partials map[string]string `json:"partials,omitempty"`
	// Layout, for email cases: the body is rendered, then the layout with
	// the data and body set to it.
	Layout string `json:"layout,omitempty"`
	// dir: email cases load through LoadFS from this directory and file.
	dir, file string
}

// sum identifies a case's content, so a recorded output that belongs to
// an older version of the case is noticed.
func (c *hbsCase) sum() string {
	h := fnv.New64a()
	io.WriteString(h, c.Template+"\x00"+c.Data+"\x00"+c.Layout)
	names := make([]string, 0, len(c.Partials))
	for n := range c.Partials {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		io.WriteString(h, "\x00"+n+"\x00"+c.Partials[n])
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// hbsRecord is what gen.mjs recorded for a case.
type hbsRecord struct {
	Name string  `json:"name"`
	Sum  string  `json:"sum"`
	Out  *string `json:"out,omitempty"`
	// Fixed is the output without handlebars.js 4.7's sum of adjacent raw
	// numbers, when that sum changed it.
	Fixed *string `json:"fixed,omitempty"`
	Error string  `json:"error,omitempty"`
}

type hbsRecorded struct {
	Handlebars string      `json:"handlebars"`
	Cases      []hbsRecord `json:"cases"`
}

// hbsSuite is a suite and the agreement it must reach.
type hbsSuite struct {
	name   string
	target float64 // percent
	cases  func(t *testing.T) []hbsCase
}

var hbsSuites = []hbsSuite{
	{"spec", 99, func(*testing.T) []hbsCase { return specCases }},
	{"mustache", 99, func(*testing.T) []hbsCase { return mustacheCases }},
	{"emails", 99, emailCases},
	{"generated", 97, func(*testing.T) []hbsCase { return generatedCases(3200) }},
}

// verdict classifies one case.
type verdict int

const (
	same      verdict = iota // identical output
	bothError                // both engines refuse the template or data
	deviation                // a documented deviation
	differ                   // a divergence
)

func TestHandlebarsJS(t *testing.T) {
	if *hbsjsDump != "" {
		dumpCases(t, *hbsjsDump)
		return
	}
	for _, suite := range hbsSuites {
		t.Run(suite.name, func(t *testing.T) {
			cases := suite.cases(t)
			rec := readRecorded(t, suite.name)
			var counts [4]int
			causes := map[string]int{}
			shown := 0
			for i := range cases {
				c := &cases[i]
				r, ok := rec[c.Name]
				if !ok || r.Sum != c.sum() {
					t.Errorf("%s: no output recorded for this version of the case: run gen.mjs (see hbsjs_test.go)", c.Name)
					continue
				}
				got, err := runCase(c)
				v, cause := judge(c, got, err, &r)
				counts[v]++
				if v == deviation {
					causes[cause]++
				}
				if v == differ {
					causes["differ"]++
					if shown < 40 {
						shown++
						want := "error " + r.Error
						if r.Out != nil {
							want = strconv.Quote(*r.Out)
						}
						gotS := strconv.Quote(got)
						if err != nil {
							gotS = "error " + err.Error()
						}
						t.Logf("%s: %q with %s\n\tgot  %s\n\twant %s (handlebars.js)", c.Name, c.Template, c.Data, gotS, want)
					}
				}
			}
			n := len(cases)
			agree := n - counts[differ]
			rate := 100 * float64(agree) / float64(max(n, 1))
			t.Logf("%s: %d cases, agreement %.2f%% (identical %d, both an error %d, documented deviation %d, differ %d); deviations %v",
				suite.name, n, rate, counts[same], counts[bothError], counts[deviation], counts[differ], causes)
			fmt.Printf("handlebars.js agreement %-9s %5.2f%% of %d (identical %d, both error %d, deviation %d, differ %d)\n",
				suite.name, rate, n, counts[same], counts[bothError], counts[deviation], counts[differ])
			if rate < suite.target {
				t.Errorf("%s: agreement %.2f%% is below the target %.0f%%", suite.name, rate, suite.target)
			}
		})
	}
}

func readRecorded(t *testing.T, suite string) map[string]hbsRecord {
	data, err := os.ReadFile(filepath.Join("testdata", "hbsjs", suite+".json"))
	if err != nil {
		t.Fatalf("recorded outputs: %v (run gen.mjs, see hbsjs_test.go)", err)
	}
	var rec hbsRecorded
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("%s.json: %v", suite, err)
	}
	m := make(map[string]hbsRecord, len(rec.Cases))
	for _, r := range rec.Cases {
		m[r.Name] = r
	}
	return m
}

// dumpCases writes every suite's cases for gen.mjs.
func dumpCases(t *testing.T, dir string) {
	for _, suite := range hbsSuites {
		cases := suite.cases(t)
		type dumped struct {
			hbsCase
			Sum string `json:"sum"`
		}
		out := make([]dumped, len(cases))
		seen := map[string]bool{}
		for i, c := range cases {
			if seen[c.Name] {
				t.Fatalf("%s: two cases named %s", suite.name, c.Name)
			}
			seen[c.Name] = true
			out[i] = dumped{c, c.sum()}
		}
		data, err := json.MarshalIndent(out, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, suite.name+".cases.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runCase renders a case with this package.
func runCase(c *hbsCase) (string, error) {
	data, order, err := decodeOrdered(c.Data)
	if err != nil {
		return "", fmt.Errorf("case data: %w", err)
	}
	if c.dir != "" {
		return runEmailCase(c, data, order)
	}
	out, _, err := execData(c.Template, data, order, c.Partials, false)
	return out, err
}

// runEmailCase loads an email template through LoadFS and renders it for
// the case's recipient, up to the HTML before CSS inlining.
func runEmailCase(c *hbsCase, data any, order KeyOrder) (string, error) {
	set, err := LoadFS(os.DirFS(c.dir), sampleCatalog)
	if err != nil {
		return "", err
	}
	tmpl := set.Lookup(c.file)
	if tmpl == nil {
		return "", fmt.Errorf("no template %s", c.file)
	}
	in := emailInput(data, order)
	_, html, err := tmpl.execute(in)
	return html, err
}

// emailInput is the Input an email case renders its data with.
func emailInput(data any, order KeyOrder) *Input {
	m, _ := data.(map[string]any)
	str := func(obj any, key string) string {
		s, _ := lookupField(obj, key)
		r, _ := s.(string)
		return r
	}
	in := &Input{
		Recipient: Recipient{ID: str(m["recipient"], "id"), Email: str(m["recipient"], "email"), Order: order},
		Campaign:  Campaign{ID: str(m["campaign"], "id"), Name: str(m["campaign"], "name")},
	}
	in.Recipient.Profile, _ = m["profile"].(map[string]any)
	in.Recipient.Context, _ = m["context"].(map[string]any)
	return in
}

// judge compares this package's result with handlebars.js's.
func judge(c *hbsCase, got string, err error, r *hbsRecord) (verdict, string) {
	switch {
	case err != nil && r.Out == nil:
		return bothError, ""
	case err == nil && r.Out != nil && got == *r.Out:
		return same, ""
	}
	if cause := deviationOf(c, got, err, r); cause != "" {
		return deviation, cause
	}
	return differ, ""
}

// decodeOrdered decodes JSON as JSON.parse would (numbers as float64),
// recording each object's key order.
func decodeOrdered(text string) (any, KeyOrder, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	order := testOrder{}
	v, err := decodeValue(dec, order)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("text after the JSON value")
	}
	return v, order, nil
}

func decodeValue(dec *json.Decoder, order testOrder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := map[string]any{}
			var keys []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := decodeValue(dec, order)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			dec.Token()
			order.record(m, keys)
			return m, nil
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeValue(dec, order)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			dec.Token()
			return list, nil
		}
	case json.Number:
		return strconv.ParseFloat(string(x), 64)
	}
	return tok, nil
}

// testOrder is a KeyOrder over the maps decodeOrdered made, by identity.
type testOrder map[unsafe.Pointer][]string

func (o testOrder) record(m map[string]any, keys []string) {
	o[reflect.ValueOf(m).UnsafePointer()] = keys
}

func (o testOrder) Keys(m map[string]any) []string { return o[reflect.ValueOf(m).UnsafePointer()] }

// emailCases are the templates under testdata/hbsjs/emails, each kit a
// templates directory with a data/ directory of recipients: every
// template of a kit with every recipient of it.
func emailCases(t *testing.T) []hbsCase {
	root := filepath.Join("testdata", "hbsjs", "emails")
	kits, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var cases []hbsCase
	for _, kit := range kits {
		dir := filepath.Join(root, kit.Name())
		files, _ := filepath.Glob(filepath.Join(dir, "*.hbs"))
		datas, _ := filepath.Glob(filepath.Join(dir, "data", "*.json"))
		partials := map[string]string{}
		pfiles, _ := filepath.Glob(filepath.Join(dir, "partials", "*.hbs"))
		for _, p := range pfiles {
			partials[strings.TrimSuffix(filepath.Base(p), ".hbs")] = readText(t, p)
		}
		for _, f := range files {
			text := readText(t, f)
			body, layout := text, ""
			var errs diag.List
			if yml, yline, b, _ := splitFrontMatter(f, text, &errs); yline > 0 {
				body = b
				for _, line := range strings.Split(yml, "\n") {
					if name, ok := strings.CutPrefix(line, "layout: "); ok {
						layout = readText(t, filepath.Join(dir, "layouts", strings.TrimSpace(name)))
					}
				}
			}
			for _, d := range datas {
				cases = append(cases, hbsCase{
					Name:     kit.Name() + "/" + filepath.Base(f) + "+" + strings.TrimSuffix(filepath.Base(d), ".json"),
					Template: body, Layout: layout, Partials: partials,
					Data: readText(t, d),
					dir:  dir, file: filepath.Base(f),
				})
			}
		}
	}
	return cases
}

// readText reads a file as handlebars.js's users do (the BOM kept).
func readText(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
