package gui

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/protocol"
)

// The views in this file never touch the network: they are widgets with
// callbacks (On…) that glue.go sets, and setters that glue.go calls on the
// UI thread.

// spaced writes a 9-digit session number as "482 913 077".
func spaced(number string) string {
	if len(number) != 9 {
		return number
	}
	return number[:3] + " " + number[3:6] + " " + number[6:]
}

// roleWords names a role for a person.
func roleWords(role string) string {
	switch role {
	case protocol.RoleCSR:
		return "CSR"
	case protocol.RoleAssistant:
		return "Assistant"
	case protocol.RolePrimary:
		return "Primary customer"
	case protocol.RoleSecondary:
		return "Secondary customer"
	}
	return role
}

// sentence makes an error message read as a sentence.
func sentence(err error) string {
	s := strings.TrimSpace(err.Error())
	if s == "" {
		return "Something went wrong."
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

func heading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// ---- Login ----------------------------------------------------------------

type loginView struct {
	server, email *widget.Entry
	password      *widget.Entry
	loginBtn      *widget.Button
	errLabel      *widget.Label
	fingerprint   *widget.Label
	progress      *widget.ProgressBarInfinite
	content       fyne.CanvasObject

	OnLogin func(server, email, password string)
}

func newLoginView(server, email, trust string) *loginView {
	v := &loginView{}
	v.server = widget.NewEntry()
	v.server.SetPlaceHolder("https://support.example.com:8443")
	v.server.SetText(server)
	v.email = widget.NewEntry()
	v.email.SetPlaceHolder("you@example.com")
	v.email.SetText(email)
	v.password = widget.NewPasswordEntry()
	v.password.OnSubmitted = func(string) { v.submit() }
	v.loginBtn = widget.NewButtonWithIcon("Log In", theme.LoginIcon(), v.submit)
	v.loginBtn.Importance = widget.HighImportance
	v.errLabel = widget.NewLabel("")
	v.errLabel.Wrapping = fyne.TextWrapWord
	v.errLabel.Importance = widget.DangerImportance
	v.errLabel.Hide()
	v.fingerprint = widget.NewLabel(trust)
	v.fingerprint.Wrapping = fyne.TextWrapWord
	v.fingerprint.SizeName = theme.SizeNameCaptionText
	v.progress = widget.NewProgressBarInfinite()
	v.progress.Stop()
	v.progress.Hide()

	title := widget.NewLabel("Lifeline Support Console")
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.SizeName = theme.SizeNameHeadingText
	title.Alignment = fyne.TextAlignCenter
	sub := widget.NewLabel("Log in with your support representative account.")
	sub.Alignment = fyne.TextAlignCenter
	form := widget.NewForm(
		widget.NewFormItem("Server", v.server),
		widget.NewFormItem("Email", v.email),
		widget.NewFormItem("Password", v.password),
	)
	card := container.NewVBox(title, sub, widget.NewSeparator(), form,
		container.NewHBox(layout.NewSpacer(), v.loginBtn), v.progress, v.errLabel,
		widget.NewSeparator(), v.fingerprint)
	v.content = container.NewCenter(fixedWidth(card, 520))
	return v
}

func (v *loginView) submit() {
	if v.OnLogin == nil || v.loginBtn.Disabled() {
		return
	}
	server := strings.TrimRight(strings.TrimSpace(v.server.Text), "/")
	email := strings.TrimSpace(v.email.Text)
	switch {
	case server == "":
		v.SetError("Enter the address of your Lifeline server, such as https://support.example.com:8443.")
		return
	case !strings.HasPrefix(server, "https://") && !strings.HasPrefix(server, "http://"):
		v.SetError("The server address must start with https://, such as https://support.example.com:8443.")
		return
	case email == "":
		v.SetError("Enter the email address of your account.")
		return
	case v.password.Text == "":
		v.SetError("Enter your password.")
		return
	}
	v.SetBusy(true)
	v.OnLogin(server, email, v.password.Text)
}

func (v *loginView) SetBusy(busy bool) {
	if busy {
		v.loginBtn.Disable()
		v.errLabel.Hide()
		v.progress.Show()
		v.progress.Start()
	} else {
		v.loginBtn.Enable()
		v.progress.Stop()
		v.progress.Hide()
	}
}

func (v *loginView) SetError(msg string) {
	v.SetBusy(false)
	v.errLabel.SetText(msg)
	v.errLabel.Show()
}

func (v *loginView) SetFingerprint(text string) { v.fingerprint.SetText(text) }

// fixedWidth lays out o with a fixed width and its own minimum height.
func fixedWidth(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.New(&widthLayout{w: w}, o)
}

type widthLayout struct{ w float32 }

func (l *widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.w, h)
}

func (l *widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// ---- Dashboard ------------------------------------------------------------

type chatLine struct {
	From, To, Text string
	Private        bool
}

type dashboardView struct {
	user *widget.Label

	// Before a session.
	startBtn   *widget.Button
	startErr   *widget.Label
	idle       fyne.CanvasObject
	logoutBtn  *widget.Button
	status     *widget.Label
	sessionBox fyne.CanvasObject

	// Session.
	number       *canvas.Text
	copyNumber   *widget.Button
	joinURL      *widget.Label
	copyLink     *widget.Button
	emailBtn     *widget.Button
	instructions *widget.Label
	people       *fyne.Container
	chatBox      *fyne.Container
	chatScroll   *container.Scroll
	chatEntry    *widget.Entry
	chatTo       *widget.Select
	sendBtn      *widget.Button
	chatErr      *widget.Label
	notes        *widget.Entry
	endBtn       *widget.Button
	viewBtn      *widget.Button
	controlBtn   *widget.Button
	desktopMsg   *widget.Label

	recipients map[string]string // select option → participant id
	content    fyne.CanvasObject

	OnStart, OnLogout, OnEnd        func()
	OnCopy                          func(text string)
	OnEmail                         func()
	OnSend                          func(to, text string)
	OnRequestView, OnRequestControl func()
	OnNotes                         func(text string)
}

const everyone = "Everyone"

func newDashboardView() *dashboardView {
	v := &dashboardView{recipients: map[string]string{}}
	v.user = widget.NewLabel("")
	v.user.TextStyle = fyne.TextStyle{Bold: true}
	v.logoutBtn = widget.NewButtonWithIcon("Log Out", theme.LogoutIcon(), func() { call(v.OnLogout) })
	v.status = widget.NewLabel("")
	v.status.Importance = widget.WarningImportance
	v.status.Hide()

	v.startBtn = widget.NewButtonWithIcon("Start Session", theme.MediaPlayIcon(), func() {
		v.startBtn.Disable()
		v.startErr.Hide()
		call(v.OnStart)
	})
	v.startBtn.Importance = widget.HighImportance
	v.startErr = widget.NewLabel("")
	v.startErr.Importance = widget.DangerImportance
	v.startErr.Wrapping = fyne.TextWrapWord
	v.startErr.Hide()
	hint := widget.NewLabel("Start a support session, then give the customer its number.")
	hint.Alignment = fyne.TextAlignCenter
	v.idle = container.NewCenter(fixedWidth(container.NewVBox(hint,
		container.NewCenter(v.startBtn), v.startErr), 520))

	// Session number and invite.
	v.number = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	v.number.TextSize = 40
	v.number.TextStyle = fyne.TextStyle{Bold: true}
	v.copyNumber = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		call1(v.OnCopy, strings.ReplaceAll(v.number.Text, " ", ""))
	})
	v.joinURL = widget.NewLabel("")
	v.joinURL.Truncation = fyne.TextTruncateEllipsis
	v.copyLink = widget.NewButtonWithIcon("Copy Link", theme.ContentCopyIcon(), func() { call1(v.OnCopy, v.joinURL.Text) })
	v.emailBtn = widget.NewButtonWithIcon("Email", theme.MailComposeIcon(), func() { call(v.OnEmail) })
	v.instructions = widget.NewLabel("")
	v.instructions.Wrapping = fyne.TextWrapWord
	numberLbl := widget.NewLabel("Session number")
	numberLbl.Importance = widget.LowImportance
	v.endBtn = widget.NewButtonWithIcon("End Session", theme.CancelIcon(), func() { call(v.OnEnd) })
	v.endBtn.Importance = widget.DangerImportance
	sessionCard := container.NewBorder(nil, nil, nil, container.NewVBox(layout.NewSpacer(), v.endBtn, layout.NewSpacer()),
		container.NewVBox(numberLbl, container.NewHBox(v.number, container.NewCenter(v.copyNumber))))
	invite := container.NewVBox(heading("Invite"),
		container.NewBorder(nil, nil, widget.NewLabel("Join link"), container.NewHBox(v.copyLink, v.emailBtn), v.joinURL),
		v.instructions)

	// Desktop.
	v.viewBtn = widget.NewButtonWithIcon("Request View", theme.VisibilityIcon(), func() { call(v.OnRequestView) })
	v.controlBtn = widget.NewButtonWithIcon("Request Control", theme.ComputerIcon(), func() { call(v.OnRequestControl) })
	v.desktopMsg = widget.NewLabel("")
	v.desktopMsg.Wrapping = fyne.TextWrapWord
	desktop := container.NewVBox(heading("Desktop"), container.NewHBox(v.viewBtn, v.controlBtn), v.desktopMsg)

	// Participants.
	v.people = container.NewVBox()
	participants := container.NewBorder(heading("Participants"), nil, nil, nil, container.NewVScroll(v.people))

	// Chat.
	v.chatBox = container.NewVBox()
	v.chatScroll = container.NewVScroll(v.chatBox)
	v.chatEntry = widget.NewEntry()
	v.chatEntry.SetPlaceHolder("Type a message")
	v.chatEntry.OnSubmitted = func(string) { v.send() }
	v.chatTo = widget.NewSelect([]string{everyone}, nil)
	v.chatTo.SetSelected(everyone)
	v.sendBtn = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), v.send)
	v.chatErr = widget.NewLabel("")
	v.chatErr.Importance = widget.DangerImportance
	v.chatErr.Wrapping = fyne.TextWrapWord
	v.chatErr.Hide()
	toRow := container.NewBorder(nil, nil, widget.NewLabel("To"), nil, v.chatTo)
	chatBottom := container.NewVBox(v.chatErr, toRow,
		container.NewBorder(nil, nil, nil, v.sendBtn, v.chatEntry))
	chat := container.NewBorder(heading("Chat"), chatBottom, nil, nil, v.chatScroll)

	// Notes and End.
	v.notes = widget.NewMultiLineEntry()
	v.notes.Wrapping = fyne.TextWrapWord
	v.notes.SetPlaceHolder("Notes for the session report")
	v.notes.SetMinRowsVisible(3)
	saveNotes := widget.NewButtonWithIcon("Save Notes", theme.DocumentSaveIcon(), func() { call1(v.OnNotes, v.notes.Text) })
	notes := container.NewBorder(heading("Notes"), container.NewHBox(layout.NewSpacer(), saveNotes), nil, nil, v.notes)

	left := container.NewVBox(sessionCard, widget.NewSeparator(), invite, widget.NewSeparator(), desktop)
	leftCol := container.NewBorder(left, nil, nil, nil, notes)
	right := container.NewVSplit(participants, chat)
	right.SetOffset(0.32)
	split := container.NewHSplit(container.NewPadded(leftCol), container.NewPadded(right))
	split.SetOffset(0.55)
	v.sessionBox = split
	v.sessionBox.Hide()

	bar := container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.AccountIcon()), v.user), v.logoutBtn, container.NewCenter(v.status))
	v.content = container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil,
		container.NewStack(v.idle, v.sessionBox))
	return v
}

func call(f func()) {
	if f != nil {
		f()
	}
}

func call1(f func(string), s string) {
	if f != nil {
		f(s)
	}
}

func (v *dashboardView) send() {
	text := strings.TrimSpace(v.chatEntry.Text)
	if text == "" || v.OnSend == nil || v.sendBtn.Disabled() {
		return
	}
	v.chatErr.Hide()
	v.OnSend(v.recipients[v.chatTo.Selected], text)
	v.chatEntry.SetText("")
}

func (v *dashboardView) SetUser(name, email string) {
	v.user.SetText(fmt.Sprintf("%s (%s)", name, email))
}

// SetStatus shows a short line in the top bar ("" hides it).
func (v *dashboardView) SetStatus(text string) {
	v.status.SetText(text)
	v.status.Hidden = text == ""
	v.status.Refresh()
}

func (v *dashboardView) StartFailed(msg string) {
	v.startBtn.Enable()
	v.startErr.SetText(msg)
	v.startErr.Show()
}

// ShowSession switches to the session panels.
func (v *dashboardView) ShowSession(number, joinURL, site string) {
	v.number.Text = spaced(number)
	v.number.Refresh()
	v.joinURL.SetText(joinURL)
	// The join page tells the customer what to do with the number; it
	// does not offer the agent download yet.
	v.instructions.SetText(fmt.Sprintf("To join, the customer opens the Lifeline agent, enters the session number %s "+
		"and their name, and chooses Join. The join link (on %s) shows the same instructions.", spaced(number), site))
	v.chatBox.RemoveAll()
	v.people.RemoveAll()
	v.notes.SetText("")
	v.chatEntry.SetText("")
	v.chatErr.Hide()
	v.desktopMsg.SetText("Request view or control once a customer has joined.")
	v.setChatEnabled(true)
	v.endBtn.Enable()
	v.startBtn.Enable()
	v.startErr.Hide()
	v.idle.Hide()
	v.sessionBox.Show()
}

// ShowIdle goes back to the Start button; msg (if any) says why.
func (v *dashboardView) ShowIdle(msg string) {
	v.sessionBox.Hide()
	v.idle.Show()
	v.startBtn.Enable()
	if msg != "" {
		v.startErr.Importance = widget.MediumImportance
		v.startErr.SetText(msg)
		v.startErr.Show()
	} else {
		v.startErr.Hide()
	}
}

func (v *dashboardView) setChatEnabled(on bool) {
	if on {
		v.sendBtn.Enable()
		v.chatEntry.Enable()
	} else {
		v.sendBtn.Disable()
		v.chatEntry.Disable()
	}
}

// SetParticipants shows the roster; you is the console's own participant.
func (v *dashboardView) SetParticipants(st protocol.State) {
	v.people.RemoveAll()
	options := []string{everyone}
	v.recipients = map[string]string{everyone: ""}
	customer := false
	for _, p := range st.Participants {
		name := widget.NewLabel(p.Name)
		name.TextStyle = fyne.TextStyle{Bold: true}
		if p.ID == st.You {
			name.SetText(p.Name + " (you)")
		}
		var what string
		var icon fyne.Resource
		switch {
		case p.LeftAt != nil:
			what, icon = "Left", theme.CancelIcon()
		case p.Connected:
			what, icon = "Connected", theme.ConfirmIcon()
		default:
			what, icon = "Not connected", theme.WarningIcon()
		}
		extra := []string{roleWords(p.Role), what}
		if st.Sharing == p.ID {
			extra = append(extra, "sharing")
		}
		if st.Controller != "" && st.Controller == p.ID {
			extra = append(extra, "has control")
		}
		detail := widget.NewLabel(strings.Join(extra, " · "))
		detail.TextStyle = fyne.TextStyle{Italic: true}
		v.people.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), nil, container.NewHBox(name, detail)))
		if p.ID != st.You && p.LeftAt == nil {
			label := fmt.Sprintf("%s (%s)", p.Name, roleWords(p.Role))
			if _, dup := v.recipients[label]; dup {
				label = fmt.Sprintf("%s (%s, %s)", p.Name, roleWords(p.Role), p.ID)
			}
			options = append(options, label)
			v.recipients[label] = p.ID
		}
		if p.Role == protocol.RolePrimary && p.Connected && p.LeftAt == nil {
			customer = true
		}
	}
	sel := v.chatTo.Selected
	v.chatTo.SetOptions(options)
	if _, ok := v.recipients[sel]; !ok {
		sel = everyone
	}
	v.chatTo.SetSelected(sel)
	if customer {
		v.viewBtn.Enable()
		v.controlBtn.Enable()
		if strings.HasPrefix(v.desktopMsg.Text, "Request view or control once") {
			v.desktopMsg.SetText("The customer is connected: request view or control of their screen.")
		}
	} else {
		v.viewBtn.Disable()
		v.controlBtn.Disable()
		v.desktopMsg.SetText("Request view or control once a customer has joined.")
	}
}

func (v *dashboardView) AddChat(l chatLine) {
	head := &widget.TextSegment{Text: l.From, Style: widget.RichTextStyleStrong}
	if l.Private {
		head.Text = fmt.Sprintf("%s → %s (private)", l.From, l.To)
		head.Style.ColorName = theme.ColorNameWarning
	}
	head.Style.Inline = false
	text := widget.NewRichText(head, &widget.TextSegment{Text: l.Text, Style: widget.RichTextStyleParagraph})
	text.Wrapping = fyne.TextWrapWord
	v.chatBox.Add(text)
	v.chatScroll.ScrollToBottom()
}

func (v *dashboardView) ChatFailed(msg string) {
	v.chatErr.SetText(msg)
	v.chatErr.Show()
}

func (v *dashboardView) SetDesktopMessage(msg string) { v.desktopMsg.SetText(msg) }

// ---- Sharing window -------------------------------------------------------

var (
	modeOptions   = []string{"Standard", "Screen Sampling"}
	modeValues    = map[string]string{"Standard": "standard", "Screen Sampling": "sampling"}
	colorOptions  = []string{"Full color", "High color (16-bit)", "256 colors"}
	colorValues   = map[string]string{"Full color": "full", "High color (16-bit)": "16bit", "256 colors": "256"}
	blankScreen   = image.NewRGBA(image.Rect(0, 0, 16, 9))
	screenBackdrp = color.NRGBA{0x20, 0x22, 0x26, 0xff}
)

type sharingView struct {
	area     *screenArea
	status   *widget.Label
	mode     *widget.Select
	colors   *widget.Select
	leaveBtn *widget.Button
	stopBtn  *widget.Button
	control  bool // the customer granted control
	content  fyne.CanvasObject

	OnMode, OnColors func(string)
	OnStop           func()
}

func newSharingView() *sharingView {
	v := &sharingView{}
	v.area = newScreenArea()
	v.status = widget.NewLabel("Waiting for the customer's screen…")
	v.status.Truncation = fyne.TextTruncateEllipsis
	v.mode = widget.NewSelect(modeOptions, nil)
	v.mode.SetSelected("Standard")
	v.mode.OnChanged = func(s string) {
		if v.OnMode != nil {
			v.OnMode(modeValues[s])
		}
	}
	v.colors = widget.NewSelect(colorOptions, nil)
	v.colors.SetSelected("Full color")
	v.colors.OnChanged = func(s string) {
		if v.OnColors != nil {
			v.OnColors(colorValues[s])
		}
	}
	v.leaveBtn = widget.NewButtonWithIcon("Leave Control", theme.LogoutIcon(), func() { v.SetInput(!v.area.input) })
	v.leaveBtn.Hide()
	v.stopBtn = widget.NewButtonWithIcon("Stop Sharing", theme.MediaStopIcon(), func() { call(v.OnStop) })
	v.stopBtn.Importance = widget.DangerImportance
	bar := container.NewBorder(nil, nil, nil,
		container.NewHBox(widget.NewLabel("Mode"), v.mode, widget.NewLabel("Colors"), v.colors, v.leaveBtn, v.stopBtn), v.status)
	v.content = container.NewBorder(nil, container.NewPadded(bar), nil, nil, v.area)
	return v
}

// SetControl says whether the customer granted control; input is
// forwarded from then on until Leave Control.
func (v *sharingView) SetControl(on bool) {
	v.control = on
	if on {
		v.leaveBtn.Show()
	} else {
		v.leaveBtn.Hide()
	}
	v.SetInput(on)
}

// SetInput turns forwarding of mouse and keyboard on or off.
func (v *sharingView) SetInput(on bool) {
	v.area.input = on && v.control
	if v.area.input {
		v.leaveBtn.SetText("Leave Control")
		v.leaveBtn.SetIcon(theme.LogoutIcon())
		v.leaveBtn.Importance = widget.WarningImportance
	} else {
		v.leaveBtn.SetText("Resume Control")
		v.leaveBtn.SetIcon(theme.LoginIcon())
		v.leaveBtn.Importance = widget.MediumImportance
	}
	v.leaveBtn.Refresh()
}

func (v *sharingView) SetImage(img image.Image) {
	v.area.img.Image = img
	v.area.img.Refresh()
}

func (v *sharingView) SetStatus(text string) { v.status.SetText(text) }
