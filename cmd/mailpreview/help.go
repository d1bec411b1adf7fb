package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// The examples of every command, by command path, and the longer help of
// the commands whose Short says too little on its own. They live together
// so that `mailpreview help X` reads the same way for every X; a test
// checks that no command is left without examples.
var examples = map[string]string{
	"mailpreview": `  mailpreview check
  mailpreview render --template templates/newsletter.hbs --profile testdata/profiles/maya-gold-runner.json
  mailpreview batch --template templates/newsletter.hbs --recipients testdata/recipients/customers.ndjson --campaign winter-2026 --out out/winter-2026`,
	"mailpreview check": `  # The sample library and templates:
  mailpreview check
  # Another library, without templates:
  mailpreview check --library out/northwind`,
	"mailpreview decide": `  # Which hero offer Lukas gets on December 2, and why the others lost:
  mailpreview decide --activity winter-sale --placement hero \
    --profile testdata/profiles/lukas-silver-skier.json --at 2026-12-02T09:00:00Z
  # Two sidebar offers, with today's counters of a real run's store:
  mailpreview decide --activity winter-sale --placement sidebar --items 2 \
    --profile testdata/profiles/maya-gold-runner.json --store bolt:out/winter-2026/state.db`,
	"mailpreview render": `  mailpreview render --template templates/newsletter.hbs \
    --profile testdata/profiles/maya-gold-runner.json --at 2026-12-02T09:00:00Z > maya.html
  mailpreview render --template templates/newsletter.hbs \
    --profile testdata/profiles/sam-new-customer.json --format json --strict
  # Send Maya's newsletter as a proof to your own inbox (counts nothing):
  mailpreview render --template templates/newsletter.hbs \
    --profile testdata/profiles/maya-gold-runner.json --smtp smtp://localhost:1025 --to me@example.com`,
	"mailpreview batch": `  mailpreview batch --template templates/newsletter.hbs \
    --recipients testdata/recipients/customers.ndjson --campaign winter-2026 --out out/winter-2026
  # Four machines sharing one Redis, each taking a quarter of the recipients:
  mailpreview batch --template templates/newsletter.hbs --recipients all.ndjson.gz \
    --campaign winter-2026 --out out/shard-2 --shard 2/4 --store redis://redis:6379/0 --at 2026-12-02T09:00:00Z
  # Send instead of writing files, 50 messages a second:
  mailpreview batch --template templates/newsletter.hbs --recipients customers.csv \
    --campaign winter-2026 --out out/winter-2026 --smtp smtps://user:pass@smtp.example.com:465 --rate 50`,
	"mailpreview simulate": `  # Before sending: who gets what, where caps bite, how many variants to check:
  mailpreview simulate --template templates/newsletter.hbs \
    --recipients testdata/recipients/customers.ndjson --campaign winter-2026 --out out/sim --at 2026-12-02T09:00:00Z
  # Against the counters of a real run's store (read, never written):
  mailpreview simulate --template templates/newsletter.hbs --recipients customers.csv \
    --store bolt:out/winter-2026/state.db --out out/sim`,
	"mailpreview feedback": `  mailpreview feedback --events clicks.ndjson --store bolt:out/state.db`,
	"mailpreview snapshot": `  # Compare with the golden files (exit 1 and a diff on a change):
  mailpreview snapshot --golden testdata/golden
  # Accept the changes:
  mailpreview snapshot --golden testdata/golden --update --at 2026-12-02T09:00:00Z`,
	"mailpreview serve": `  mailpreview serve
  mailpreview serve --at 2026-12-02T09:00:00Z --store bolt:out/winter-2026/state.db
  mailpreview serve --templates ~/work/emails --library ~/work/offers --addr 127.0.0.1:9000`,
	"mailpreview import": `  mailpreview import adobe testdata/adobe/export/*.json --out out/northwind`,
	"mailpreview import adobe": `  mailpreview import adobe testdata/adobe/export/*.json --out out/northwind
  mailpreview check --library out/northwind`,
	"mailpreview report": `  mailpreview report merge out/shard-*/ --out out/winter-2026-report.json`,
	"mailpreview report merge": `  # Four shards of one run, each with its own --out:
  mailpreview report merge out/shard-1 out/shard-2 out/shard-3 out/shard-4 --out out/report.json
  # While shard 3 is still running:
  mailpreview report merge --partial out/shard-1 out/shard-2 out/shard-4`,
	"mailpreview api": `  mailpreview api
  OFFERMAIL_API_KEYS=k1,k2 mailpreview api --addr 0.0.0.0:8026 --store redis://redis:6379/0
  curl -s -H 'Authorization: Bearer k1' localhost:8026/v1/decisions \
    -d '{"recipient": {"id": "u1", "profile": {"loyalty": {"tier": "gold"}}}, "propositionRequests": [{"activity": "winter-sale", "placement": "hero"}]}'`,
}

var longHelp = map[string]string{
	"mailpreview check": `check loads the offer library and the templates and lists every problem at
once, each as file:line:col with the offending line and a caret: unknown ids
(with "did you mean"), enums, dates, expressions, references, content types,
placeholders naming an activity or placement the library lacks, unknown helpers,
partials and layouts. It renders nothing; mailpreview lint renders every
template for every profile and checks the email itself.

Without --templates, a library with no templates directory beside the command
is checked alone.`,
	"mailpreview decide": `decide prints, as JSON, the decision of one activity and placement for one
profile — the chosen offers with score and rank, or the fallback — and its
trace: every candidate with the step that dropped it (a false rule with the
values it read, a cap with its counter, window and limit, a duplicate) or its
score and rank, and why the fallback was used.

It is a dry run: counters are read (from --store when given; otherwise every
counter reads 0), never written.`,
	"mailpreview render": `render decides and renders one template for one profile and writes the message
to standard output: the HTML (default), the plain text, the MIME message (eml),
or JSON with subject, preheader, html, text, propositions and the profile
fields the template wanted but the profile lacks (missing). Missing fields
render empty, with a one-line warning on standard error; --strict makes them an
error at their file:line:col.

It is a dry run: counters are read (from --store when given), never written.
With --smtp URL --to ADDRESS it sends the message as a proof to that test
address instead of printing it: the To header is ADDRESS (the profile's own
address is never used), and the header X-Offermail-Proof says it is a proof.
Nothing is counted and no ledger is written.`,
}

// addHelp gives every command below root its examples and long help.
func addHelp(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		path := c.CommandPath()
		if ex, ok := examples[path]; ok && c.Example == "" {
			c.Example = ex
		}
		if long, ok := longHelp[path]; ok && c.Long == "" {
			c.Long = long
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// ownCommand reports whether c is one of mailpreview's commands rather
// than one cobra adds (help, completion, __complete).
func ownCommand(c *cobra.Command) bool {
	for p := c; p != nil; p = p.Parent() {
		switch p.Name() {
		case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return false
		}
	}
	return !strings.HasPrefix(c.Name(), "__")
}
