package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples: every command of mailpreview shows examples
// in its help, and check, decide and render explain themselves beyond one
// line.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRoot(io.Discard, io.Discard)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if ownCommand(c) && c.Example == "" {
			t.Errorf("%s has no examples in its help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, name := range []string{"check", "decide", "render"} {
		code, out, _ := run(t, "help", name)
		if code != exitOK || !strings.Contains(out, "Examples:\n  ") || strings.Count(out, "\n") < 20 {
			t.Errorf("mailpreview help %s = %d:\n%s\nwant a long help with examples", name, code, out)
		}
	}
}

// complete runs cobra's completion request as a shell does and returns
// the values offered (without descriptions) and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, errOut := run(t, append([]string{"__complete"}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %q = %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var values []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, lines[len(lines)-1]
}

func TestCompletion(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"activities", []string{"decide", "--library", library, "--activity", ""}, "post-purchase spring-launch weekly-digest winter-sale"},
		{"activities by prefix", []string{"decide", "--library", library, "--activity", "w"}, "weekly-digest winter-sale"},
		{"every placement", []string{"decide", "--library", library, "--placement", ""}, "banner crosssell hero sidebar"},
		{"the activity's placements", []string{"decide", "--library", library, "--activity", "post-purchase", "--placement", ""}, "crosssell banner"},
		{"templates", []string{"render", "--template", tplDir + "/n"}, tplDir + "/newsletter.hbs"},
		{"profiles", []string{"render", "--profile", profiles + "/"}, strings.Join([]string{
			"lukas-silver-skier", "maya-gold-runner", "renee-montreal", "sam-new-customer", "script-injection", "teen-runner", "vip-anchorage"}, ".json "+profiles+"/")},
		{"render formats", []string{"render", "--format", ""}, "html text eml json"},
		{"batch formats", []string{"batch", "--format", ""}, "eml html json"},
		{"no library", []string{"decide", "--library", "nowhere", "--activity", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if tt.name == "profiles" {
				want = profiles + "/" + want + ".json"
			}
			got, directive := complete(t, tt.args...)
			if strings.Join(got, " ") != want || directive != ":4" {
				t.Errorf("__complete %q = %q %s, want %q :4 (no file names)", tt.args, got, directive, want)
			}
		})
	}
	// Activities come with their names and status.
	_, out, _ := run(t, "__complete", "decide", "--library", library, "--activity", "winter")
	if !strings.Contains(out, "winter-sale\tWinter sale 2026 (live)\n") {
		t.Errorf("__complete of an activity lacks its description:\n%s", out)
	}
}

// TestTemplateDidYouMean: template errors suggest the nearest name, for an
// activity, a placement, a partial, a layout and the template file itself.
func TestTemplateDidYouMean(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"t.hbs":               "---\nsubject: Hi\nlayout: bse\n---\n{{offer \"winter-sal\" placement=\"hero\"}}\n{{offer \"winter-sale\" placement=\"heroo\"}}\n{{> footr}}\n",
		"partials/footer.hbs": "<p>bye</p>\n",
		"layouts/base.hbs":    "<html><body>{{{body}}}</body></html>\n",
	})
	code, _, errOut := run(t, "check", "--library", library, "--templates", dir)
	for _, want := range []string{
		`t.hbs:3:9: layout "bse" not found (did you mean "base"?): create `,
		`t.hbs:5:9: unknown activity "winter-sal" (did you mean "winter-sale"?)`,
		`t.hbs:6:33: unknown placement "heroo" (did you mean "hero"?)`,
		`t.hbs:7:5: partial "footr" not found (did you mean "footer"?): create `,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check = %d, want %q in:\n%s", code, want, errOut)
		}
	}
	code, _, errOut = run(t, "render", "--library", library, "--template", filepath.Join(tplDir, "newsleter.hbs"), "--profile", filepath.Join(profiles, "maya-gold-runner.json"))
	if want := `template file ../../templates/newsleter.hbs not found (did you mean "../../templates/newsletter.hbs"?)`; code != exitInvalid || !strings.Contains(errOut, want) {
		t.Errorf("render of a misspelled template = %d, %q; want %d and %q", code, errOut, exitInvalid, want)
	}
}

// TestCheckWithoutTemplates: a library is checked alone where there is no
// templates directory, unless --templates asks for one.
func TestCheckWithoutTemplates(t *testing.T) {
	// The tests run in cmd/mailpreview, which has no templates directory.
	code, out, errOut := run(t, "check", "--library", library)
	if code != exitOK || !strings.HasPrefix(out, "ok: "+library+": 4 placements") || !strings.Contains(out, "no templates") {
		t.Errorf("check of a library alone = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "check", "--library", library, "--templates", "nowhere"); code != exitInvalid || !strings.Contains(errOut, "templates directory nowhere not found") {
		t.Errorf("check --templates nowhere = %d, %q; want %d", code, errOut, exitInvalid)
	}
}

// TestRenderMissingFields: render --format json lists the missing fields
// with lowercase keys, and a non-strict render warns on one line of
// standard error.
func TestRenderMissingFields(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"t.hbs": "---\nsubject: Hi\nfrom: a@example.com\n---\n<p>Hi {{profile.firstName}}</p>\n<p>{{profile.lastName}}</p>\n"})
	args := []string{"render", "--library", library, "--template", filepath.Join(dir, "t.hbs"),
		"--profile", filepath.Join(profiles, "sam-new-customer.json"), "--at", at}
	code, out, errOut := run(t, append(args, "--format", "json")...)
	var r struct {
		Missing []map[string]any `json:"missing"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("render --format json = %d, %s", code, errOut)
	}
	want := map[string]any{"field": "profile.lastName", "file": filepath.Join(dir, "t.hbs"), "line": 6.0, "col": 6.0}
	if len(r.Missing) != 1 || len(r.Missing[0]) != 4 {
		t.Fatalf("missing = %v, want [%v]", r.Missing, want)
	}
	for k, v := range want {
		if r.Missing[0][k] != v {
			t.Errorf("missing[0][%q] = %v, want %v", k, r.Missing[0][k], v)
		}
	}
	wantWarning := "warning: 1 profile field missing, rendered empty: profile.lastName (" + filepath.Join(dir, "t.hbs") + ":6:6); --strict makes this an error\n"
	if errOut != wantWarning {
		t.Errorf("render's stderr = %q, want %q", errOut, wantWarning)
	}
	if _, _, errOut := run(t, "render", "--library", library, "--template", filepath.Join(tplDir, "newsletter.hbs"),
		"--profile", filepath.Join(profiles, "maya-gold-runner.json"), "--at", at); errOut != "" {
		t.Errorf("render with nothing missing wrote to stderr: %q", errOut)
	}
}

// TestCheckWarnsDynamicCSS: check warns, without failing, about a template
// whose CSS depends on recipient data, naming the selector and where.
func TestCheckWarnsDynamicCSS(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"t.hbs": "---\nsubject: Hi\n---\n<html><head><style>.vip { color: red; }</style></head><body>\n<p class=\"{{profile.tier}}\">Hi</p>\n</body></html>\n"})
	code, out, errOut := run(t, "check", "--library", library, "--templates", dir)
	want := filepath.Join(dir, "t.hbs") + `:5:13: warning: CSS selector ".vip" depends on recipient data here`
	if code != exitOK || !strings.HasPrefix(out, "ok: ") || !strings.Contains(errOut, want) {
		t.Errorf("check = %d\nstdout: %s\nstderr: %s\nwant a warning %q", code, out, errOut, want)
	}
}
