package gui

import (
	"image/color"
	"strings"
	"sync/atomic"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/agent/terminal"
	"lifeline/shared/fynedialog"
)

// Words the window shows.
const (
	productName = "Lifeline"
	tagline     = "Remote support — you stay in control"
	leftText    = "You left the session."
)

// Window size: fits 1366×768 with room around it.
var windowSize = fyne.NewSize(420, 560)

type phase int

const (
	phaseForm    phase = iota // the join form
	phaseJoining              // Start is running
	phaseSession              // joined; chat and requests
	phaseEnded                // the session is over for this agent
)

// ui is the window and the session.UI. Its fields are used on the Fyne
// thread only, except closed and quit.
type ui struct {
	app fyne.App
	cfg Config
	win fyne.Window

	closed atomic.Bool    // the event loop is over: Show and Ask do nothing
	quit   chan struct{}  // closed with closed
	start  func(f func()) // runs the join (Start) off the Fyne thread; tests run it inline

	phase phase
	agent Agent

	// join form
	form       fyne.CanvasObject
	number     *widget.Entry
	problem    *widget.Entry  // queue mode only
	leaveLine  *widget.Button // queue mode: give up the place in line
	name       *widget.Entry
	email      *widget.Entry
	joinBtn    *widget.Button
	joinErr    *widget.Label
	joinStatus *widget.Label
	joinBusy   *widget.Activity

	// session view
	view        fyne.CanvasObject
	status      *widget.Label
	sharingBar  *fyne.Container
	sharingText *widget.Label
	history     *fyne.Container
	scroll      *container.Scroll
	chatEntry   *widget.Entry
	sendBtn     *widget.Button
	leaveBtn    *widget.Button
	closeBtn    *widget.Button
	filesBtn    *widget.Button // shows the File Transfer window while files are published
	endedText   string
	sharing     string // the banner's sentence; "" while nobody views
	sharingBase string // who views and controls, without the recording
	recorded    bool   // a CSR is recording the session

	banner *banner
	watch  watchUI     // another customer's shared screen (watch.go)
	files  *filesPanel // made with the first published list
	ask    *asking
	leave  dialog.Dialog

	askedHook func() // tests: a request is on screen
}

func newUI(a fyne.App, cfg Config) *ui {
	u := &ui{app: a, cfg: cfg, quit: make(chan struct{}), start: func(f func()) { go f() }}
	u.win = a.NewWindow(productName)
	u.win.SetMaster()
	u.buildForm()
	u.buildView()
	u.win.SetContent(u.form)
	u.win.Resize(windowSize)
	u.win.CenterOnScreen()
	u.win.SetCloseIntercept(u.closeRequested)
	u.validate()
	return u
}

// shutdown runs when the event loop is over.
func (u *ui) shutdown() {
	if u.closed.CompareAndSwap(false, true) {
		close(u.quit)
	}
	if u.banner != nil {
		u.banner.close()
	}
}

// header is the product name and its line, on top of both pages.
func header() fyne.CanvasObject {
	title := canvas.NewText(productName, theme.Color(theme.ColorNamePrimary))
	title.TextSize = 26
	title.TextStyle = fyne.TextStyle{Bold: true}
	line := subtle(tagline, theme.SizeNameText)
	logo := canvas.NewImageFromResource(theme.ComputerIcon())
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(40))
	text := container.NewVBox(
		container.New(layout.NewCustomPaddedLayout(theme.Padding(), 0, theme.InnerPadding(), 0), title),
		line,
	)
	return container.NewVBox(
		container.NewBorder(nil, nil, container.NewCenter(logo), nil, text),
		widget.NewSeparator(),
	)
}

// subtle is secondary text, quieter than a label but readable in both
// themes (a LowImportance label is the disabled colour: too faint).
func subtle(text string, size fyne.ThemeSizeName) *widget.RichText {
	rt := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		ColorName: theme.ColorNamePlaceHolder, SizeName: size,
	}})
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

func fieldLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (u *ui) buildForm() {
	u.number = widget.NewEntry()
	u.number.SetPlaceHolder("123 456 789")
	u.number.SetText(u.cfg.Number)
	u.name = widget.NewEntry()
	u.name.SetPlaceHolder("Your full name")
	u.name.SetText(u.cfg.Name)
	u.email = widget.NewEntry()
	u.email.SetPlaceHolder("name@example.com")
	u.email.SetText(u.cfg.Email)
	for _, e := range []*widget.Entry{u.number, u.name, u.email} {
		e.OnChanged = func(string) { u.validate() }
		e.OnSubmitted = func(string) { u.join() }
	}
	u.joinBtn = widget.NewButtonWithIcon("Join", theme.LoginIcon(), u.join)
	u.joinBtn.Importance = widget.HighImportance
	u.joinErr = wrapped("")
	u.joinErr.Importance = widget.DangerImportance
	u.joinErr.Hide()
	u.joinStatus = wrapped("")
	u.joinStatus.Importance = widget.LowImportance
	u.joinStatus.Hide()
	u.joinBusy = widget.NewActivity()
	u.joinBusy.Hide()

	intro := wrapped("Enter the 9-digit session number your support representative gave you, and your name.")
	privacy := subtle("Nobody can see or control your screen unless you allow it, and you can stop at any time.", theme.SizeNameText)
	title := fieldLabel("Join a support session")
	fields := container.New(layout.NewFormLayout(),
		fieldLabel("Session number"), u.number,
		fieldLabel("Your name"), u.name,
		fieldLabel("Email (optional)"), u.email,
	)
	u.leaveLine = widget.NewButtonWithIcon("Leave the Line", theme.CancelIcon(), u.leaveQueue)
	u.leaveLine.Hide()
	if u.cfg.Queue != "" {
		// Asking for help in a queue: no number; a short description of
		// the problem for the support representative instead.
		u.problem = widget.NewMultiLineEntry()
		u.problem.SetPlaceHolder("What is the problem? (optional)")
		u.problem.SetText(u.cfg.Problem)
		u.problem.SetMinRowsVisible(3)
		u.problem.Wrapping = fyne.TextWrapWord
		title = fieldLabel("Ask for help: " + u.cfg.Queue)
		intro = wrapped("Give your name and, if you like, your email and what the problem is. You wait in line " +
			"until a support representative takes your request; this window shows your place.")
		fields = container.New(layout.NewFormLayout(),
			fieldLabel("Your name"), u.name,
			fieldLabel("Email (optional)"), u.email,
			fieldLabel("Problem"), u.problem,
		)
		u.joinBtn.SetText("Ask for Help")
	}
	u.form = container.NewBorder(
		header(), privacy, nil, nil,
		container.NewVScroll(container.NewVBox(
			title,
			intro,
			fields,
			u.joinErr,
			container.NewBorder(nil, nil, nil, container.NewHBox(u.joinBusy, u.leaveLine, u.joinBtn), u.joinStatus),
		)),
	)
}

// leaveQueue gives up the place in line while waiting.
func (u *ui) leaveQueue() {
	if u.phase == phaseJoining && u.cfg.LeaveQueue != nil {
		u.leaveLine.Disable()
		u.cfg.LeaveQueue()
	}
}

func (u *ui) buildView() {
	u.status = wrapped("")
	u.status.TextStyle = fyne.TextStyle{Bold: true}

	u.sharingText = wrapped("")
	u.sharingText.TextStyle = fyne.TextStyle{Bold: true}
	u.sharingText.Importance = widget.DangerImportance
	stop := widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), u.stopSharing)
	stop.Importance = widget.DangerImportance
	eye := widget.NewIcon(theme.NewErrorThemedResource(theme.VisibilityIcon()))
	bg := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNameError), 0x22))
	bg.CornerRadius = theme.InputRadiusSize()
	u.sharingBar = container.NewStack(bg, container.NewBorder(nil, nil, container.NewCenter(eye), container.NewCenter(stop), u.sharingText))
	u.sharingBar.Hide()

	u.history = container.NewVBox()
	u.scroll = container.NewVScroll(u.history)
	histBG := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	histBG.CornerRadius = theme.InputRadiusSize()

	u.chatEntry = widget.NewEntry()
	u.chatEntry.SetPlaceHolder("Type a message")
	u.chatEntry.OnSubmitted = func(string) { u.send() }
	u.chatEntry.OnChanged = func(s string) { u.setSendEnabled() }
	u.sendBtn = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), u.send)
	u.sendBtn.Disable()

	u.leaveBtn = widget.NewButtonWithIcon("Leave Session", theme.LogoutIcon(), u.confirmLeave)
	u.closeBtn = widget.NewButtonWithIcon("Close", theme.WindowCloseIcon(), u.app.Quit)
	u.closeBtn.Importance = widget.HighImportance
	u.closeBtn.Hide()
	u.filesBtn = widget.NewButtonWithIcon("File Transfer", theme.DownloadIcon(), u.openFiles)
	u.filesBtn.Hide()

	top := container.NewVBox(header(), u.status, u.sharingBar, u.buildWatchBar(), fieldLabel("Chat"))
	bottom := container.NewVBox(
		container.NewBorder(nil, nil, nil, u.sendBtn, u.chatEntry),
		widget.NewSeparator(),
		container.NewHBox(u.filesBtn, layout.NewSpacer(), u.leaveBtn, u.closeBtn),
	)
	u.view = container.NewBorder(top, bottom, nil, nil,
		container.NewStack(histBG, container.NewPadded(container.New(stickToBottom{u.scroll}, u.scroll))))
}

// stickToBottom lays out the chat's scroller and keeps the last line in
// view when the space changes (the sharing bar comes and goes above it).
type stickToBottom struct{ s *container.Scroll }

func (l stickToBottom) MinSize([]fyne.CanvasObject) fyne.Size { return l.s.MinSize() }

func (l stickToBottom) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	atBottom := l.s.Offset.Y+l.s.Size().Height >= l.s.Content.Size().Height-1
	l.s.Move(fyne.NewPos(0, 0))
	l.s.Resize(size)
	if atBottom {
		l.s.ScrollToBottom()
	}
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// normalizeNumber accepts a session number as typed, with spaces or
// dashes between the digits, and returns its 9 digits.
func normalizeNumber(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '‐' || r == '–' || unicode.IsSpace(r):
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == 9
}

// validate enables Join once the number has 9 digits and a name is typed.
func (u *ui) validate() {
	_, ok := normalizeNumber(u.number.Text)
	ok = ok || u.cfg.Queue != "" // no number in a queue
	if ok && strings.TrimSpace(u.name.Text) != "" && u.phase == phaseForm {
		u.joinBtn.Enable()
	} else {
		u.joinBtn.Disable()
	}
}

func (u *ui) setFormEnabled(on bool) {
	for _, e := range []*widget.Entry{u.number, u.name, u.email, u.problem} {
		if e == nil {
			continue
		}
		if on {
			e.Enable()
		} else {
			e.Disable()
		}
	}
}

// autoJoin joins without the customer pressing Join, when the agent
// starts again after a restart.
func (u *ui) autoJoin() {
	if u.cfg.AutoJoin {
		u.join()
	}
}

// askForHelp is Ask for Help in queue mode: StartQueue waits in line on a
// background goroutine, its place shown under the form.
func (u *ui) askForHelp(name, email string) {
	if name == "" || u.phase != phaseForm || u.cfg.StartQueue == nil {
		return
	}
	problem := strings.TrimSpace(u.problem.Text)
	u.phase = phaseJoining
	u.resetSession()
	u.setFormEnabled(false)
	u.validate()
	u.joinErr.Hide()
	u.joinStatus.SetText("Asking for help in " + u.cfg.Queue + "…")
	u.joinStatus.Show()
	u.joinBusy.Show()
	u.joinBusy.Start()
	u.leaveLine.Enable()
	u.leaveLine.Show()
	start := u.cfg.StartQueue
	u.start(func() {
		a, err := start(name, email, problem, u)
		if u.closed.Load() {
			return
		}
		fyne.Do(func() {
			u.leaveLine.Hide()
			u.joined(a, err)
		})
	})
}

// join is the Join button: Start runs on a background goroutine.
func (u *ui) join() {
	number, ok := normalizeNumber(u.number.Text)
	name, email := strings.TrimSpace(u.name.Text), strings.TrimSpace(u.email.Text)
	if u.cfg.Queue != "" {
		u.askForHelp(name, email)
		return
	}
	if !ok || name == "" || u.phase != phaseForm {
		return
	}
	u.phase = phaseJoining
	u.resetSession()
	u.setFormEnabled(false)
	u.validate()
	u.joinErr.Hide()
	u.joinStatus.SetText("Joining session " + spaced(number) + "…")
	u.joinStatus.Show()
	u.joinBusy.Show()
	u.joinBusy.Start()
	start := u.cfg.Start
	u.start(func() {
		a, err := start(number, name, email, u)
		if u.closed.Load() {
			return
		}
		fyne.Do(func() { u.joined(a, err) })
	})
}

func (u *ui) joined(a Agent, err error) {
	u.joinBusy.Stop()
	u.joinBusy.Hide()
	if err == nil && a == nil {
		err = errJoinFailed
	}
	if err != nil {
		u.phase = phaseForm
		u.joinStatus.Hide()
		u.joinErr.SetText(terminal.Sentence(err.Error()))
		u.joinErr.Show()
		u.setFormEnabled(true)
		u.validate()
		if u.cfg.Queue != "" {
			u.win.Canvas().Focus(u.name)
		} else {
			u.win.Canvas().Focus(u.number)
		}
		return
	}
	u.agent = a
	if u.phase == phaseJoining {
		u.phase = phaseSession
	}
	if u.status.Text == "" && u.cfg.Queue == "" {
		u.status.SetText("Joined session " + spaced(mustNumber(u.number.Text)) + ".")
	}
	u.win.SetContent(u.view)
	if u.phase == phaseSession {
		u.win.Canvas().Focus(u.chatEntry)
	}
	if u.files != nil {
		u.files.update() // a list that came while joining: Download needs the agent
	}
	u.watchJoined() // the same for a shared screen: the pump needs the agent
}

type joinError string

func (e joinError) Error() string { return string(e) }

const errJoinFailed = joinError("Could not join the session. Please try again.")

func mustNumber(s string) string {
	n, _ := normalizeNumber(s)
	return n
}

// resetSession clears the session view before a join attempt.
func (u *ui) resetSession() {
	u.status.SetText("")
	u.history.RemoveAll()
	u.endedText = ""
	u.setSharing("")
	u.chatEntry.SetText("")
	u.chatEntry.Enable()
	u.leaveBtn.Show()
	u.closeBtn.Hide()
	u.closeFiles()
	u.closeWatch()
}

// Show implements session.UI: it may be called from any goroutine.
func (u *ui) Show(e session.Event) {
	if u.closed.Load() {
		return
	}
	fyne.Do(func() { u.show(e) })
}

func (u *ui) show(e session.Event) {
	if u.phase == phaseForm {
		return // a late event of a failed join attempt
	}
	switch e.Kind {
	case session.EventStatus:
		if u.phase == phaseEnded {
			return
		}
		u.status.SetText(e.Text)
		if u.phase == phaseJoining {
			u.joinStatus.SetText(e.Text)
		}
	case session.EventChat:
		u.addChat(e.From, e.Text, e.Private)
	case session.EventSharing:
		u.sharingBase = sharingSentence(e.Viewers, e.Controllers)
		u.setSharing(u.bannerSentence())
	case session.EventRecording:
		u.recorded = e.Recording
		u.addSystem(e.Text)
		u.setSharing(u.bannerSentence())
	case session.EventNotice:
		u.addSystem(e.Text)
	case session.EventEnded:
		u.end(e.Text)
	case session.EventFiles:
		u.showFiles(e)
	case session.EventWatch:
		u.showWatch(e)
	}
}

// end shows that the session is over: chat off, Close instead of Leave.
func (u *ui) end(text string) {
	text = terminal.Sentence(text)
	if u.phase == phaseEnded && sameSentence(text, u.endedText) {
		return
	}
	u.phase = phaseEnded
	u.endedText = text
	u.status.SetText(text)
	u.addSystem(text)
	u.setSharing("")
	u.closeFiles()
	u.closeWatch()
	u.denyPending()
	if u.leave != nil {
		u.leave.Hide()
		u.leave = nil
	}
	u.chatEntry.Disable()
	u.sendBtn.Disable()
	u.leaveBtn.Hide()
	u.closeBtn.Show()
}

func sameSentence(a, b string) bool {
	return strings.TrimRight(strings.TrimSpace(a), ".") == strings.TrimRight(strings.TrimSpace(b), ".")
}

func (u *ui) setSendEnabled() {
	if u.phase == phaseSession && strings.TrimSpace(u.chatEntry.Text) != "" {
		u.sendBtn.Enable()
	} else {
		u.sendBtn.Disable()
	}
}

// send is the Send button.
func (u *ui) send() {
	text := strings.TrimSpace(u.chatEntry.Text)
	if text == "" || u.agent == nil || u.phase != phaseSession {
		return
	}
	u.chatEntry.SetText("")
	u.addLine(chatSegments("You", text, false, true))
	a := u.agent
	go a.Chat(text)
	u.win.Canvas().Focus(u.chatEntry)
}

func (u *ui) addChat(from, text string, private bool) {
	if from == "" {
		from = "Support"
	}
	u.addLine(chatSegments(from, text, private, false))
}

func chatSegments(from, text string, private, mine bool) []widget.RichTextSegment {
	name := &widget.TextSegment{Text: from, Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}, ColorName: theme.ColorNamePrimary}}
	if !mine {
		name.Style.ColorName = theme.ColorNameForeground
	}
	segs := []widget.RichTextSegment{name}
	if private {
		segs = append(segs, &widget.TextSegment{Text: " (to you)", Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Italic: true}, ColorName: theme.ColorNameWarning}})
	}
	segs = append(segs,
		&widget.TextSegment{Text: ": ", Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}, ColorName: name.Style.ColorName}},
		&widget.TextSegment{Text: text, Style: widget.RichTextStyleInline},
	)
	return segs
}

// addSystem adds a notice to the chat history, set apart from chat lines.
func (u *ui) addSystem(text string) {
	u.addLine([]widget.RichTextSegment{&widget.TextSegment{Text: terminal.Sentence(text), Style: widget.RichTextStyle{
		Inline: true, TextStyle: fyne.TextStyle{Italic: true}, ColorName: theme.ColorNamePlaceHolder,
	}}})
}

func (u *ui) addLine(segs []widget.RichTextSegment) {
	rt := widget.NewRichText(segs...)
	rt.Wrapping = fyne.TextWrapWord
	// Wrap at the history's width now, so that its height counts when
	// scrolling to the end (not one layout later).
	w := u.history.Size().Width
	if w > 0 {
		rt.Resize(fyne.NewSize(w, rt.MinSize().Height))
	}
	u.history.Add(rt)
	if w > 0 {
		// The scroller looks at the content's size, which the layout would
		// only set on the next frame.
		u.history.Resize(fyne.NewSize(w, u.history.MinSize().Height))
	}
	u.scroll.ScrollToBottom()
}

// historyText is the chat history as plain lines (for tests).
func (u *ui) historyText() []string {
	var out []string
	for _, o := range u.history.Objects {
		out = append(out, o.(*widget.RichText).String())
	}
	return out
}

// confirmLeave is the Leave Session button.
func (u *ui) confirmLeave() {
	if u.phase != phaseSession {
		return
	}
	fynedialog.AskDanger(u.win, &u.leave, "Leave the session?",
		"Your support representative will no longer be able to chat with you or see your screen.",
		"Leave Session", "Stay", u.leaveNow)
}

func (u *ui) leaveNow() {
	if u.phase != phaseSession {
		return
	}
	a := u.agent
	go a.Leave()
	u.end(leftText)
}

// closeRequested is the window's close button: during a session it asks
// first, and leaves.
func (u *ui) closeRequested() {
	if u.phase != phaseSession {
		u.app.Quit()
		return
	}
	dialog.ShowConfirm("Leave the session and close Lifeline?",
		"Your support representative will no longer be able to chat with you or see your screen.",
		func(ok bool) {
			if ok {
				u.leaveNow()
				u.app.Quit()
			}
		}, u.win)
}

// stopSharing is the Stop button of the banner and of the window.
func (u *ui) stopSharing() {
	if u.sharing == "" {
		return
	}
	if a := u.agent; a != nil {
		go a.Stop()
	}
	u.setSharing("")
	u.addSystem("You stopped screen sharing. Your support representative must ask again to view or control your screen.")
}

// setSharing shows who views or controls the screen, in the window and in
// the always-on-top banner; "" hides both.
func (u *ui) setSharing(s string) {
	if u.phase == phaseEnded || u.phase == phaseForm {
		s = ""
	}
	if s == u.sharing {
		return
	}
	u.sharing = s
	if s == "" {
		u.sharingBar.Hide()
		u.win.SetTitle(productName)
		if u.banner != nil {
			u.banner.hide()
		}
		return
	}
	u.sharingText.SetText(s)
	u.sharingBar.Show()
	u.win.SetTitle(productName + " — " + s)
	if u.banner == nil {
		u.banner = newBanner(u.app, u.stopSharing)
	}
	u.banner.show(s)
}

// bannerSentence is who views and controls, and that the screen is
// recorded while it is.
func (u *ui) bannerSentence() string {
	if u.sharingBase != "" && u.recorded {
		return u.sharingBase + " (and recording it)"
	}
	return u.sharingBase
}

// sharingSentence is the banner's sentence: "Carol is viewing your screen",
// "Carol is controlling your screen", "Carol is controlling and Dave is
// viewing your screen"; "" when nobody views.
func sharingSentence(viewers, controllers []string) string {
	ctl := map[string]bool{}
	for _, c := range controllers {
		ctl[c] = true
	}
	var view []string
	for _, v := range viewers {
		if !ctl[v] {
			view = append(view, v)
		}
	}
	switch {
	case len(controllers) > 0 && len(view) > 0:
		return names(controllers) + " " + verb(controllers) + " controlling and " + names(view) + " " + verb(view) + " viewing your screen"
	case len(controllers) > 0:
		return names(controllers) + " " + verb(controllers) + " controlling your screen"
	case len(view) > 0:
		return names(view) + " " + verb(view) + " viewing your screen"
	}
	return ""
}

func names(n []string) string {
	if len(n) == 1 {
		return n[0]
	}
	return strings.Join(n[:len(n)-1], ", ") + " and " + n[len(n)-1]
}

func verb(n []string) string {
	if len(n) == 1 {
		return "is"
	}
	return "are"
}

// spaced writes a session number as people read it: 482 913 077.
func spaced(n string) string {
	if len(n) != 9 {
		return n
	}
	return n[:3] + " " + n[3:6] + " " + n[6:]
}
