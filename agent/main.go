// Command lifeline-agent is the customer's side of Lifeline: it joins a
// support session by number, asks the customer before every action, and
// shares the screen and input only with their consent.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"lifeline/agent/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
