package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/internal/suggest"
	"github.com/offermail/offermail/render"
	"github.com/spf13/cobra"
)

func newRender(g *global) *cobra.Command {
	var tplPath, format string
	var dr dryRunFlags
	var strict bool
	var proof proofFlags
	cmd := &cobra.Command{
		Use:   "render --template FILE --profile FILE",
		Short: "Render one message to standard output (dry run)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "template", "profile"); err != nil {
				return err
			}
			switch format {
			case "html", "text", "eml", "json":
			default:
				return usage("--format must be html, text, eml or json, not %q", format)
			}
			if err := proof.check(format, cmd.Flags().Changed("format")); err != nil {
				return err
			}
			var tpl *render.Template
			run, err := dr.load(cmd.Context(), g.library, func(p *campaign.Project) (err error) {
				tpl, err = loadTemplate(p, tplPath)
				return err
			})
			if err != nil {
				return err
			}
			defer run.close()
			opts := run.opts
			opts.Trace, opts.Strict = format == "json", strict
			msg, d, err := run.project.Preview(cmd.Context(), tpl, run.recipient, opts)
			if err != nil {
				return invalid(err)
			}
			if proof.smtp != "" {
				warnMissing(cmd.ErrOrStderr(), msg.Missing)
				return proof.send(cmd.Context(), cmd.OutOrStdout(), msg, dr.profile, opts.Now)
			}
			if err := campaign.Encode(cmd.OutOrStdout(), campaign.Format(format), msg, d, opts.Now); err != nil {
				return invalid(err)
			}
			warnMissing(cmd.ErrOrStderr(), msg.Missing)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tplPath, "template", "", "template `FILE`")
	dr.add(f)
	f.StringVar(&format, "format", "html", "output `FORMAT`: html, text, eml or json")
	f.BoolVar(&strict, "strict", false, "a missing profile field written out by the template is an error")
	f.StringVar(&proof.smtp, "smtp", "", "send the message as a proof over SMTP instead of printing it: `URL` smtp://user:pass@host:port (smtps:// for TLS); needs --to")
	f.StringVar(&proof.to, "to", "", "the test `ADDRESS` a proof goes to (its To header too); the profile's own address is never used")
	return cmd
}

// loadTemplate loads one template file; a missing file is a usage error, a
// broken one invalid input.
func loadTemplate(p *campaign.Project, path string) (*render.Template, error) {
	tpl, err := p.LoadTemplate(path)
	if err != nil {
		if isNotExist(err) {
			near := filesIn(filepath.Dir(path), "", ".hbs", ".html", ".md")
			return nil, invalid(fmt.Errorf("template file %s not found%s", path, suggest.DidYouMean(path, near)))
		}
		return nil, invalid(err)
	}
	return tpl, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// warnMissing says in one line which profile fields the template wrote
// out that the profile lacks: they rendered empty, which --strict refuses.
func warnMissing(w io.Writer, missing []render.Missing) {
	if len(missing) == 0 {
		return
	}
	const shown = 3
	var parts []string
	for i, m := range missing {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(missing)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s:%d:%d)", m.Field, m.File, m.Line, m.Col))
	}
	noun := "field"
	if len(missing) > 1 {
		noun = "fields"
	}
	fmt.Fprintf(w, "warning: %d profile %s missing, rendered empty: %s; --strict makes this an error\n", len(missing), noun, strings.Join(parts, ", "))
}
