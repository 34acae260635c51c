// Package terminal is the agent's --no-gui face, for machines without a
// desktop and for tests: every request is one line on standard output,
// answered by one line on standard input — y (allow once), n (deny) or a
// (allow this and every further request during this session). Other input
// lines are commands: stop, leave, chat TEXT.
package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"lifeline/agent/consent"
	"lifeline/agent/session"
)

// Terminal reads answers and commands from in and writes lines to out.
type Terminal struct {
	out io.Writer
	mu  sync.Mutex // serialises writes and the prompt state

	answers chan string
	asking  bool
	lines   chan string
	eof     chan struct{}
}

// New starts reading lines from in.
func New(in io.Reader, out io.Writer) *Terminal {
	t := &Terminal{out: out, answers: make(chan string), lines: make(chan string, 16), eof: make(chan struct{})}
	go t.read(in)
	return t
}

func (t *Terminal) read(in io.Reader) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		t.mu.Lock()
		asking := t.asking
		t.mu.Unlock()
		if asking {
			t.answers <- line
			continue
		}
		t.lines <- line
	}
	close(t.eof)
}

func (t *Terminal) println(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, format+"\n", args...)
}

// Ask prints the request and waits for y, n or a. When standard input is
// closed nobody can answer, so the request is denied.
func (t *Terminal) Ask(ctx context.Context, r session.Request) consent.Answer {
	t.mu.Lock()
	t.asking = true
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.asking = false
		t.mu.Unlock()
	}()
	for {
		t.println("REQUEST %s %s: %s. Allow? y = yes, once; n = no; a = yes, and every request during this session", r.ID, r.Action, session.Describe(r))
		select {
		case line := <-t.answers:
			switch strings.ToLower(line) {
			case "y", "yes":
				t.println("ANSWER %s allowed once", r.ID)
				return consent.AllowOnce
			case "a", "all":
				t.println("ANSWER %s allowed, with every request during this session", r.ID)
				return consent.AllowAll
			case "n", "no":
				t.println("ANSWER %s denied", r.ID)
				return consent.Deny
			}
			t.println("NOTICE please answer y, n or a")
		case <-t.eof:
			t.println("ANSWER %s denied (no input to answer with)", r.ID)
			return consent.Deny
		case <-ctx.Done():
			return consent.Deny
		}
	}
}

// Show prints one event as one line.
func (t *Terminal) Show(e session.Event) {
	switch e.Kind {
	case session.EventStatus:
		t.println("STATUS %s", e.Text)
	case session.EventChat:
		if e.Private {
			t.println("CHAT (to you) %s: %s", e.From, e.Text)
		} else {
			t.println("CHAT %s: %s", e.From, e.Text)
		}
	case session.EventSharing:
		t.println("SHARING %s", Banner(e))
	case session.EventNotice:
		t.println("NOTICE %s", e.Text)
	case session.EventEnded:
		t.println("ENDED %s", e.Text)
	}
}

// Banner is the sentence of the "being viewed" banner.
func Banner(e session.Event) string {
	switch {
	case len(e.Controllers) > 0:
		return strings.Join(e.Controllers, ", ") + " is controlling your screen (type stop to end)"
	case len(e.Viewers) > 0:
		return strings.Join(e.Viewers, ", ") + " is viewing your screen (type stop to end)"
	default:
		return "nobody is viewing your screen"
	}
}

// Commands runs the customer's commands until ctx ends.
func (t *Terminal) Commands(ctx context.Context, a *session.Agent) {
	for {
		select {
		case line := <-t.lines:
			cmd, rest, _ := strings.Cut(line, " ")
			switch strings.ToLower(cmd) {
			case "":
			case "stop":
				a.Stop()
			case "leave":
				a.Leave()
			case "chat":
				if strings.TrimSpace(rest) != "" {
					a.Chat(rest)
				}
			default:
				t.println("NOTICE unknown command %q: type stop, leave, or chat followed by a message", cmd)
			}
		case <-ctx.Done():
			return
		}
	}
}
