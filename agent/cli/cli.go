// Package cli is the command line of lifeline-agent.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/jezek/xgb"

	"lifeline/agent/capture"
	"lifeline/agent/gui"
	"lifeline/agent/reboot"
	"lifeline/agent/session"
	"lifeline/agent/stream"
	"lifeline/agent/terminal"
	"lifeline/shared/agentconfig"
	"lifeline/shared/client"
	"lifeline/shared/codec"
	"lifeline/shared/tlsutil"
	"lifeline/shared/transport"
)

type flags struct {
	server, caFile, fingerprint, number, name, email, display, mode, colors, logLevel string
	rebootCommand, rejoin, filesFolder                                                string
	queue, problem, queueTicket                                                       string
	queueLabel                                                                        string // the baked queue's name as customers read it
	noGUI, loopbackOnly                                                               bool
	// baked: the session details came from this program's own file, as
	// downloaded from the join page, so the window joins without a press.
	baked bool

	// kept are the flags given on the command line that the agent keeps
	// when it starts again after a restart (see rejoinArgs).
	kept []string
}

// Run runs the agent and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lifeline-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f flags
	fs.StringVar(&f.server, "server", "", "support server `URL`, e.g. https://support.example.com:8443")
	fs.StringVar(&f.caFile, "ca-file", "", "trust the server certificate signed by this CA `file` (PEM)")
	fs.StringVar(&f.fingerprint, "server-fingerprint", "", "trust exactly the server certificate with this SHA-256 `fingerprint`")
	fs.StringVar(&f.number, "session", "", "session `number` given by the support representative")
	fs.StringVar(&f.name, "name", "", "your `name`, shown to the support representative")
	fs.StringVar(&f.email, "email", "", "your email `address` (optional)")
	fs.BoolVar(&f.noGUI, "no-gui", false, "work in the terminal: requests are answered with y, n or a on standard input")
	fs.StringVar(&f.display, "display", os.Getenv("DISPLAY"), "X `display` to share")
	fs.StringVar(&f.mode, "mode", "standard", "initial screen mode: standard (lossless) or sampling")
	fs.StringVar(&f.colors, "colors", "full", "initial colours: full, 16bit or 256")
	fs.BoolVar(&f.loopbackOnly, "loopback-only", false, "use loopback network paths only (tests on one machine)")
	fs.StringVar(&f.logLevel, "log-level", "warn", "debug, info, warn or error")
	fs.StringVar(&f.rebootCommand, "reboot-command", "", "`command` that restarts the computer when the support representative asks (run by sh -c; default: the system's own)")
	fs.StringVar(&f.filesFolder, "files-folder", "", "the `folder` a support representative may browse and change in file transfer (default: your home folder)")
	fs.StringVar(&f.queue, "queue", "", "ask for help in this support `queue` instead of joining a session by number")
	fs.StringVar(&f.problem, "problem", "", "with --queue: a short description of the `problem`")
	fs.StringVar(&f.queueTicket, "queue-ticket", "", "wait for the place in line taken on the help page (the `ticket` it shows)")
	fs.StringVar(&f.rejoin, "rejoin", "", "rejoin the session described in this `file` after a restart (written by the agent itself)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lifeline-agent: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if f.number == "" && f.rejoin == "" && f.queue == "" && f.queueTicket == "" {
		// A downloaded agent carries the session it was downloaded for
		// (shared/agentconfig); what the command line gives wins, and a
		// session, queue or rejoin given is another way in.
		c, found, err := agentconfig.Self()
		if err != nil {
			fmt.Fprintf(stderr, "lifeline-agent: %v\n", err)
			return 1
		}
		if found {
			v := c.Fill(agentconfig.Fields{Server: f.server, Fingerprint: f.fingerprint, CAFile: f.caFile, Name: f.name, Email: f.email})
			f.server, f.fingerprint, f.number, f.name, f.email, f.baked = v.Server, v.Fingerprint, v.Session, v.Name, v.Email, true
			f.queueTicket, f.queueLabel = v.QueueTicket, v.Queue
		}
	}
	fs.Visit(func(fl *flag.Flag) {
		if keptFlags[fl.Name] {
			f.kept = append(f.kept, "--"+fl.Name+"="+fl.Value.String())
		}
	})
	run := f.run
	if !f.noGUI {
		run = f.runGUI
	}
	if err := run(ctx, stdin, stdout, stderr); err != nil && !errors.Is(err, session.ErrRestarting) {
		fmt.Fprintf(stderr, "lifeline-agent: %v\n", err)
		return 1
	}
	return 0
}

// keptFlags are the flags a restarted agent starts with again: how it
// works, not who joins where (the ticket says that).
var keptFlags = map[string]bool{
	"no-gui": true, "display": true, "mode": true, "colors": true, "loopback-only": true,
	"log-level": true, "reboot-command": true, "files-folder": true,
}

// setup builds what both faces share: the log, and a session
// configuration without number, name and email.
func (f *flags) setup(stderr io.Writer) (session.Config, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return session.Config{}, fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// xgb logs a line on every connection when ~/.Xauthority is missing,
	// which is normal for a local display; its real errors reach us as errors.
	xgb.Logger = stdlog.New(io.Discard, "", 0)
	var ticket *reboot.Ticket
	if f.rejoin != "" {
		t, err := reboot.Load(f.rejoin)
		if err != nil {
			return session.Config{}, fmt.Errorf("cannot rejoin: %w", err)
		}
		ticket = &t
		f.server, f.caFile, f.fingerprint = t.Server, t.CAFile, t.Fingerprint
		f.number, f.name = t.SessionNumber, t.Name
	}
	if f.server == "" {
		return session.Config{}, errors.New("--server is needed: the address of your support server")
	}
	opts, err := codecOptions(f.mode, f.colors)
	if err != nil {
		return session.Config{}, err
	}
	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{CAFile: f.caFile, Fingerprint: f.fingerprint})
	if err != nil {
		return session.Config{}, err
	}
	screen, err := openScreen(f.display)
	if err != nil {
		log.Info("no screen to share", "err", err)
		screen = nil
	}
	api := client.New(f.server, tlsConf)
	tools, err := f.tools(api, screen != nil)
	if err != nil {
		return session.Config{}, err
	}
	cfg := session.Config{API: api, LoopbackOnly: f.loopbackOnly, Screen: screen, Tools: tools, Codec: opts, Log: log}
	if ticket != nil {
		if err := f.resume(&cfg, *ticket); err != nil {
			return session.Config{}, err
		}
	}
	return cfg, nil
}

func (f *flags) runGUI(ctx context.Context, _ io.Reader, _, stderr io.Writer) error {
	cfg, err := f.setup(stderr)
	if err != nil {
		return err
	}
	// The window closes when the computer restarts.
	gctx, closeWindow := context.WithCancel(ctx)
	defer closeWindow()
	var restarting atomic.Bool
	// start runs an agent for the window and returns once it joined.
	start := func(c session.Config, ui session.UI, started func(*session.Agent)) (gui.Agent, error) {
		a := session.New(c, ui)
		started(a)
		go func() {
			err := a.Run(ctx)
			switch {
			case errors.Is(err, session.ErrRestarting):
				restarting.Store(true)
				closeWindow()
			case err != nil && ctx.Err() == nil:
				ui.Show(session.Event{Kind: session.EventEnded, Text: err.Error()})
			}
		}()
		if err := <-a.Joined(); err != nil {
			return nil, err
		}
		return a, nil
	}
	g := gui.Config{
		Number: f.number, Name: f.name, Email: f.email, AutoJoin: cfg.Rejoined || f.baked,
		Start: func(number, name, email string, ui session.UI) (gui.Agent, error) {
			c := cfg
			c.Number, c.Name, c.Email = number, name, email
			return start(c, ui, func(*session.Agent) {})
		},
	}
	if f.queue != "" || f.queueTicket != "" {
		// Asking for help in a queue: the window shows the place in line,
		// and Leave the Line gives it up.
		var waiting atomic.Pointer[session.Agent]
		g.Queue, g.Problem = orText(f.queue, orText(f.queueLabel, "the support queue")), f.problem
		g.AutoJoin = f.queueTicket != "" || (f.name != "" && f.queue != "")
		g.StartQueue = func(name, email, problem string, ui session.UI) (gui.Agent, error) {
			c := cfg
			c.Name, c.Email = name, email
			c.Queue = &session.Queue{Name: f.queue, Problem: problem, Ticket: f.queueTicket}
			defer waiting.Store(nil)
			return start(c, ui, func(a *session.Agent) { waiting.Store(a) })
		}
		g.LeaveQueue = func() {
			if a := waiting.Load(); a != nil {
				a.Leave()
			}
		}
	}
	err = gui.Run(gctx, g)
	if restarting.Load() {
		return session.ErrRestarting
	}
	return err
}

func (f *flags) run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := f.setup(stderr)
	if err != nil {
		return err
	}
	switch {
	case f.queue != "" || f.queueTicket != "":
		if f.queue != "" && f.name == "" {
			return errors.New("--name is needed with --queue")
		}
		cfg.Queue = &session.Queue{Name: f.queue, Problem: f.problem, Ticket: f.queueTicket}
	case (f.number == "" || f.name == "") && cfg.Token == "":
		return errors.New("--session and --name are needed in --no-gui mode")
	}
	cfg.Number, cfg.Name, cfg.Email = f.number, f.name, f.email
	term := terminal.New(stdin, stdout)
	a := session.New(cfg, term)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go term.Commands(cctx, a)
	err = a.Run(ctx)
	if errors.Is(err, session.ErrRestarting) {
		fmt.Fprintln(stdout, "The computer is restarting; Lifeline rejoins the session at the next login.")
		return err
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func codecOptions(mode, colors string) (codec.Options, error) {
	var o codec.Options
	switch mode {
	case "standard":
		o.Mode = codec.Standard
	case "sampling":
		o.Mode = codec.Sampling
	default:
		return o, fmt.Errorf("--mode must be standard or sampling, not %q", mode)
	}
	switch colors {
	case "full":
		o.Color = codec.ColorFull
	case "16bit":
		o.Color = codec.Color16
	case "256":
		o.Color = codec.Color256
	default:
		return o, fmt.Errorf("--colors must be full, 16bit or 256, not %q", colors)
	}
	return o, nil
}

// openScreen describes the display's monitors and how to capture them.
// No display is not an error for the agent: it still offers chat.
func openScreen(display string) (*session.Screen, error) {
	mons, err := capture.Monitors(display)
	if err != nil {
		return nil, err
	}
	region := func(m int) image.Rectangle {
		if m >= 0 && m < len(mons) {
			return mons[m].Bounds
		}
		return image.Rectangle{} // the whole virtual screen
	}
	var tm []transport.Monitor
	for _, m := range mons {
		tm = append(tm, transport.Monitor{Index: m.Index, X: m.Bounds.Min.X, Y: m.Bounds.Min.Y, Width: m.Bounds.Dx(), Height: m.Bounds.Dy(), Primary: m.Primary})
	}
	return &session.Screen{
		Monitors: tm,
		Open: func(m int) (stream.Source, error) {
			src, err := capture.Open(display, region(m))
			if err != nil {
				return nil, err
			}
			return sized{src}, nil
		},
		Region: func(m int) image.Rectangle {
			if r := region(m); !r.Empty() {
				return r
			}
			var all image.Rectangle
			for _, mo := range mons {
				all = all.Union(mo.Bounds)
			}
			return all
		},
		Input: inputFor(display),
	}, nil
}

// sized adapts a capture source to the stream's interface.
type sized struct{ capture.Source }

func (s sized) Size() image.Point { return s.Bounds().Size() }

func orText(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
