// Command lifeline-console is the CSR's console. For now it runs the
// headless automation shell (--headless, see docs/automation.md); the
// desktop console comes later.
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
