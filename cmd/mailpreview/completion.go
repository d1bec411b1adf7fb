package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/decide"
)

// Shell completion (cobra's `mailpreview completion bash|zsh|fish|
// powershell`) completes flag values from what the command would load:
// activities and placements from the library of --library, templates from
// --templates (or templates/), profiles from --profiles (or
// testdata/profiles), and each command's formats. A library that does not
// load completes what of it did, and nothing when none of it did.

// formats are the --format values of each command.
var formats = map[string][]string{
	"render": {"html\tthe final HTML body", "text\tthe plain-text part", "eml\tthe MIME message", "json\tsubject, preheader, html, text, propositions"},
	"batch":  {"eml\tone MIME message per recipient", "html\tone HTML body per recipient", "json\tone JSON message per recipient"},
}

// addCompletion registers the flag completions of every command below
// root.
func addCompletion(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		f := c.Flags()
		if f.Lookup("activity") != nil {
			_ = c.RegisterFlagCompletionFunc("activity", completeActivities)
		}
		if f.Lookup("placement") != nil {
			_ = c.RegisterFlagCompletionFunc("placement", completePlacements)
		}
		if f.Lookup("template") != nil {
			_ = c.RegisterFlagCompletionFunc("template", completeTemplates)
		}
		if f.Lookup("profile") != nil {
			_ = c.RegisterFlagCompletionFunc("profile", completeProfiles)
		}
		if vals, ok := formats[c.Name()]; ok && f.Lookup("format") != nil {
			_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
		}
		for _, name := range []string{"templates", "profiles", "golden", "out"} {
			if f.Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, dirsOnly)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	_ = root.RegisterFlagCompletionFunc("library", dirsOnly)
}

func dirsOnly(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// completionLibrary loads what it can of the command's --library.
func completionLibrary(cmd *cobra.Command) *decide.Library {
	dir := "templates/library"
	if f := cmd.Flag("library"); f != nil {
		dir = f.Value.String()
	}
	files, err := decide.ReadDir(dir)
	if err != nil {
		return nil
	}
	lib, _ := decide.LoadPartial(files)
	return lib
}

func completeActivities(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	lib := completionLibrary(cmd)
	if lib == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, id := range lib.ActivityIDs() {
		if a := lib.Activity(id); strings.HasPrefix(id, prefix) {
			out = append(out, described(id, a.Name+" ("+string(a.Status)+")"))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completePlacements offers the placements of --activity when it is given,
// or every placement of the library.
func completePlacements(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	lib := completionLibrary(cmd)
	if lib == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids := lib.PlacementIDs()
	if f := cmd.Flag("activity"); f != nil && f.Changed {
		if a := lib.Activity(f.Value.String()); a != nil {
			ids = nil
			for _, ap := range a.Placements {
				ids = append(ids, ap.Placement)
			}
		}
	}
	var out []string
	for _, id := range ids {
		if p := lib.Placement(id); p != nil && strings.HasPrefix(id, prefix) {
			out = append(out, described(id, p.Name+", "+string(p.Content)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func completeTemplates(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return filesIn(flagOr(cmd, "templates", "templates"), prefix, ".hbs", ".html", ".md"), cobra.ShellCompDirectiveNoFileComp
}

func completeProfiles(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return filesIn(flagOr(cmd, "profiles", "testdata/profiles"), prefix, ".json"), cobra.ShellCompDirectiveNoFileComp
}

func flagOr(cmd *cobra.Command, name, def string) string {
	if f := cmd.Flag(name); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	return def
}

// filesIn lists the visible files of dir with one of exts, as paths that
// start with prefix. When prefix names another directory, its files are
// listed instead.
func filesIn(dir, prefix string, exts ...string) []string {
	if d := filepath.Dir(prefix); prefix != "" && d != "." && filepath.Clean(d) != filepath.Clean(dir) {
		dir = d
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !slices.Contains(exts, filepath.Ext(name)) {
			continue
		}
		if p := filepath.Join(dir, name); strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// described is a completion with its description, as cobra takes them.
func described(value, desc string) string {
	desc = strings.Join(strings.Fields(desc), " ")
	if desc == "" {
		return value
	}
	return value + "\t" + desc
}
