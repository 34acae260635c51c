// Package terminal is the agent's --no-gui face, for machines without a
// desktop and for tests: every request is one line on standard output,
// answered by one line on standard input — y (allow once), n (deny) or a
// (allow this and every further request during this session). Other input
// lines are commands:
//
//	stop                      end viewing and control at once
//	leave                     leave the session
//	chat TEXT                 send a chat line to everyone
//	files                     show the files the CSR published again
//	download N[,N…]|all DIR   download those files (numbered as shown) into the folder DIR
//	abort                     abort the download that is running
//	end-files                 close the list of published files (End File Transfer)
//
// Every line the terminal writes starts with a word that says what it is:
// REQUEST and ANSWER (a consent request), STATUS, CHAT, SHARING, NOTICE,
// ENDED, and for basic file transfer FILES (the list changed, or closed)
// followed by one FILE line per published file ("FILE 2 report.pdf
// (2.1 MB)"), PROGRESS (at most once a second during a download),
// DOWNLOADED (the download is complete) and FAILED (it is not). DIR is the
// rest of the line: it may contain spaces, and "~" is the home folder.
// A secondary customer's agent watches the screen the primary customer
// shares: WATCHING lines say when the picture comes and goes (watch.go);
// the terminal shows no picture.
package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
)

var _ Agent = (*session.Agent)(nil)

// Agent is what the commands ask of the running agent. *session.Agent
// satisfies it.
type Agent interface {
	// Stop ends viewing and control at once and withdraws every grant.
	Stop()
	// Leave leaves the session.
	Leave()
	// Chat sends a chat line to everyone in the session.
	Chat(text string)
	// Download fetches published files by name into the folder dir.
	// Cancelling ctx aborts it.
	Download(ctx context.Context, names []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error)
	// EndFileTransfer closes the list of published files on both sides.
	EndFileTransfer()
}

// Terminal reads answers and commands from in and writes lines to out.
type Terminal struct {
	out io.Writer
	mu  sync.Mutex // serialises writes and the prompt state

	answers chan string
	asking  bool
	lines   chan string
	eof     chan struct{}

	// Basic file transfer; fmu is never held while taking mu's turn to
	// write, so the two cannot deadlock.
	fmu      sync.Mutex
	files    []filetransfer.DirEntry // the published list as last printed; nil: none
	from     string                  // the CSR who published it
	hidden   int                     // entries of it not shown (unsafe names)
	download *download               // the download running, if any

	watching bool // the last WATCHING line said the shared screen is shown (under mu)

	now   func() time.Time // the clock of the progress lines (tests replace it)
	every time.Duration    // at most one progress line this often
}

// New starts reading lines from in.
func New(in io.Reader, out io.Writer) *Terminal {
	t := &Terminal{out: out, answers: make(chan string), lines: make(chan string, 16), eof: make(chan struct{}),
		now: time.Now, every: time.Second}
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
		t.println("REQUEST %s %s: %s. Allow? y = yes, once; n = no; a = yes, and every request during this session",
			printable(r.ID), printable(r.Action), printable(session.Describe(r)))
		select {
		case line := <-t.answers:
			switch strings.ToLower(line) {
			case "y", "yes":
				t.println("ANSWER %s allowed once", printable(r.ID))
				return consent.AllowOnce
			case "a", "all":
				t.println("ANSWER %s allowed, with every request during this session", printable(r.ID))
				return consent.AllowAll
			case "n", "no":
				t.println("ANSWER %s denied", printable(r.ID))
				return consent.Deny
			}
			t.println("NOTICE please answer y, n or a")
		case <-t.eof:
			t.println("ANSWER %s denied (no input to answer with)", printable(r.ID))
			return consent.Deny
		case <-ctx.Done():
			return consent.Deny
		}
	}
}

// Show prints one event as one line. Text from the other side is made
// printable first (see printable).
func (t *Terminal) Show(e session.Event) {
	e.Text, e.From = printable(e.Text), printable(e.From)
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
		t.println("SHARING %s", printable(Banner(e)))
	case session.EventNotice:
		t.println("NOTICE %s", e.Text)
	case session.EventRecording:
		t.println("RECORDING %s", e.Text)
	case session.EventEnded:
		// ENDED first: the stopped download's FAILED line follows it.
		t.println("ENDED %s", e.Text)
		t.stopDownload(errSessionEnded)
		t.fmu.Lock()
		t.files = nil
		t.fmu.Unlock()
	case session.EventFiles:
		t.showFiles(e)
	case session.EventWatch:
		t.showWatch(e)
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

// Commands runs the customer's commands until ctx ends. A download runs
// on its own goroutine, so that stop still works at once meanwhile; it is
// aborted when ctx ends.
func (t *Terminal) Commands(ctx context.Context, a Agent) {
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
			case "files":
				t.printFiles()
			case "download":
				t.startDownload(ctx, a, rest)
			case "abort":
				t.abort()
			case "end-files":
				t.endFiles(a)
			default:
				t.println("NOTICE unknown command %q: type stop, leave, chat followed by a message, files, download, abort or end-files", cmd)
			}
		case <-ctx.Done():
			return
		}
	}
}
