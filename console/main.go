// Command lifeline-console is the CSR's console: the desktop app, or with
// --headless the automation shell (docs/automation.md).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"lifeline/console/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
