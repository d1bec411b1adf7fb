// Command mailpreview renders personalized email with decision
// placeholders: it checks libraries and templates, explains decisions,
// renders single messages, runs batch campaigns, serves a live preview for
// designers and keeps golden snapshots for QA. Run `mailpreview help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
