// Package gui is the agent's desktop window, a Fyne app that implements
// session.UI: the customer types the session number their support
// representative read out and their name, joins, chats, answers every
// request in a dialog ("Allow", "Deny", and "Grant permission for all actions
// during this session without prompting again"), and sees an always-on-top
// banner with a red Stop button while anyone views or controls the screen.
// A secondary customer sees the screen the primary customer shares in a
// read-only window of its own (watch.go).
//
// The window never touches the network: joining is Config.Start (the
// caller's code creates and runs the agent core), and everything else goes
// through the small Agent interface that *session.Agent satisfies. Every
// update from the agent's goroutines reaches the widgets through fyne.Do.
//
// Keeping the banner on top: Fyne 2.8's desktop.Window.RequestAlwaysOnTop
// (GLFW's "floating" window, _NET_WM_STATE_ABOVE under an EWMH window
// manager) and, on X11, ontop_x11.go: the sticky/skip-taskbar/skip-pager
// states (set as a property while the window is unmapped, sent as
// _NET_WM_STATE client messages once it is mapped), top-centre placement on
// the primary monitor, and — when no EWMH window manager runs (bare Xvfb,
// kiosk sessions) — raising the banner again whenever another window
// covers it. See ontop_x11.go for the limits.
package gui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
)

// Agent is what the window asks of a running agent. *session.Agent
// satisfies it.
type Agent interface {
	// Stop ends viewing and control at once and withdraws every grant.
	Stop()
	// Leave leaves the session.
	Leave()
	// Chat sends a chat line to everyone in the session.
	Chat(text string)
	// Download fetches published files by name into the folder dir,
	// reporting progress (from any goroutine). Cancelling ctx aborts it.
	Download(ctx context.Context, names []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error)
	// EndFileTransfer closes the list of published files on both sides.
	EndFileTransfer()
	// Watcher shows the screen another customer shares (watch.go).
	Watcher
}

var _ Agent = (*session.Agent)(nil)

// Config configures the window.
type Config struct {
	// Number, Name and Email prefill the join form (from the command line);
	// any of them may be empty.
	Number, Name, Email string
	// AutoJoin joins at once with Number, Name and Email, without waiting
	// for the customer: the agent starts again after a restart and rejoins
	// with the session's resume token.
	AutoJoin bool

	// Start joins the session and returns the running agent. It is called
	// on a background goroutine when the customer presses Join, with the
	// session number normalised to 9 digits, the trimmed name and email,
	// and this window as the agent's session.UI; it may block until the
	// join succeeded or failed. Its error is shown under the form's fields
	// (so it should be a sentence for the customer, such as "There is no
	// support session with this number…"), and the customer may correct the
	// fields and press Join again. Once Start returned an agent, a failure
	// that ends the agent later is reported with
	// ui.Show(session.Event{Kind: session.EventEnded, Text: …}).
	Start func(number, name, email string, ui session.UI) (Agent, error)

	// Queue, when set, is the support queue the customer asks for help in
	// (its name as customers read it) instead of joining by number: the
	// form asks for name, email and a short description of the problem,
	// and StartQueue waits in line (showing the place through ui) until a
	// support representative takes the session. LeaveQueue gives the place
	// up while StartQueue waits.
	Queue      string
	Problem    string
	StartQueue func(name, email, problem string, ui session.UI) (Agent, error)
	LeaveQueue func()
}

// AppID is the Fyne application ID of the agent's window (preferences).
const AppID = "org.lifeline.agent"

// Run opens the window and runs the Fyne event loop until the customer
// closes the window or ctx ends. It must be called on the main goroutine
// (Fyne's drivers need the main thread). It returns ctx.Err() when ctx
// ended, nil when the customer closed the window.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Start == nil {
		return errors.New("gui: Config.Start is nil")
	}
	a := app.NewWithID(AppID)
	u := newUI(a, cfg)
	u.win.Show()
	u.autoJoin()
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	a.Run()
	stop()
	u.shutdown()
	return ctx.Err()
}
