// Package gui is the desktop console of Lifeline, a Fyne app for the CSR:
// log in (the server's certificate fingerprint is shown), start a support
// session (its number shown large, with Copy), invite the customer (copy the
// join link, an email through the CSR's own mail program, the "join from
// the website" instructions), see the participants, chat with everyone or
// with one participant, keep notes, request view or control of the
// customer's screen and watch it live in a sharing window (Standard or
// Screen Sampling, colour depth, a status line with fps, kbit/s and
// latency; in control mode clicks, the wheel and keys go to the customer
// until Leave Control), and end the session after reviewing the notes.
//
// The views (views.go) never touch the network. The glue (this file) talks
// only to console/controller, on background goroutines, and updates the
// widgets only through fyne.Do.
//
// Not built yet, and therefore not shown: multi-session tabs, assist
// sessions, transfers, quick phrases, the tray icon, notifications,
// trust-on-first-use pinning and "stay logged in".
package gui

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/controller"
	"lifeline/shared/tlsutil"
)

// AppID is the Fyne application ID of the console.
const AppID = "org.lifeline.console"

// Config configures the console.
type Config struct {
	// Server and Email prefill the login form; either may be empty.
	Server, Email string
	// TLS is how the server is trusted (from --ca-file or
	// --server-fingerprint via tlsutil.ClientConfig); nil means the
	// system's CAs.
	TLS *tls.Config
	// Trust describes TLS for the login window, e.g. "Trusted by
	// fingerprint (--server-fingerprint)".
	Trust string
	// LoopbackOnly is passed to the controller (tests on one machine).
	LoopbackOnly bool
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// Run opens the console and runs the Fyne event loop until the CSR closes
// the window or ctx ends. It must be called on the main goroutine.
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

// ui is the glue between the views and the controller.
type ui struct {
	app   fyne.App
	cfg   Config
	win   fyne.Window
	login *loginView
	dash  *dashboardView
	// do runs f on the UI thread (fyne.Do; tests replace it).
	do func(f func())

	// Owned by the UI thread.
	server    string
	sess      *controller.Session
	names     map[string]string // participant id → name, of the current session
	share     *sharingWindow
	notesSent string
	endDialog dialog.Dialog
	trust     string

	mu   sync.Mutex // guards ctrl, which goroutines read
	ctrl *controller.Controller
	wg   sync.WaitGroup
	quit chan struct{}
	once sync.Once
}

func newUI(a fyne.App, cfg Config) *ui {
	u := &ui{app: a, cfg: cfg, do: fyne.Do, quit: make(chan struct{}), names: map[string]string{}}
	u.win = a.NewWindow("Lifeline Console")
	u.win.Resize(fyne.NewSize(1200, 720))
	trust := cfg.Trust
	if trust == "" {
		trust = "The server's certificate is checked against this computer's trusted authorities."
	}
	u.trust = trust
	u.login = newLoginView(cfg.Server, cfg.Email, trust)
	u.login.OnLogin = u.doLogin
	u.dash = newDashboardView()
	u.dash.OnStart = u.doStart
	u.dash.OnLogout = u.doLogout
	u.dash.OnCopy = func(s string) { u.app.Clipboard().SetContent(s) }
	u.dash.OnEmail = u.doEmail
	u.dash.OnSend = u.doSend
	u.dash.OnNotes = u.doNotes
	u.dash.OnEnd = u.confirmEnd
	u.dash.OnRequestView = func() { u.doRequest(false) }
	u.dash.OnRequestControl = func() { u.doRequest(true) }
	u.win.SetContent(u.login.content)
	u.win.SetMaster()
	u.win.SetCloseIntercept(u.confirmQuit)

	if cfg.Server == "" {
		u.win.Canvas().Focus(u.login.server)
	} else if cfg.Email == "" {
		u.win.Canvas().Focus(u.login.email)
	} else {
		u.win.Canvas().Focus(u.login.password)
	}
	return u
}

// start begins the background work of the login window: showing the
// prefilled server's certificate fingerprint.
func (u *ui) start() {
	if server := u.cfg.Server; server != "" {
		u.goDo(func() {
			fp := probeFingerprint(server)
			u.do(func() { u.login.SetFingerprint(u.trust + "\n" + fp) })
		})
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
// grace period) and waits for the background goroutines.
func (u *ui) shutdown() {
	u.once.Do(func() { close(u.quit) })
	u.mu.Lock()
	c := u.ctrl
	u.mu.Unlock()
	if c != nil {
		c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = c.Logout(ctx)
		cancel()
	}
	u.wg.Wait()
}

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

// ---- Login ----------------------------------------------------------------

func (u *ui) doLogin(server, email, password string) {
	u.goDo(func() {
		fp := probeFingerprint(server)
		u.do(func() { u.login.SetFingerprint(u.trust + "\n" + fp) })
		c := controller.New(controller.Config{Server: server, TLS: u.cfg.TLS, LoopbackOnly: u.cfg.LoopbackOnly, Log: u.cfg.Log})
		ctx, cancel := u.ctx(30 * time.Second)
		user, err := c.Login(ctx, email, password)
		cancel()
		if err != nil {
			c.Close()
			msg := sentence(err)
			if controller.IsCode(err, "invalid_credentials") {
				msg = "The email address or password is not right. Please try again."
			}
			u.do(func() { u.login.SetError(msg) })
			return
		}
		u.mu.Lock()
		u.ctrl = c
		u.mu.Unlock()
		u.goDo(func() { u.events(c) })
		u.do(func() {
			u.server = server
			u.login.SetBusy(false)
			u.login.password.SetText("")
			u.dash.SetUser(user.Name, user.Email)
			u.win.SetTitle("Lifeline Console — " + user.Name)
			u.win.SetContent(u.dash.content)
		})
	})
}

// probeFingerprint reads the server's certificate to show its fingerprint.
// It only looks; whether the server is trusted is decided by cfg.TLS when
// logging in.
func probeFingerprint(server string) string {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return "The server address is not valid."
	}
	if u.Scheme != "https" {
		return "This connection is not encrypted (http): use https for real sessions."
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config: &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}} //nolint:gosec // only reads the certificate to show it
	conn, err := d.Dial("tcp", host)
	if err != nil {
		return "The server's certificate could not be read: " + err.Error()
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "The server sent no certificate."
	}
	fp := tlsutil.Fingerprint(certs[0].Raw)
	return "This server's certificate fingerprint (SHA-256):\n" + fp
}

func (u *ui) doLogout() {
	if u.sess != nil && !isEnded(u.sess) {
		dialog.ShowInformation("Session in progress", "End the session before you log out.", u.win)
		return
	}
	c := u.controller()
	u.mu.Lock()
	u.ctrl = nil
	u.mu.Unlock()
	u.sess = nil
	u.closeSharing()
	u.win.SetContent(u.login.content)
	u.win.SetTitle("Lifeline Console")
	u.dash.ShowIdle("")
	if c != nil {
		u.goDo(func() {
			c.Close()
			ctx, cancel := u.ctx(5 * time.Second)
			_ = c.Logout(ctx)
			cancel()
		})
	}
}

func isEnded(s *controller.Session) bool {
	select {
	case <-s.Ended():
		return true
	default:
		return false
	}
}

// confirmQuit asks before closing the console while a session is live:
// the session stays open on the server for its grace period, without the
// CSR.
func (u *ui) confirmQuit() {
	if u.sess == nil || isEnded(u.sess) {
		u.app.Quit()
		return
	}
	dialog.ShowConfirm("Session in progress",
		"Session "+spaced(u.sess.Number())+" is still open. If you close the console now, the customer waits "+
			"without you until the server ends the session. Close anyway?",
		func(ok bool) {
			if ok {
				u.app.Quit()
			}
		}, u.win)
}

// ---- Session --------------------------------------------------------------

func (u *ui) doStart() {
	c := u.controller()
	if c == nil {
		return
	}
	u.goDo(func() {
		ctx, cancel := u.ctx(20 * time.Second)
		s, err := c.StartSession(ctx, "", "")
		cancel()
		if err != nil {
			u.do(func() { u.dash.StartFailed(sentence(err)) })
			return
		}
		st := s.State()
		u.do(func() {
			u.sess = s
			u.notesSent = ""
			u.names = map[string]string{}
			site := u.server
			if p, err := url.Parse(s.JoinURL()); err == nil && p.Host != "" {
				site = p.Scheme + "://" + p.Host
			}
			u.dash.ShowSession(st.Number, s.JoinURL(), site)
			u.refresh()
		})
	})
}

// refresh shows the current session's roster.
func (u *ui) refresh() {
	if u.sess == nil {
		return
	}
	st := u.sess.State()
	for _, p := range st.Participants {
		u.names[p.ID] = p.Name
	}
	u.dash.SetParticipants(st)
}

// events reads the controller's events until it is closed.
func (u *ui) events(c *controller.Controller) {
	for ev := range c.Events() {
		u.do(func() { u.onEvent(ev) })
	}
}

func (u *ui) onEvent(ev controller.Event) {
	switch ev.Kind {
	case controller.EventDisconnected:
		u.dash.SetStatus("The connection to the server is down; reconnecting…")
		return
	case controller.EventReconnected:
		u.dash.SetStatus("")
		return
	}
	if u.sess == nil || ev.Session != u.sess.ID() {
		return
	}
	switch ev.Kind {
	case controller.EventJoined, controller.EventLeft, controller.EventPresence:
		u.refresh()
	case controller.EventChat:
		u.refresh()
		line := chatLine{From: ev.FromName, Text: ev.Text}
		if ev.FromName == "" {
			line.From = u.names[ev.From]
		}
		if ev.To != "" {
			line.Private = true
			line.To = u.names[ev.To]
		}
		u.dash.AddChat(line)
	case controller.EventNotes:
		u.dash.notes.SetText(ev.Text)
		u.notesSent = ev.Text
	case controller.EventStopSharing:
		u.refresh()
		if u.share != nil { // not closed here: the customer (or the server) stopped it
			u.dash.SetDesktopMessage("Screen sharing has ended: " + orDefault(ev.Text, "the customer stopped it") +
				" Request view or control to see the customer's screen again.")
			u.closeSharing()
		}
	case controller.EventStreamStop:
		u.refresh()
		if u.share != nil {
			u.share.view.SetStatus(sentence(errors.New(orDefault(ev.Text, "the screen sharing stopped"))))
		}
	case controller.EventPaused:
		u.dash.SetDesktopMessage("The customer took the mouse and keyboard back.")
	case controller.EventResumed:
		u.dash.SetDesktopMessage("You have control of the customer's mouse and keyboard again.")
	case controller.EventServerError:
		u.dash.SetDesktopMessage(sentence(errors.New(ev.Text)))
	case controller.EventEnded:
		if u.endDialog != nil {
			u.endDialog.Hide()
			u.endDialog = nil
		}
		u.closeSharing()
		u.sess = nil
		u.dash.ShowIdle(sentence(errors.New(orDefault(ev.Text, "the session has ended"))))
	default:
		u.refresh()
	}
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func (u *ui) doSend(to, text string) {
	s := u.sess
	if s == nil {
		return
	}
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		err := s.Chat(ctx, to, text)
		cancel()
		u.do(func() {
			if err != nil {
				u.dash.ChatFailed("Your message was not sent: " + err.Error() + ".")
				return
			}
			if u.sess != s {
				return
			}
			// The controller does not echo our own lines: show them here.
			line := chatLine{From: u.names[s.State().You], Text: text}
			if to != "" {
				line.Private, line.To = true, u.names[to]
			}
			u.dash.AddChat(line)
		})
	})
}

func (u *ui) doNotes(text string) {
	s := u.sess
	if s == nil {
		return
	}
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		err := s.SetNotes(ctx, text)
		cancel()
		u.do(func() {
			if err != nil {
				dialog.ShowError(errors.New(sentence(err)), u.win)
				return
			}
			u.notesSent = text
		})
	})
}

func (u *ui) doEmail() {
	s := u.sess
	if s == nil {
		return
	}
	link, err := url.Parse(mailto(s.Number(), s.JoinURL(), u.dash.user.Text))
	if err == nil {
		err = u.app.OpenURL(link)
	}
	if err != nil {
		dialog.ShowInformation("Email", fmt.Sprintf("Your mail program could not be opened: %v. Copy the link instead.", err), u.win)
	}
}

// mailto builds the invitation email.
func mailto(number, joinURL, from string) string {
	subject := "Your support session " + spaced(number)
	body := fmt.Sprintf("Hello,\n\nPlease join the support session by opening this link:\n\n%s\n\n"+
		"If asked, the session number is %s.\n\nThank you,\n%s\n", joinURL, spaced(number), from)
	q := url.Values{"subject": {subject}, "body": {body}}
	// mailto wants %20 for spaces, not +.
	return "mailto:?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}

func (u *ui) confirmEnd() {
	s := u.sess
	if s == nil {
		return
	}
	notes := widget.NewMultiLineEntry()
	notes.Wrapping = fyne.TextWrapWord
	notes.SetText(u.dash.notes.Text)
	notes.SetMinRowsVisible(6)
	intro := widget.NewLabel("Review the notes for the session report, then end the session for everyone.")
	intro.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("End Session", "End Session", "Cancel",
		container.NewBorder(intro, nil, nil, nil, notes),
		func(ok bool) {
			if !ok {
				return
			}
			u.dash.endBtn.Disable()
			text := notes.Text
			u.dash.notes.SetText(text)
			u.goDo(func() {
				ctx, cancel := u.ctx(20 * time.Second)
				err := s.End(ctx, text)
				cancel()
				if err != nil {
					u.do(func() {
						u.dash.endBtn.Enable()
						dialog.ShowError(errors.New("The session could not be ended: "+err.Error()+"."), u.win)
					})
				}
			})
		}, u.win)
	d.Resize(fyne.NewSize(600, 360))
	u.endDialog = d
	d.Show()
}

// ---- Desktop --------------------------------------------------------------

func (u *ui) doRequest(control bool) {
	s := u.sess
	if s == nil {
		return
	}
	what := "view"
	if control {
		what = "control"
	}
	u.dash.viewBtn.Disable()
	u.dash.controlBtn.Disable()
	u.dash.SetDesktopMessage("Waiting for the customer to allow " + what + "…")
	u.goDo(func() {
		ctx, cancel := u.ctx(2 * time.Minute)
		var granted bool
		var err error
		if control {
			granted, err = s.RequestControl(ctx)
		} else {
			granted, err = s.RequestView(ctx)
		}
		cancel()
		u.do(func() {
			if u.sess != s {
				return
			}
			u.refresh()
			switch {
			case err != nil:
				u.dash.SetDesktopMessage("The request failed: " + err.Error() + ".")
			case !granted:
				u.dash.SetDesktopMessage("The customer declined the request to " + what + " their screen.")
			case control:
				u.dash.SetDesktopMessage("The customer allowed control: in the sharing window your clicks and keys go to " +
					"their computer until you press Leave Control.")
				u.openSharing(s, true)
			default:
				u.dash.SetDesktopMessage("The customer allowed you to view their screen: it is in the sharing window.")
				u.openSharing(s, false)
			}
		})
	})
}
