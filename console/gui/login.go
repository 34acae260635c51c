package gui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/controller"
	"lifeline/console/profile"
	"lifeline/shared/protocol"
)

// profileStore is what the console remembers between runs: the servers
// trusted on first use and the kept login (console/profile).
type profileStore struct {
	known *profile.KnownServers
	saved *profile.Saved
	log   *slog.Logger
}

func openProfile(dir string, log *slog.Logger) *profileStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		d, err := profile.DefaultDir()
		if err != nil {
			// Without a configuration folder nothing is remembered: every
			// self-signed server is a first use, and no login is kept.
			log.Warn("console: no configuration folder; trusted servers and logins are not remembered", "err", err)
			d, err = os.MkdirTemp("", "lifeline-console-")
			if err != nil {
				d = os.TempDir()
			}
		}
		dir = d
	}
	return &profileStore{known: profile.NewKnownServers(dir), saved: profile.NewSaved(dir), log: log}
}

// kept reports whether token is the saved login's (which must stay valid
// on the server when the console closes).
func (p *profileStore) kept(token string) bool {
	l, ok, err := p.saved.Load()
	return err == nil && ok && token != "" && l.Token == token
}

func (p *profileStore) clear() {
	if err := p.saved.Clear(); err != nil {
		p.log.Warn("console: could not remove the saved login", "err", err)
	}
}

// check decides how the server is trusted (off the UI thread).
func (u *ui) check(server string) (profile.Decision, error) {
	ctx, cancel := u.ctx(15 * time.Second)
	defer cancel()
	d, err := profile.Check(ctx, u.prof.known, server, profile.Options{Override: u.cfg.TLS})
	return d, err
}

// showFingerprint shows how the prefilled server is trusted.
func (u *ui) showFingerprint(server string) {
	u.goDo(func() {
		d, err := u.check(server)
		u.do(func() {
			if err != nil {
				u.login.SetFingerprint(u.trust)
				return
			}
			u.login.SetFingerprint(d.Message)
		})
	})
}

// doLogin checks the server's certificate (asking the CSR to confirm a
// server met for the first time), then logs in.
func (u *ui) doLogin(server, email, password string, stay bool) {
	u.goDo(func() {
		d, err := u.check(server)
		u.do(func() {
			if err != nil {
				u.login.SetError(sentence(err))
				return
			}
			u.login.SetFingerprint(d.Message)
			switch {
			case d.Kind == profile.Changed:
				u.login.SetError("The server's certificate has changed since you trusted it: the console did not connect.")
				u.askForget(d)
			case d.Refused():
				u.login.SetError(d.Message)
			case d.NeedsConfirmation():
				u.askTrust(d, func() { u.logIn(d, email, password, stay) })
			default:
				u.logIn(d, email, password, stay)
			}
		})
	})
}

// askTrust shows a server's fingerprint on first use, like SSH, and
// remembers it once the CSR confirms.
func (u *ui) askTrust(d profile.Decision, next func()) {
	fp := widget.NewLabel(twoLines(d.Probe.Fingerprint))
	fp.TextStyle = fyne.TextStyle{Monospace: true}
	fp.Wrapping = fyne.TextWrapBreak
	text := wrapped(fmt.Sprintf("This is the first time the console connects to %s, and no authority this computer "+
		"trusts vouches for its certificate. Compare the fingerprint below with the one your administrator gave you "+
		"(the server prints it when it starts). Trust the server only if they are the same.", d.Server))
	dlg := dialog.NewCustomConfirm("Trust this server?", "Trust and Log In", "Cancel",
		container.NewVBox(text, widget.NewLabel("Certificate fingerprint (SHA-256):"), fp),
		func(ok bool) {
			if !ok {
				u.login.SetError("You did not trust the server, so the console did not connect.")
				return
			}
			if _, err := u.prof.known.Remember(d.URL, d.Probe.Fingerprint); err != nil {
				u.login.SetError(sentence(err))
				return
			}
			next()
		}, u.win)
	dlg.Resize(fyne.NewSize(620, 0))
	dlg.Show()
}

// askForget offers to forget a server whose certificate changed, once the
// CSR has checked with the administrator.
func (u *ui) askForget(d profile.Decision) {
	msg := wrapped(d.Message)
	dlg := dialog.NewCustomConfirm("Certificate changed", "Forget the Old Certificate", "Cancel",
		container.NewVScroll(msg), func(ok bool) {
			if !ok {
				return
			}
			if err := u.prof.known.Forget(d.URL); err != nil {
				u.login.SetError(sentence(err))
				return
			}
			u.login.SetError("The old certificate is forgotten. Log in again to check the new one's fingerprint.")
		}, u.win)
	dlg.Resize(fyne.NewSize(640, 360))
	dlg.Show()
}

func (u *ui) logIn(d profile.Decision, email, password string, stay bool) {
	u.login.SetBusy(true)
	u.goDo(func() {
		tlsConf, err := profile.TLSConfig(d)
		if err != nil {
			u.do(func() { u.login.SetError(sentence(err)) })
			return
		}
		c := controller.New(controller.Config{Server: d.URL, TLS: tlsConf, LoopbackOnly: u.cfg.LoopbackOnly, Log: u.cfg.Log})
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
		if stay {
			if err := u.prof.saved.Save(profile.Login{Server: d.URL, Email: email, Token: c.Token(), Fingerprint: d.Pin()}); err != nil {
				u.prof.log.Warn("console: could not keep the login", "err", err)
			}
		} else {
			u.prof.clear()
		}
		u.do(func() { u.loggedIn(c, d.URL, user) })
	})
}

// resumeSaved logs in with the kept login, if there is one for this
// server. It reports whether it is trying.
func (u *ui) resumeSaved() bool {
	l, ok, err := u.prof.saved.Load()
	if err != nil || !ok {
		return false
	}
	if u.cfg.Server != "" {
		want, err1 := profile.ServerKey(u.cfg.Server)
		have, err2 := profile.ServerKey(l.Server)
		if err1 != nil || err2 != nil || want != have {
			return false
		}
	}
	u.login.server.SetText(l.Server)
	u.login.email.SetText(l.Email)
	u.login.SetBusy(true)
	u.login.SetFingerprint("Logging in again as " + l.Email + "…")
	u.goDo(func() {
		c, user, problem := u.resume(l)
		u.do(func() {
			if problem != "" {
				u.login.SetError(problem)
				u.win.Canvas().Focus(u.login.password)
				return
			}
			u.loggedIn(c, l.Server, user)
		})
	})
	return true
}

// resume logs in with a kept login. When it cannot, problem is the
// sentence to show on the login window.
func (u *ui) resume(l profile.Login) (c *controller.Controller, user protocol.User, problem string) {
	d, err := u.check(l.Server)
	if err == nil {
		err = l.ResumableWith(d)
		if err != nil {
			u.prof.clear()
		}
	}
	if err != nil {
		return nil, user, "Your kept login could not be used: " + sentence(err) + " Log in with your password."
	}
	tlsConf, err := profile.TLSConfig(d)
	if err != nil {
		return nil, user, sentence(err)
	}
	c = controller.New(controller.Config{Server: l.Server, TLS: tlsConf, LoopbackOnly: u.cfg.LoopbackOnly, Log: u.cfg.Log})
	ctx, cancel := u.ctx(30 * time.Second)
	defer cancel()
	user, err = c.Resume(ctx, l.Token)
	if err != nil {
		c.Close()
		var r *controller.Refused
		if errors.As(err, &r) {
			u.prof.clear()
			return nil, user, "Your kept login has expired or was ended. Log in with your password."
		}
		return nil, user, "Could not log in again: " + sentence(err)
	}
	return c, user, ""
}

// loggedIn switches to the sessions once a controller is logged in, and
// reopens the sessions the CSR is still in.
func (u *ui) loggedIn(c *controller.Controller, server string, user protocol.User) {
	u.mu.Lock()
	u.ctrl = c
	u.mu.Unlock()
	u.server = server
	u.goDo(func() { u.events(c) })
	u.login.SetBusy(false)
	u.login.password.SetText("")
	u.main.SetUser(user.Name, user.Email)
	u.main.Message("", false)
	u.win.SetTitle("Lifeline Console — " + user.Name)
	u.win.SetContent(u.main.content)
	u.win.Canvas().Unfocus() // the password box is gone: shortcuts work at once
	u.updateLimits()
	u.watchQueues(c)
	u.goDo(func() {
		p := u.fetchPolicy(c)
		u.do(func() { u.applyPolicy(p) })
		u.attachLive(c)
	})
}

func (u *ui) doLogout() {
	if len(u.sessions) > 0 {
		dialog.ShowInformation("Sessions open", "End or leave your open sessions before you log out.", u.win)
		return
	}
	c := u.controller()
	u.mu.Lock()
	u.ctrl = nil
	u.mu.Unlock()
	u.prof.clear()
	u.closeScripts()
	u.closeReports()
	u.stopQueues()
	u.win.SetContent(u.login.content)
	u.win.SetTitle("Lifeline Console")
	u.main.Message("", false)
	u.setTray()
	if c != nil {
		u.goDo(func() {
			c.Close()
			ctx, cancel := u.ctx(5 * time.Second)
			_ = c.Logout(ctx)
			cancel()
		})
	}
}

// confirmQuit asks before closing the console while sessions are open:
// they stay open on the server for its grace period, without the CSR.
func (u *ui) confirmQuit() {
	if len(u.sessions) == 0 {
		u.app.Quit()
		return
	}
	msg := "Session " + spaced(u.sessions[u.order[0]].s.Number()) + " is still open."
	if len(u.sessions) > 1 {
		msg = fmt.Sprintf("%d sessions are still open.", len(u.sessions))
	}
	dialog.ShowConfirm("Sessions in progress",
		msg+" If you close the console now, the customers wait without you until you start it again or the server "+
			"ends the sessions. Close anyway?",
		func(ok bool) {
			if ok {
				u.app.Quit()
			}
		}, u.win)
}

// twoLines breaks a fingerprint (32 hex pairs) after its 16th pair, so
// that it wraps between pairs rather than inside one.
func twoLines(fp string) string {
	if len(fp) == 95 && fp[47] == ':' {
		return fp[:48] + "\n" + fp[48:]
	}
	return fp
}
