package render

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandlebarsJSExternal runs the differential comparison on suites kept
// outside the repository, such as cases taken from handlebars.js's own
// spec, the mustache spec or public email kits, which this repository does
// not copy. OFFERMAIL_HBSJS_EXTERNAL names a directory holding, per suite,
// <suite>.cases.json (a list of {name, template, data, partials}) and
// <suite>.json (what handlebars.js printed, in the format gen.mjs writes).
func TestHandlebarsJSExternal(t *testing.T) {
	dir := os.Getenv("OFFERMAIL_HBSJS_EXTERNAL")
	if dir == "" {
		t.Skip("OFFERMAIL_HBSJS_EXTERNAL names no directory of external suites")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.cases.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.cases.json in %s", dir)
	}
	for _, f := range files {
		suite := strings.TrimSuffix(filepath.Base(f), ".cases.json")
		t.Run(suite, func(t *testing.T) {
			var cases []hbsCase
			readJSON(t, f, &cases)
			var rec hbsRecorded
			readJSON(t, filepath.Join(dir, suite+".json"), &rec)
			byName := map[string]hbsRecord{}
			for _, r := range rec.Cases {
				byName[r.Name] = r
			}
			var counts [4]int
			causes := map[string]int{}
			for i := range cases {
				c := &cases[i]
				r, ok := byName[c.Name]
				if !ok {
					t.Errorf("%s: nothing recorded", c.Name)
					continue
				}
				got, err := runCase(c)
				v, cause := judge(c, got, err, &r)
				counts[v]++
				switch v {
				case deviation:
					causes[cause]++
				case differ:
					want := "error " + r.Error
					if r.Out != nil {
						want = fmt.Sprintf("%q", *r.Out)
					}
					gotS := fmt.Sprintf("%q", got)
					if err != nil {
						gotS = "error " + err.Error()
					}
					t.Logf("%s: %q\n\tgot  %s\n\twant %s", c.Name, c.Template, gotS, want)
				}
			}
			n := len(cases)
			rate := 100 * float64(n-counts[differ]) / float64(max(n, 1))
			fmt.Printf("handlebars.js agreement %-14s %6.2f%% of %d (identical %d, both error %d, deviation %d %v, differ %d)\n",
				suite, rate, n, counts[same], counts[bothError], counts[deviation], causes, counts[differ])
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
