// Command loadtest is the load benchmark of the rendezvous server (make
// bench). It builds lifeline-rendezvous, starts it on 127.0.0.1 and holds
// many idle support sessions over real TLS WebSockets, each with its CSR and
// one customer connected, while measuring the server's memory and CPU, the
// rate of session setups and the time a customer takes from joining to
// being ready. A bare TLS WebSocket server, started from this same program,
// holds as many connections as a yardstick. The results go to a Markdown
// file, between <!-- rendezvous:begin --> and <!-- rendezvous:end -->.
//
//	go run ./rendezvous/loadtest -out BENCHMARKS.md
//	go run ./rendezvous/loadtest -quick
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) }

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.IntVar(&cfg.Sessions, "sessions", 10000, "live `sessions` to set up and hold")
	fs.IntVar(&cfg.PerCSR, "sessions-per-csr", 4, "sessions attached to each CSR console connection")
	fs.IntVar(&cfg.Accounts, "csr-accounts", 20, "CSR accounts the console connections are spread over (raised to the fewest that keep each within the server's 20 sessions per CSR)")
	fs.IntVar(&cfg.Workers, "workers", 64, "concurrent session setups")
	fs.DurationVar(&cfg.Hold, "hold", 30*time.Second, "how long the sessions are held idle")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", 5*time.Second, "the server's --ping-interval, and the peer's")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "pause before each baseline and hold")
	noPeer := fs.Bool("no-peer", false, "skip the bare WebSocket peer")
	out := fs.String("out", "", "Markdown `file` whose rendezvous section is replaced (empty: print only)")
	quick := fs.Bool("quick", false, "smoke test: 500 sessions held 5s (unless -sessions or -hold are given)")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	keep := fs.Bool("keep", false, "keep the scratch folder (server data and logs)")
	fs.StringVar(&cfg.ServerBin, "server-bin", "", "benchmark this lifeline-rendezvous `binary` instead of building one")
	peerDir := fs.String("peer-server", "", "internal: run as the bare WebSocket peer, certificate in `folder`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./rendezvous/loadtest [flags]\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "peer-server" {
				return
			}
			name, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  -%s %s\n    \t%s (default %q)\n", f.Name, name, usage, f.DefValue)
		})
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadtest: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *peerDir != "" {
		if err := peerServe(*peerDir, cfg.PingInterval, stdout); err != nil {
			fmt.Fprintln(stderr, "loadtest peer:", err)
			return 1
		}
		return 0
	}
	if *quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["sessions"] {
			cfg.Sessions = 500
		}
		if !set["hold"] {
			cfg.Hold = 5 * time.Second
		}
	}
	cfg.Peer = !*noPeer
	cfg.Log = stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	// Whatever hangs, the tool ends, and takes its children with it.
	watchdog := time.AfterFunc(*timeout+30*time.Second, func() {
		fmt.Fprintln(stderr, "loadtest: still running 30s after the timeout; killing everything")
		killChildren()
		os.Exit(3)
	})
	defer watchdog.Stop()

	tmp, err := os.MkdirTemp("", "lifeline-loadtest-")
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	cfg.TempDir = tmp
	defer func() {
		if *keep {
			fmt.Fprintln(stderr, "loadtest: scratch folder kept:", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()

	started := time.Now()
	res, err := run(ctx, cfg)
	killChildren()
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		if ctx.Err() == context.DeadlineExceeded {
			fmt.Fprintf(stderr, "loadtest: gave up after %s (-timeout)\n", *timeout)
		}
		return 1
	}
	command := "go run ./rendezvous/loadtest"
	if len(args) > 0 {
		command += " " + strings.Join(args, " ")
	}
	section := res.markdown(command, started)
	fmt.Fprintln(stdout, section)
	if res.ServerLog != nil {
		fmt.Fprintf(stderr, "loadtest: the server logged warnings or errors:\n  %s\n", strings.Join(res.ServerLog, "\n  "))
	}
	if *out != "" {
		if err := writeSection(*out, section); err != nil {
			fmt.Fprintln(stderr, "loadtest: write", *out+":", err)
			return 1
		}
		fmt.Fprintf(stderr, "loadtest: wrote the rendezvous section of %s (%s in all)\n", *out, time.Since(started).Round(time.Second))
	}
	if len(res.Problems) > 0 {
		fmt.Fprintf(stderr, "loadtest: %d problems; see the report\n", len(res.Problems))
		return 1
	}
	return 0
}
