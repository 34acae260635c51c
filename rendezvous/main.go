// Command lifeline-rendezvous is the Lifeline server: accounts, sessions,
// the control plane, reports and the TURN relay. See docs/api.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"lifeline/rendezvous/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
