// Package cli is the command line of lifeline-console: flags, trust, and
// either the desktop console (console/gui) or, with --headless, login and the
// automation shell. main only calls Run, on the main goroutine.
package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"lifeline/console/controller"
	"lifeline/console/gui"
	"lifeline/console/headless"
	"lifeline/shared/tlsutil"
)

const usage = `Usage: lifeline-console [--server URL] [--ca-file F | --server-fingerprint SHA256]
                        [--email E] [--loopback-only] [--verbose]
       lifeline-console --headless --server URL [--ca-file F | --server-fingerprint SHA256]
                        --email E --password-file F [--loopback-only] [--verbose]

Without --headless, opens the desktop console; --server and --email prefill
its login window, and --ca-file or --server-fingerprint say how the server
is trusted. With --headless, runs the automation shell: one command per line
on standard input, one JSON object per line on standard output
(docs/automation.md).

Exit status: 0 after quit or the end of input, 1 when the console cannot
start (trust, password file, server, login) or stops on an error, 2 for
wrong flags, 130 when interrupted.

Flags:
`

// Exit codes.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

type options struct {
	headless     bool
	server       string
	caFile       string
	fingerprint  string
	email        string
	passwordFile string
	loopbackOnly bool
	verbose      bool
}

// Run runs the console and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lifeline-console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var o options
	fs.BoolVar(&o.headless, "headless", false, "run the automation shell on standard input and output instead of the desktop console")
	fs.StringVar(&o.server, "server", "", "the rendezvous server's `URL`, e.g. https://support.example.com:8443")
	fs.StringVar(&o.caFile, "ca-file", "", "trust only the CA certificates in this PEM `file`")
	fs.StringVar(&o.fingerprint, "server-fingerprint", "", "trust the server's certificate with this `SHA256` fingerprint (as the server prints it)")
	fs.StringVar(&o.email, "email", "", "the CSR account's `email` address")
	fs.StringVar(&o.passwordFile, "password-file", "", "read the password from this `file` (its first line)")
	fs.BoolVar(&o.loopbackOnly, "loopback-only", false, "use loopback addresses only for the screen connection (tests on one machine)")
	fs.BoolVar(&o.verbose, "verbose", false, "write diagnostics to standard error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if err := o.check(fs); err != nil {
		fmt.Fprintf(stderr, "lifeline-console: %v\n", err)
		return ExitUsage
	}
	var err error
	if o.headless {
		err = run(ctx, o, stdin, stdout, stderr)
	} else {
		err = desktop(ctx, o, stderr)
	}
	switch {
	case ctx.Err() != nil:
		return ExitInterrupted
	case err != nil:
		fmt.Fprintf(stderr, "lifeline-console: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

func (o *options) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if o.caFile != "" && o.fingerprint != "" {
		return errors.New("give either --ca-file or --server-fingerprint, not both")
	}
	if !o.headless {
		if o.passwordFile != "" {
			return errors.New("--password-file is for --headless only; the desktop console asks for the password")
		}
		if o.server != "" {
			return checkServer(o.server)
		}
		return nil
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--server", o.server}, {"--email", o.email}, {"--password-file", o.passwordFile}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s (see --help)", strings.Join(missing, ", "))
	}
	return checkServer(o.server)
}

func checkServer(server string) error {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--server %q is not a URL like https://host:8443", server)
	}
	return nil
}

// runGUI opens the desktop console (a variable for tests).
var runGUI = gui.Run

// desktop runs the desktop console on this (the main) goroutine.
func desktop(ctx context.Context, o options, stderr io.Writer) error {
	// Without --ca-file or --server-fingerprint the console decides itself:
	// the system's authorities, or the server's fingerprint confirmed by the
	// CSR on first use and pinned (console/profile).
	var tlsConf *tls.Config
	trust := ""
	if o.caFile != "" || o.fingerprint != "" {
		var err error
		tlsConf, err = tlsutil.ClientConfig(tlsutil.ClientOptions{CAFile: o.caFile, Fingerprint: o.fingerprint})
		if err != nil {
			return err
		}
		trust = "Only certificates from the authorities in " + o.caFile + " are trusted (--ca-file)."
		if o.fingerprint != "" {
			trust = "Only a server whose certificate has the SHA-256 fingerprint " + o.fingerprint + " is trusted (--server-fingerprint)."
		}
	}
	log := slog.New(slog.DiscardHandler)
	if o.verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return runGUI(ctx, gui.Config{Server: o.server, Email: o.email, TLS: tlsConf, Trust: trust, LoopbackOnly: o.loopbackOnly, Log: log})
}

func run(ctx context.Context, o options, stdin io.Reader, stdout, stderr io.Writer) error {
	password, err := readPassword(o.passwordFile)
	if err != nil {
		return err
	}
	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{CAFile: o.caFile, Fingerprint: o.fingerprint})
	if err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	if o.verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctrl := controller.New(controller.Config{Server: o.server, TLS: tlsConf, LoopbackOnly: o.loopbackOnly, Log: log})
	defer ctrl.Close()
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = ctrl.Login(lctx, o.email, password)
	cancel()
	if err != nil {
		return fmt.Errorf("could not log in as %s: %w", o.email, err)
	}
	err = headless.Run(ctx, ctrl, stdin, stdout, headless.Options{})
	ctrl.Close()
	octx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if lerr := ctrl.Logout(octx); lerr != nil {
		log.Info("logout failed", "err", lerr)
	}
	return err
}

// readPassword returns the first line of the file, without its line end.
func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the password file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", fmt.Errorf("the password file %s is empty", path)
	}
	return line, nil
}
