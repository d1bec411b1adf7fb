package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// Run runs mailpreview with the arguments after the program name and
// returns the exit code. main calls it with a context cancelled on
// Ctrl-C; tests call it directly.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// No panic reaches the user as a stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "mailpreview: internal error: %v\nPlease report this at https://github.com/offermail/offermail/issues\n", r)
			code = exitFailed
		}
	}()
	// go-redis logs every failed dial through a global logger; the store
	// already reports an unreachable server as one clear error.
	quietRedis.Do(func() { redis.SetLogger(quietLogger{}) })
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var silent errSilent
	if errors.As(err, &silent) {
		return int(silent)
	}
	printError(stderr, err)
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == exitUsage {
			fmt.Fprintln(stderr, "Run 'mailpreview help' for usage.")
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "Run 'mailpreview help' for usage.")
	return exitUsage
}

var quietRedis sync.Once

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// global holds the flags every command takes.
type global struct {
	library string
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &global{}
	root := &cobra.Command{
		Use:   "mailpreview",
		Short: "Render personalized email with decision placeholders",
		Long: `mailpreview renders marketing email whose placeholders are filled, per recipient,
by a decision engine choosing among offers (eligibility rules, ranking, caps,
fallbacks). See README.md and SPEC.md for the library and template formats.

Exit codes: 0 success, 1 invalid input (library, template, profile), 2 usage
error, 3 a run finished with rejected records, 4 a run failed.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			hint := ""
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				hint = fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return usage("unknown command %q%s", args[0], hint)
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.library, "library", "templates/library", "offer library `DIR`")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage("%v", err) })
	root.AddCommand(
		newCheck(g),
		newDecide(g),
		newRender(g),
		newBatch(g),
		newFeedback(g),
		newSnapshot(g),
		newServe(g),
		newImport(),
		newAPI(g),
		newReport(),
		newLint(g),
		newSuppress(g),
		newSimulate(g),
	)
	addHelp(root)
	addCompletion(root)
	return root
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usage("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// need checks that required flags were given.
func need(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		if !cmd.Flags().Changed(name) {
			return usage("%s needs --%s", cmd.CommandPath(), name)
		}
	}
	return nil
}
