package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/render"
	"github.com/spf13/cobra"
)

func newRender(g *global) *cobra.Command {
	var tplPath, format string
	var dr dryRunFlags
	var strict bool
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
			if err := campaign.Encode(cmd.OutOrStdout(), campaign.Format(format), msg, d, opts.Now); err != nil {
				return invalid(err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tplPath, "template", "", "template `FILE`")
	dr.add(f)
	f.StringVar(&format, "format", "html", "output `FORMAT`: html, text, eml or json")
	f.BoolVar(&strict, "strict", false, "a missing profile field written out by the template is an error")
	return cmd
}

// loadTemplate loads one template file; a missing file is a usage error, a
// broken one invalid input.
func loadTemplate(p *campaign.Project, path string) (*render.Template, error) {
	tpl, err := p.LoadTemplate(path)
	if err != nil {
		if isNotExist(err) {
			return nil, invalid(fmt.Errorf("template file %s not found", path))
		}
		return nil, invalid(err)
	}
	return tpl, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
