package gui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/controller"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// sessionUI is the console's side of one session: its panel, its sharing
// window and what the panel shows that the controller does not keep. It
// is owned by the UI thread.
type sessionUI struct {
	s         *controller.Session
	view      *sessionView
	names     map[string]string // participant id → name
	share     *sharingWindow
	notesSent string
	endDialog dialog.Dialog
	unread    int
	host      bool
	screen    controller.ScreenInfo
	monitor   int
	mode      string
	colors    string
	// The tools' windows, when open.
	sysinfo *sysinfoWindow
	runs    *runScriptsWindow
	publish *publishWindow
	// transfer is the open Transfer Session dialog.
	transfer *transferDialog
	// restarting holds the participants whose computer is restarting (nil
	// before the session's first state).
	restarting map[string]bool
	// settings are the session's settings as the tab follows them (nil:
	// the server did not say; the site's apply). phrases are the quick
	// phrases of the session (the site's, then its queue's), nil until
	// read, phrasesQueue the queue they were read for.
	settings     *protocol.SessionSettings
	phrases      []string
	phrasesQueue string
}

// ---- Starting, assisting, attaching ---------------------------------------

// askStart starts a session, first asking for the session type and
// tracking code when the server wants them.
func (u *ui) askStart() {
	if u.starting {
		return
	}
	u.askSessionDetails("Start Session", "Start", u.policy.trackingCode, u.doStart)
}

// askSessionDetails asks for the session type and tracking code when the
// server wants them (for Start Session and Accept Next), then goes on.
// tracking is the tracking code policy that applies: the site's for Start
// Session, the queue's for Accept Next.
func (u *ui) askSessionDetails(title, confirm, tracking string, then func(sessionType, trackingCode string)) {
	p := u.policy
	p.trackingCode = orDefault(tracking, p.trackingCode)
	if len(p.sessionTypes) == 0 && p.trackingCode == trackingOff {
		then("", "")
		return
	}
	var items []*widget.FormItem
	kind := widget.NewSelect(p.sessionTypes, nil)
	if len(p.sessionTypes) > 0 {
		kind.PlaceHolder = "Choose the type of session"
		items = append(items, widget.NewFormItem("Session type", kind))
	}
	code := widget.NewEntry()
	if p.trackingCode != trackingOff {
		code.SetPlaceHolder("Case or ticket number")
		if p.trackingCode == trackingRequired {
			code.Validator = func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("enter the tracking code")
				}
				return nil
			}
		}
		items = append(items, widget.NewFormItem("Tracking code", code))
	}
	d := dialog.NewForm(title, confirm, "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		if len(p.sessionTypes) > 0 && kind.Selected == "" {
			dialog.ShowInformation(title, "Choose the type of session first.", u.win)
			return
		}
		then(kind.Selected, strings.TrimSpace(code.Text))
	}, u.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	if len(p.sessionTypes) > 0 {
		kind.OnChanged = func(string) { d.Refresh() }
	}
}

func (u *ui) doStart(sessionType, trackingCode string) {
	c := u.controller()
	if c == nil {
		return
	}
	if len(u.policy.sessionTypes) > 0 && sessionType == "" {
		dialog.ShowInformation("Start Session", "Choose the type of session first.", u.win)
		return
	}
	u.busy(true)
	u.goDo(func() {
		ctx, cancel := u.ctx(20 * time.Second)
		s, err := c.StartSession(ctx, sessionType, trackingCode)
		cancel()
		u.do(func() {
			u.busy(false)
			if err != nil {
				u.failed("The session could not be started: " + sentence(err))
				return
			}
			u.addSession(s)
		})
	})
}

// askAssist asks for the number of a colleague's session to assist in.
func (u *ui) askAssist() {
	if u.starting {
		return
	}
	number := widget.NewEntry()
	number.SetPlaceHolder("482 913 077")
	number.Validator = func(s string) error {
		digits := strings.Join(strings.Fields(s), "")
		if len(digits) != 9 || strings.Trim(digits, "0123456789") != "" {
			return errors.New("a session number has 9 digits")
		}
		return nil
	}
	intro := wrapped("Join a colleague's live session as an assistant: you see the participants and the chat, " +
		"and the host can transfer control of the session to you.")
	d := dialog.NewForm("Assist Session", "Join", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", intro), widget.NewFormItem("Session number", number)},
		func(ok bool) {
			if ok {
				u.doAssist(number.Text)
			}
		}, u.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	u.win.Canvas().Focus(number)
}

func (u *ui) doAssist(number string) {
	c := u.controller()
	if c == nil {
		return
	}
	u.busy(true)
	u.goDo(func() {
		ctx, cancel := u.ctx(20 * time.Second)
		s, err := c.Assist(ctx, number)
		cancel()
		u.do(func() {
			u.busy(false)
			if err != nil {
				u.failed("You could not join session " + spaced(strings.Join(strings.Fields(number), "")) + ": " + sentence(err))
				return
			}
			u.addSession(s)
		})
	})
}

// attachLive opens a tab for every live session the CSR is in (after a
// restart of the console: the sessions went on without it).
func (u *ui) attachLive(c *controller.Controller) {
	ctx, cancel := u.ctx(20 * time.Second)
	defer cancel()
	live, err := c.API().LiveSessions(ctx)
	if err != nil {
		u.cfg.logger().Info("console: live sessions", "err", err)
		return
	}
	for _, st := range live {
		// The history comes from the session's report, read before
		// attaching: what is said after that arrives live.
		rep, rerr := c.API().Report(ctx, st.ID)
		if rerr != nil {
			u.cfg.logger().Info("console: history of a reopened session", "session", st.ID, "err", rerr)
		}
		s, err := c.Attach(ctx, st.ID)
		if err != nil {
			u.cfg.logger().Info("console: reattach", "session", st.ID, "err", err)
			continue
		}
		u.do(func() {
			u.addSession(s)
			if su := u.sessions[s.ID()]; su != nil && rerr == nil {
				restoreHistory(su, rep)
			}
		})
	}
}

// restoreHistory shows a reopened session's chat (the lines this console
// would have seen: to everyone, or to or from it), the scripts' results
// and file transfers, and the notes.
func restoreHistory(su *sessionUI, rep client.Report) {
	you := su.s.State().You
	names := map[string]string{}
	for _, p := range rep.Participants {
		names[p.ID] = p.Name
	}
	for _, e := range rep.Events {
		switch protocol.Type(e.Type) {
		case protocol.TypeChat:
			var c protocol.Chat
			if json.Unmarshal(e.Data, &c) != nil {
				continue
			}
			if e.Target != "" && e.Actor != you && e.Target != you {
				continue // a private line between others
			}
			line := chatLine{From: orDefault(c.FromName, names[e.Actor]), Text: c.Text}
			if e.Target != "" {
				line.Private, line.To = true, names[e.Target]
			}
			su.view.AddChat(line)
		case protocol.TypeScriptResult:
			var r protocol.ScriptResult
			if json.Unmarshal(e.Data, &r) != nil || r.Validate() != nil {
				continue
			}
			su.view.AddSystem(scriptResultLine(r, ranBy(you, r.RequestedBy, names)))
		case protocol.TypeFileTransfer:
			var ft protocol.FileTransfer
			if json.Unmarshal(e.Data, &ft) != nil || ft.Validate() != nil {
				continue
			}
			ft.FromName = orDefault(ft.FromName, names[e.Actor])
			su.view.AddSystem(transferLine(ft, csrName(you, ft.RequestedBy, names)))
		case protocol.TypeRecording:
			var r protocol.Recording
			if json.Unmarshal(e.Data, &r) != nil || r.Validate() != nil {
				continue
			}
			su.view.AddSystem(recordingLine(r, names[e.Actor]))
		}
	}
	if rep.Notes != "" {
		su.view.notes.SetText(rep.Notes)
		su.notesSent = rep.Notes
	}
}

func (u *ui) busy(on bool) {
	u.starting = on
	if on {
		u.main.SetLimits(false, false, "")
		u.q.view.SetAllowed(false, "")
	} else {
		u.updateLimits()
	}
}

// failed says why a start or assist did not happen, where the CSR is
// looking.
func (u *ui) failed(msg string) {
	if u.main.IdleShown() {
		u.main.Message(msg, true)
		return
	}
	dialog.ShowInformation("Lifeline", msg, u.win)
}

// addSession opens a session's panel.
func (u *ui) addSession(s *controller.Session) {
	if _, open := u.sessions[s.ID()]; open {
		u.main.Select(s.ID())
		return
	}
	st := s.State()
	su := &sessionUI{s: s, view: newSessionView(), names: map[string]string{}, settings: st.Settings}
	u.sessions[s.ID()] = su
	// The session's display defaults (its queue's, or the site's) go to
	// the agent when a stream opens.
	su.mode, su.colors = u.sessionDefaults(su)
	if err := s.SetDefaults(su.mode, su.colors); err != nil {
		u.cfg.logger().Info("console: display defaults", "err", err)
	}
	u.order = append(u.order, s.ID())
	v := su.view
	v.OnCopy = func(text string) { u.app.Clipboard().SetContent(text) }
	v.OnEmail = func() { u.doEmail(su) }
	v.OnSend = func(to, text string) { u.doSend(su, to, text) }
	v.OnNotes = func(text string) { u.doNotes(su, text) }
	v.OnEnd = func() { u.confirmEnd(su) }
	v.OnLeave = func() { u.confirmLeave(su) }
	v.OnTransferSession = func() { u.askTransferSession(su) }
	v.OnRequestView = func() { u.doRequest(su, false) }
	v.OnWatch = func() { u.watch(su) }
	v.OnRequestControl = func() { u.doRequest(su, true) }
	v.OnMakePrimary = func(id, name string) { u.confirmMakePrimary(su, id, name) }
	v.OnTransfer = func(id, name string) { u.confirmTransfer(su, id, name) }
	v.OnSystemInfo = func() { u.openSysInfo(su) }
	v.OnRunScripts = func() { u.openRunScripts(su) }
	v.OnFileTransfer = func() { u.openFileTransfer(su) }
	v.OnPublish = func() { u.openPublish(su) }
	v.OnReboot = func() { u.confirmReboot(su) }
	v.SetFeatures(u.sessionPolicy(su).tools())
	joinURL := s.JoinURL()
	if joinURL == "" {
		joinURL = strings.TrimRight(u.server, "/") + "/join/" + st.Number
	}
	site := u.server
	if p, err := url.Parse(joinURL); err == nil && p.Host != "" {
		site = p.Scheme + "://" + p.Host
	}
	v.SetSession(st.Number, joinURL, site, "")
	v.SetPhrases(u.policy.phrases)
	u.fetchSessionPhrases(su)
	u.main.Message("", false)
	u.main.AddSession(s.ID(), spaced(st.Number), v.content)
	u.refresh(su)
	u.updateLimits()
	u.setTray()
}

// removeSession closes a session's panel once it is over.
func (u *ui) removeSession(su *sessionUI, reason string) {
	id := su.s.ID()
	if u.sessions[id] != su {
		return
	}
	if su.endDialog != nil {
		su.endDialog.Hide()
		su.endDialog = nil
	}
	u.closeSharing(su)
	su.closeSysInfo()
	su.closeRunScripts()
	su.closePublish()
	su.closeTransfer()
	u.closeFileTransfer(su)
	delete(u.sessions, id)
	for i, o := range u.order {
		if o == id {
			u.order = append(u.order[:i], u.order[i+1:]...)
			break
		}
	}
	u.main.RemoveSession(id)
	msg := fmt.Sprintf("Session %s is over: %s", spaced(su.s.Number()), sentence(errors.New(orDefault(reason, "the session has ended"))))
	u.main.Message(msg, false)
	if !u.main.IdleShown() {
		u.main.SetStatus(msg)
	}
	u.updateLimits()
	u.setTray()
}

// updateLimits enables Start and Assist as the server's limits allow:
// at most maxCustomers sessions hosted at once, and one session in all in
// single-session mode.
func (u *ui) updateLimits() {
	if u.starting {
		return
	}
	hosted := 0
	for _, su := range u.sessions {
		if su.host {
			hosted++
		}
	}
	p := u.policy
	canStart, canAssist, limit := true, true, ""
	switch {
	case p.single && len(u.sessions) > 0:
		canStart, canAssist = false, false
		limit = "One session at a time (single-session mode)"
	case hosted >= p.maxCustomers:
		canStart = false
		limit = fmt.Sprintf("%d of %d sessions open", hosted, p.maxCustomers)
	}
	u.main.SetLimits(canStart, canAssist, limit)
	u.queueLimits(canStart, limit)
	u.setTray()
}

// refresh shows a session's roster and what this console may do in it.
func (u *ui) refresh(su *sessionUI) {
	st := su.s.State()
	for _, p := range st.Participants {
		su.names[p.ID] = p.Name
	}
	su.noteRestarts(st)
	u.followSettings(su, st)
	wasHost := su.host
	su.host = controller.IsHost(st)
	su.view.SetParticipants(st, su.host)
	su.view.detail.SetText(sessionDetail(st, su.host))
	u.retitle(su, st)
	if wasHost != su.host {
		u.updateLimits()
	}
}

// sessionDetail is the line under the session number.
func sessionDetail(st protocol.State, host bool) string {
	var parts []string
	if host {
		parts = append(parts, "You are the host")
	} else {
		parts = append(parts, "You are assisting")
	}
	if st.SessionType != "" {
		parts = append(parts, "Type: "+st.SessionType)
	}
	if st.TrackingCode != "" {
		parts = append(parts, "Tracking code: "+st.TrackingCode)
	}
	return strings.Join(parts, " · ")
}

// retitle names a session's tab after its number and customer, with the
// unread count.
func (u *ui) retitle(su *sessionUI, st protocol.State) {
	u.main.SetTitle(su.s.ID(), tabTitle(st, su.unread))
}

func tabTitle(st protocol.State, unread int) string {
	title := spaced(st.Number)
	if p, ok := controller.PrimaryCustomer(st); ok {
		title += " — " + p.Name
	}
	if unread > 0 {
		title += fmt.Sprintf(" (%d)", unread)
	}
	return title
}

// selected is called when the CSR shows a session's tab.
func (u *ui) selected(id string) {
	if u.focused {
		u.seen(id)
	}
	u.setTray()
}

// seen clears a session's unread count.
func (u *ui) seen(id string) {
	su := u.sessions[id]
	if su == nil || su.unread == 0 {
		return
	}
	su.unread = 0
	su.view.SetUnread(0)
	u.retitle(su, su.s.State())
	u.setTray()
}

// ---- Events ---------------------------------------------------------------

// events reads the controller's events until it is closed.
func (u *ui) events(c *controller.Controller) {
	for ev := range c.Events() {
		u.do(func() { u.onEvent(ev) })
	}
}

func (u *ui) onEvent(ev controller.Event) {
	switch ev.Kind {
	case controller.EventDisconnected:
		u.main.SetStatus("The connection to the server is down; reconnecting…")
		return
	case controller.EventReconnected:
		u.main.SetStatus("")
		return
	}
	su := u.sessions[ev.Session]
	if su == nil {
		return
	}
	v := su.view
	switch ev.Kind {
	case controller.EventJoined:
		u.refresh(su)
		if p := ev.Participant; p != nil && (p.Role == protocol.RolePrimary || p.Role == protocol.RoleSecondary) {
			u.notify(fmt.Sprintf("%s joined session %s", p.Name, spaced(su.s.Number())),
				"The customer is waiting in the session.")
		}
	case controller.EventLeft, controller.EventPresence:
		u.refresh(su)
	case controller.EventChat:
		u.refresh(su)
		line := chatLine{From: ev.FromName, Text: ev.Text}
		if ev.FromName == "" {
			line.From = su.names[ev.From]
		}
		if ev.To != "" {
			line.Private = true
			line.To = su.names[ev.To]
		}
		v.AddChat(line)
		if !u.focused || u.main.Selected() != su.s.ID() {
			su.unread++
			v.SetUnread(su.unread)
			u.retitle(su, su.s.State())
			u.setTray()
		}
		u.notify(fmt.Sprintf("%s (session %s)", line.From, spaced(su.s.Number())), ev.Text)
	case controller.EventNotes:
		v.notes.SetText(ev.Text)
		su.notesSent = ev.Text
	case controller.EventStopSharing:
		u.refresh(su)
		if su.share != nil { // not closed here: the customer (or the server) stopped it
			v.SetDesktopMessage("Screen sharing has ended: " + orDefault(ev.Text, "the customer stopped it") +
				" Request view or control to see the customer's screen again.")
			u.closeSharing(su)
		}
	case controller.EventStreamStart:
		u.refresh(su) // the sharing began: an assistant's Watch Screen
		u.observing(su)
	case controller.EventStreamStop:
		u.refresh(su)
		if su.share != nil {
			su.share.view.SetStatus(sentence(errors.New(orDefault(ev.Text, "the screen sharing stopped"))))
		}
	case controller.EventScreen:
		if ev.Screen != nil {
			su.screen = *ev.Screen
			if su.share != nil {
				su.share.view.SetMonitors(su.screen.Monitors, su.monitor)
			}
		}
	case controller.EventPaused:
		v.SetDesktopMessage("The customer took the mouse and keyboard back.")
	case controller.EventResumed:
		v.SetDesktopMessage("You have control of the customer's mouse and keyboard again.")
	case controller.EventServerError:
		v.SetDesktopMessage(sentence(errors.New(ev.Text)))
	case controller.EventScriptResult:
		if r := ev.Script; r != nil {
			v.AddSystem(scriptResultLine(*r, ranBy(su.s.State().You, r.RequestedBy, su.names)))
			su.scriptResult(*r)
		}
	case controller.EventFileTransfer:
		if ft := ev.Transfer; ft != nil {
			v.AddSystem(transferLine(*ft, csrName(su.s.State().You, ft.RequestedBy, su.names)))
		}
	case controller.EventRecording:
		if r := ev.Recording; r != nil {
			v.AddSystem(recordingLine(*r, su.names[ev.From]))
		}
	case controller.EventRecordingStopped:
		if info := ev.RecordingInfo; info != nil {
			v.AddSystem(savedLine(*info, ev.Text))
		}
	case controller.EventPublishEnded:
		su.publishEnded(ev.Text)
	case controller.EventTransferred:
		// Said to those who stay: an assistant, until the next CSR takes
		// it over.
		u.refresh(su)
		v.AddSystem(systemLine{Text: fmt.Sprintf("%s transferred the session to %s.", orDefault(ev.FromName, "The host"), ev.Text)})
	case controller.EventEnded:
		u.removeSession(su, ev.Text)
	default:
		u.refresh(su)
	}
}

// ---- Chat, notes, invite --------------------------------------------------

func (u *ui) doSend(su *sessionUI, to, text string) {
	s := su.s
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		err := s.Chat(ctx, to, text)
		cancel()
		u.do(func() {
			if err != nil {
				su.view.ChatFailed("Your message was not sent: " + err.Error() + ".")
				return
			}
			// The controller does not echo our own lines: show them here.
			line := chatLine{From: su.names[s.State().You], Text: text}
			if to != "" {
				line.Private, line.To = true, su.names[to]
			}
			su.view.AddChat(line)
		})
	})
}

func (u *ui) doNotes(su *sessionUI, text string) {
	s := su.s
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		err := s.SetNotes(ctx, text)
		cancel()
		u.do(func() {
			if err != nil {
				dialog.ShowError(errors.New(sentence(err)), u.win)
				return
			}
			su.notesSent = text
		})
	})
}

func (u *ui) doEmail(su *sessionUI) {
	user := ""
	if c := u.controller(); c != nil {
		user = c.User().Name
	}
	link, err := url.Parse(mailto(su.s.Number(), su.view.joinURL.Text, user))
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

// ---- Roles ----------------------------------------------------------------

func (u *ui) confirmMakePrimary(su *sessionUI, id, name string) {
	dialog.ShowConfirm("Make Primary",
		fmt.Sprintf("Make %s the primary customer? Viewing and control of the current primary customer's screen end, "+
			"and they become a secondary customer.", name),
		func(ok bool) {
			if ok {
				u.roleChange(su, "make "+name+" the primary customer", func() error {
					ctx, cancel := u.ctx(15 * time.Second)
					defer cancel()
					return su.s.MakePrimary(ctx, id)
				})
			}
		}, u.win)
}

func (u *ui) confirmTransfer(su *sessionUI, id, name string) {
	dialog.ShowConfirm("Transfer Control",
		fmt.Sprintf("Hand the session to %s? Every sharing activity ends, %s becomes the host, and you stay as an "+
			"assistant who can leave but not end the session.", name, name),
		func(ok bool) {
			if ok {
				u.roleChange(su, "transfer control to "+name, func() error {
					ctx, cancel := u.ctx(15 * time.Second)
					defer cancel()
					return su.s.TransferControl(ctx, id)
				})
			}
		}, u.win)
}

func (u *ui) roleChange(su *sessionUI, what string, f func() error) {
	u.goDo(func() {
		err := f()
		u.do(func() {
			if err != nil {
				dialog.ShowError(errors.New("Could not "+what+": "+err.Error()), u.win)
				return
			}
			u.refresh(su)
		})
	})
}

// ---- End and leave --------------------------------------------------------

func (u *ui) confirmEnd(su *sessionUI) {
	s := su.s
	notes := widget.NewMultiLineEntry()
	notes.Wrapping = fyne.TextWrapWord
	notes.SetText(su.view.notes.Text)
	notes.SetMinRowsVisible(6)
	intro := wrapped("Review the notes for the session report, then end the session for everyone.")
	d := dialog.NewCustomConfirm("End Session "+spaced(s.Number()), "End Session", "Cancel",
		container.NewBorder(intro, nil, nil, nil, notes),
		func(ok bool) {
			su.endDialog = nil
			if !ok {
				return
			}
			su.view.endBtn.Disable()
			text := notes.Text
			su.view.notes.SetText(text)
			u.goDo(func() {
				ctx, cancel := u.ctx(20 * time.Second)
				err := s.End(ctx, text)
				cancel()
				if err != nil {
					u.do(func() {
						su.view.endBtn.Enable()
						dialog.ShowError(errors.New("The session could not be ended: "+err.Error()+"."), u.win)
					})
				}
			})
		}, u.win)
	d.Resize(fyne.NewSize(600, 360))
	su.endDialog = d
	d.Show()
}

func (u *ui) confirmLeave(su *sessionUI) {
	s := su.s
	dialog.ShowConfirm("Leave Session", "Leave session "+spaced(s.Number())+"? It goes on without you.", func(ok bool) {
		if !ok {
			return
		}
		su.view.leaveBtn.Disable()
		u.goDo(func() {
			ctx, cancel := u.ctx(15 * time.Second)
			err := s.Leave(ctx)
			cancel()
			if err != nil {
				u.do(func() {
					su.view.leaveBtn.Enable()
					dialog.ShowError(errors.New("You could not leave the session: "+err.Error()+"."), u.win)
				})
			}
		})
	}, u.win)
}

// ---- Desktop --------------------------------------------------------------

func (u *ui) doRequest(su *sessionUI, control bool) {
	s, v := su.s, su.view
	what := "view"
	if control {
		what = "control"
	}
	enable(false, v.viewBtn, v.controlBtn)
	v.SetDesktopMessage("Waiting for the customer to allow " + what + "…")
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
			if u.sessions[s.ID()] != su {
				return
			}
			u.refresh(su)
			switch {
			case err != nil:
				v.SetDesktopMessage("The request failed: " + err.Error() + ".")
			case !granted:
				v.SetDesktopMessage("The customer declined the request to " + what + " their screen.")
			case control:
				v.SetDesktopMessage("The customer allowed control: in the sharing window your clicks and keys go to " +
					"their computer until you press Leave Control.")
				u.openSharing(su, true)
			default:
				v.SetDesktopMessage("The customer allowed you to view their screen: it is in the sharing window.")
				u.openSharing(su, false)
			}
		})
	})
}
