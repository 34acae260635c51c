// Package gui is the desktop console of Lifeline, a Fyne app for the CSR.
//
// After logging in (the server's certificate is trusted by the system, by
// a flag, or pinned on first use like SSH; the login can be kept across
// restarts), the CSR starts sessions (with a session type and tracking
// code when the server asks for them) or assists a colleague's session by
// its number. Each session has its own tab — or fills the window in
// single-session mode — with its number, the invitation (copy the join
// link, email it through the CSR's own mail program, the "join from the
// website" instructions), the participants (make a secondary customer
// primary, transfer control to an assistant), the chat (to everyone or to
// one participant, quick phrases from the server, an unread count), the
// notes, and the customer's desktop: Request View, Request Control and a
// sharing window with the screen live (fit or 1:1 with scrolling, full
// screen, monitor choice, Standard or Screen Sampling, colour depth, a
// status line with fps, kbit/s and latency). End Session reviews the
// notes; a CSR who is not the host can only leave. A system tray menu and
// desktop notifications (a customer joined, a chat line while the console
// is in the background) keep the CSR informed.
//
// The Script Library window lists the CSR's own scripts and the published
// ones, sorted by any column and filtered by category, and adds, edits and
// deletes the CSR's own (the files are read and checked against the 1 MB
// limit before anything is sent).
//
// The Reports window (from the top bar) covers a period, the last 7 days
// unless the CSR types other dates (the server refuses more than three
// months, with a sentence the window shows): the Query tool's sessions,
// searched by customer and sorted by any column through the server, with
// the selected session's Session Details (participants, requests, chat,
// notes, scripts, file transfers, events); Call Volume by day and CSR
// Activity, with a bar per line; Export CSV… saves the server's CSV of the
// report shown. A CSR sees their own sessions, a manager everyone's.
//
// The customer's computer, each tool after the customer's consent (and
// hidden when the site switched it off): System Information (categories,
// Refresh, Save as text, Print through console/printing), Run Scripts
// (library scripts in an order the CSR sets, live output, each result in
// the chat of every CSR), File Transfer (two panes, files and folders both
// ways, progress, Abort), Publish Files (basic transfer: the customer
// downloads what they pick) and Reboot Computer (the customer shows as
// restarting until their agent rejoins).
//
// Support queues (the guide's inbound sessions): for a CSR who serves a
// queue, or to whom a colleague transferred a session, the Queues tab
// lists the customers waiting in order — name, email, problem, how long
// they have waited, live — with Accept Next per queue and Take for the
// transferred sessions, within the session limit; the new session's tab
// shows the customer's problem and the colleague's message. The host
// transfers a session to a queue or a colleague with Transfer Session
// (a personal message of at most 345 characters) and leaves it.
//
// The views (*_view.go) never touch the network. The glue talks only to
// console/controller, on background goroutines, and updates the widgets
// only through fyne.Do (ui.do).
package gui

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lifeline/console/controller"
)

// AppID is the Fyne application ID of the console.
const AppID = "org.lifeline.console"

// Config configures the console.
type Config struct {
	// Server and Email prefill the login window; either may be empty.
	Server, Email string
	// TLS is how the server is trusted when the CSR said so on the command
	// line (--ca-file or --server-fingerprint via tlsutil.ClientConfig);
	// nil means the system's CAs, or a fingerprint pinned on first use.
	TLS *tls.Config
	// Trust describes TLS set by flags for the login window, e.g. "Only a
	// server whose certificate has the fingerprint … is trusted".
	Trust string
	// ProfileDir keeps the servers trusted on first use and the saved
	// login; "" is the CSR's configuration folder (profile.DefaultDir).
	ProfileDir string
	// LoopbackOnly is passed to the controller (tests on one machine).
	LoopbackOnly bool
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// Run opens the console and runs the Fyne event loop until the CSR quits
// or ctx ends. It must be called on the main goroutine.
func Run(ctx context.Context, cfg Config) error {
	a := app.NewWithID(AppID)
	u := newUI(a, cfg)
	u.start()
	u.win.Show()
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	a.Run()
	stop()
	u.shutdown()
	return ctx.Err()
}

// ui is the glue between the views and the controller. Its fields without
// a comment are owned by the UI thread.
type ui struct {
	app   fyne.App
	cfg   Config
	win   fyne.Window
	login *loginView
	main  *mainView
	// do runs f on the UI thread (fyne.Do; tests replace it).
	do func(f func())

	server   string
	trust    string
	prof     *profileStore
	policy   policy
	sessions map[string]*sessionUI // by session id
	order    []string              // session ids, in the order opened
	focused  bool                  // the console is the foreground app
	starting bool                  // a start or assist is on its way
	scripts  *scriptsWindow        // the Script Library window, when open
	reports  *reportsWindow        // the Reports window, when open
	q        *queuesUI             // the Queues tab and its board

	mu   sync.Mutex // guards ctrl, which goroutines read
	ctrl *controller.Controller
	wg   sync.WaitGroup
	quit chan struct{}
	once sync.Once
}

func newUI(a fyne.App, cfg Config) *ui {
	u := &ui{app: a, cfg: cfg, do: fyne.Do, quit: make(chan struct{}), sessions: map[string]*sessionUI{}, focused: true}
	u.policy = defaultPolicy()
	u.prof = openProfile(cfg.ProfileDir, cfg.Log)
	u.win = a.NewWindow("Lifeline Console")
	// Fits a 1366×768 screen with a title bar and a panel.
	u.win.Resize(fyne.NewSize(1200, 680))
	u.trust = cfg.Trust
	if u.trust == "" {
		u.trust = "A server whose certificate your computer does not already trust is shown with its fingerprint " +
			"the first time, and remembered once you confirm it."
	}
	u.login = newLoginView(cfg.Server, cfg.Email, u.trust)
	u.login.OnLogin = u.doLogin
	u.main = newMainView()
	u.main.OnStart = u.askStart
	u.main.OnAssist = u.askAssist
	u.main.OnLogout = u.doLogout
	u.main.OnScripts = u.openScripts
	u.main.OnReports = u.openReports
	u.main.OnSelect = u.selected
	u.initQueues()
	u.win.SetContent(u.login.content)
	u.win.SetMaster()
	u.win.SetMainMenu(u.mainMenu())
	u.win.SetCloseIntercept(u.confirmQuit)
	u.addShortcuts()
	lc := a.Lifecycle()
	lc.SetOnEnteredForeground(func() { u.focused = true; u.seen(u.main.Selected()) })
	lc.SetOnExitedForeground(func() { u.focused = false })

	if cfg.Server == "" {
		u.win.Canvas().Focus(u.login.server)
	} else if cfg.Email == "" {
		u.win.Canvas().Focus(u.login.email)
	} else {
		u.win.Canvas().Focus(u.login.password)
	}
	return u
}

// start begins the background work of the login window: logging in again
// with a saved login, or showing the prefilled server's fingerprint.
func (u *ui) start() {
	u.setTray()
	if u.resumeSaved() {
		return
	}
	if server := u.cfg.Server; server != "" {
		u.showFingerprint(server)
	}
}

// goDo runs f on a background goroutine tracked for shutdown.
func (u *ui) goDo(f func()) {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		f()
	}()
}

func (u *ui) controller() *controller.Controller {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ctrl
}

// shutdown closes the controller (sessions stay live on the server for its
// grace period) and waits for the background goroutines. A kept login
// stays valid; otherwise the login ends on the server.
func (u *ui) shutdown() {
	u.once.Do(func() { close(u.quit) })
	u.mu.Lock()
	c := u.ctrl
	u.mu.Unlock()
	if c != nil {
		c.Close()
		if !u.prof.kept(c.Token()) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_ = c.Logout(ctx)
			cancel()
		}
	}
	u.wg.Wait()
}

// ctx is a context for one background call, cancelled at shutdown.
func (u *ui) ctx(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	go func() {
		select {
		case <-u.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (cfg Config) logger() *slog.Logger {
	if cfg.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return cfg.Log
}
