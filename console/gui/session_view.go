package gui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/protocol"
)

type chatLine struct {
	From, To, Text string
	Private        bool
}

const everyone = "Everyone"

// sessionView is one session's panel: its number and invitation, the
// customer's desktop, notes, the participants and the chat. It never
// touches the network; the glue sets the On… callbacks and calls the
// setters on the UI thread.
type sessionView struct {
	number       *canvas.Text
	copyNumber   *widget.Button
	detail       *widget.Label
	joinURL      *widget.Label
	copyLink     *widget.Button
	emailBtn     *widget.Button
	instructions *widget.Label
	people       *fyne.Container
	chatHead     *widget.Label
	chatBox      *fyne.Container
	chatScroll   *container.Scroll
	chatEntry    *widget.Entry
	chatTo       *widget.Select
	phrasesBtn   *widget.Button
	sendBtn      *widget.Button
	chatErr      *widget.Label
	notes        *widget.Entry
	saveNotes    *widget.Button
	endBtn       *widget.Button
	leaveBtn     *widget.Button
	desktopBtns  *fyne.Container
	viewBtn      *widget.Button
	controlBtn   *widget.Button
	desktopMsg   *widget.Label

	host       bool
	phrases    []string
	recipients map[string]string // select option → participant id
	content    fyne.CanvasObject

	OnCopy                          func(text string)
	OnEmail                         func()
	OnSend                          func(to, text string)
	OnRequestView, OnRequestControl func()
	OnNotes                         func(text string)
	OnEnd, OnLeave                  func()
	OnMakePrimary, OnTransfer       func(id, name string)
}

func newSessionView() *sessionView {
	v := &sessionView{recipients: map[string]string{}}

	// Session number, what this console is in it, End or Leave.
	v.number = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	v.number.TextSize = 40
	v.number.TextStyle = fyne.TextStyle{Bold: true}
	v.copyNumber = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		call1(v.OnCopy, strings.ReplaceAll(v.number.Text, " ", ""))
	})
	v.detail = widget.NewLabel("")
	v.detail.TextStyle = fyne.TextStyle{Italic: true}
	v.detail.Truncation = fyne.TextTruncateEllipsis
	numberLbl := widget.NewLabel("Session number")
	numberLbl.SizeName = theme.SizeNameCaptionText
	v.endBtn = widget.NewButtonWithIcon("End Session", theme.CancelIcon(), func() { call(v.OnEnd) })
	v.endBtn.Importance = widget.DangerImportance
	v.leaveBtn = widget.NewButtonWithIcon("Leave Session", theme.LogoutIcon(), func() { call(v.OnLeave) })
	v.leaveBtn.Hide()
	sessionCard := container.NewBorder(nil, nil, nil,
		container.NewVBox(layout.NewSpacer(), v.endBtn, v.leaveBtn, layout.NewSpacer()),
		container.NewVBox(numberLbl, container.NewHBox(
			// The number lines up with the labels' text, which sits one
			// inner padding inside their widgets.
			container.New(layout.NewCustomPaddedLayout(0, 0, theme.InnerPadding(), 0), v.number),
			container.NewCenter(v.copyNumber)), v.detail))

	// Invite.
	v.joinURL = widget.NewLabel("")
	v.joinURL.Truncation = fyne.TextTruncateEllipsis
	v.copyLink = widget.NewButtonWithIcon("Copy Link", theme.ContentCopyIcon(), func() { call1(v.OnCopy, v.joinURL.Text) })
	v.emailBtn = widget.NewButtonWithIcon("Email", theme.MailComposeIcon(), func() { call(v.OnEmail) })
	v.instructions = wrapped("")
	invite := container.NewVBox(heading("Invite"),
		container.NewBorder(nil, nil, widget.NewLabel("Join link"), container.NewHBox(v.copyLink, v.emailBtn), v.joinURL),
		v.instructions)

	// Desktop.
	v.viewBtn = widget.NewButtonWithIcon("Request View", theme.VisibilityIcon(), func() { call(v.OnRequestView) })
	v.controlBtn = widget.NewButtonWithIcon("Request Control", theme.ComputerIcon(), func() { call(v.OnRequestControl) })
	v.desktopBtns = container.NewHBox(v.viewBtn, v.controlBtn)
	v.desktopMsg = wrapped("")
	desktop := container.NewVBox(heading("Desktop"), v.desktopBtns, v.desktopMsg)

	// Participants.
	v.people = container.NewVBox()
	participants := container.NewBorder(heading("Participants"), nil, nil, nil, container.NewVScroll(v.people))

	// Chat.
	v.chatHead = heading("Chat")
	v.chatBox = container.NewVBox()
	v.chatScroll = container.NewVScroll(v.chatBox)
	v.chatEntry = widget.NewEntry()
	v.chatEntry.SetPlaceHolder("Type a message")
	v.chatEntry.OnSubmitted = func(string) { v.send() }
	v.chatTo = widget.NewSelect([]string{everyone}, nil)
	v.chatTo.SetSelected(everyone)
	v.sendBtn = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), v.send)
	v.phrasesBtn = widget.NewButtonWithIcon("Phrases", theme.ListIcon(), v.showPhrases)
	v.phrasesBtn.Hide()
	v.chatErr = wrapped("")
	v.chatErr.Importance = widget.DangerImportance
	v.chatErr.Hide()
	toRow := container.NewBorder(nil, nil, widget.NewLabel("To"), v.phrasesBtn, v.chatTo)
	chatBottom := container.NewVBox(v.chatErr, toRow, container.NewBorder(nil, nil, nil, v.sendBtn, v.chatEntry))
	chat := container.NewBorder(v.chatHead, chatBottom, nil, nil, v.chatScroll)

	// Notes.
	v.notes = widget.NewMultiLineEntry()
	v.notes.Wrapping = fyne.TextWrapWord
	v.notes.SetPlaceHolder("Notes for the session report")
	v.notes.SetMinRowsVisible(3)
	v.saveNotes = widget.NewButtonWithIcon("Save Notes", theme.DocumentSaveIcon(), func() { call1(v.OnNotes, v.notes.Text) })
	notes := container.NewBorder(heading("Notes"), container.NewHBox(layout.NewSpacer(), v.saveNotes), nil, nil, v.notes)

	left := container.NewVBox(sessionCard, widget.NewSeparator(), invite, widget.NewSeparator(), desktop)
	leftCol := container.NewBorder(left, nil, nil, nil, notes)
	right := container.NewVSplit(participants, chat)
	right.SetOffset(0.34)
	split := container.NewHSplit(container.NewPadded(leftCol), container.NewPadded(right))
	split.SetOffset(0.55)
	v.content = split
	v.desktopMsg.SetText("Request view or control once a customer has joined.")
	return v
}

// SetSession shows the session's number, the join link and how to join.
// detail is a short line under the number (type, tracking code, role).
func (v *sessionView) SetSession(number, joinURL, site, detail string) {
	v.number.Text = spaced(number)
	v.number.Refresh()
	v.detail.SetText(detail)
	v.joinURL.SetText(joinURL)
	v.instructions.SetText(fmt.Sprintf("To join, the customer opens the Lifeline agent, enters the session number %s "+
		"and their name, and chooses Join. The join link (on %s) shows the same instructions. A colleague "+
		"joins with Assist Session and the same number.", spaced(number), site))
}

func (v *sessionView) send() {
	text := strings.TrimSpace(v.chatEntry.Text)
	if text == "" || v.OnSend == nil || v.sendBtn.Disabled() {
		return
	}
	v.chatErr.Hide()
	v.OnSend(v.recipients[v.chatTo.Selected], text)
	v.chatEntry.SetText("")
}

// SetPhrases sets the quick phrases the server keeps; the Phrases button
// is shown only when there are some.
func (v *sessionView) SetPhrases(phrases []string) {
	v.phrases = phrases
	v.phrasesBtn.Hidden = len(phrases) == 0
	v.phrasesBtn.Refresh()
}

func (v *sessionView) phraseMenu() *fyne.Menu {
	items := make([]*fyne.MenuItem, 0, len(v.phrases))
	for _, p := range v.phrases {
		label := p
		if r := []rune(label); len(r) > 60 {
			label = string(r[:59]) + "…"
		}
		items = append(items, fyne.NewMenuItem(label, func() { v.UsePhrase(p) }))
	}
	return fyne.NewMenu("Quick phrases", items...)
}

func (v *sessionView) showPhrases() {
	c := fyne.CurrentApp().Driver().CanvasForObject(v.phrasesBtn)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.phrasesBtn)
	widget.ShowPopUpMenuAtPosition(v.phraseMenu(), c, pos.Add(fyne.NewPos(0, v.phrasesBtn.Size().Height)))
}

// UsePhrase puts a quick phrase in the message box, for the CSR to send
// as it is or edit first.
func (v *sessionView) UsePhrase(p string) {
	v.chatEntry.SetText(p)
	v.chatEntry.CursorColumn = len([]rune(p))
	v.chatEntry.Refresh()
	if c := fyne.CurrentApp().Driver().CanvasForObject(v.chatEntry); c != nil {
		c.Focus(v.chatEntry)
	}
}

// SetUnread shows how many chat lines arrived unseen.
func (v *sessionView) SetUnread(n int) {
	text := "Chat"
	if n > 0 {
		text = fmt.Sprintf("Chat — %d unread", n)
	}
	v.chatHead.SetText(text)
}

// SetEnded leaves the panel readable but inert.
func (v *sessionView) SetEnded(reason string) {
	v.setChatEnabled(false)
	enable(false, v.endBtn, v.leaveBtn, v.viewBtn, v.controlBtn, v.saveNotes, v.copyLink, v.emailBtn, v.copyNumber)
	v.notes.Disable()
	v.desktopMsg.SetText(reason)
	v.people.RemoveAll()
}

func (v *sessionView) setChatEnabled(on bool) {
	if on {
		v.sendBtn.Enable()
		v.chatEntry.Enable()
	} else {
		v.sendBtn.Disable()
		v.chatEntry.Disable()
	}
}

// SetParticipants shows the roster and what this console may do: the host
// ends the session, chooses the primary customer, transfers control and
// works the customer's desktop; anyone else may only leave.
func (v *sessionView) SetParticipants(st protocol.State, host bool) {
	v.host = host
	v.endBtn.Hidden, v.leaveBtn.Hidden = !host, host
	v.endBtn.Refresh()
	v.leaveBtn.Refresh()
	v.people.RemoveAll()
	options := []string{everyone}
	v.recipients = map[string]string{everyone: ""}
	customer := false
	for _, p := range st.Participants {
		v.people.Add(v.participantRow(st, p, host))
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

	v.desktopBtns.Hidden = !host
	v.desktopBtns.Refresh()
	switch {
	case !host:
		v.desktopMsg.SetText("The host CSR works the customer's desktop. You observe and chat; " +
			"the host can transfer control of the session to you.")
	case customer:
		enable(true, v.viewBtn, v.controlBtn)
		if strings.HasPrefix(v.desktopMsg.Text, "Request view or control once") || strings.HasPrefix(v.desktopMsg.Text, "The host CSR") {
			v.desktopMsg.SetText("The customer is connected: request view or control of their screen.")
		}
	default:
		enable(false, v.viewBtn, v.controlBtn)
		v.desktopMsg.SetText("Request view or control once a customer has joined.")
	}
}

func (v *sessionView) participantRow(st protocol.State, p protocol.Participant, host bool) fyne.CanvasObject {
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
	detail.Truncation = fyne.TextTruncateEllipsis
	var action fyne.CanvasObject
	if host && p.LeftAt == nil && p.ID != st.You {
		id, who := p.ID, p.Name
		switch p.Role {
		case protocol.RoleSecondary:
			b := widget.NewButton("Make Primary", func() { call2(v.OnMakePrimary, id, who) })
			action = b
		case protocol.RoleAssistant:
			b := widget.NewButton("Transfer Control", func() { call2(v.OnTransfer, id, who) })
			action = b
		}
	}
	return container.NewBorder(nil, nil, widget.NewIcon(icon), action, container.NewBorder(nil, nil, name, nil, detail))
}

func call2(f func(a, b string), a, b string) {
	if f != nil {
		f(a, b)
	}
}

func (v *sessionView) AddChat(l chatLine) {
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

func (v *sessionView) ChatFailed(msg string) {
	v.chatErr.SetText(msg)
	v.chatErr.Show()
}

func (v *sessionView) SetDesktopMessage(msg string) { v.desktopMsg.SetText(msg) }
