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

	"github.com/redis/go-redis/v9"
)

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func main() {
	// go-redis logs every failed dial through a global logger; the store
	// already reports an unreachable server as one clear error.
	redis.SetLogger(quietLogger{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
