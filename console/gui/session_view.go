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

	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

type chatLine struct {
	From, To, Text string
	Private        bool
}

const everyone = "Everyone"

// noCustomerYet is what the desktop's line says until a customer joins.
const noCustomerYet = "Request view or control, and use the tools, once a customer has joined."

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
	transferBtn  *widget.Button // Transfer Session (to a queue or a colleague)
	leaveBtn     *widget.Button
	request      *fyne.Container // what the customer asked for help with, from a queue
	desktopBtns  *fyne.Container
	viewBtn      *widget.Button
	watchBtn     *widget.Button
	watchRow     *fyne.Container
	controlBtn   *widget.Button
	desktopMsg   *widget.Label
	sysinfoBtn   *widget.Button
	runBtn       *widget.Button
	filesBtn     *widget.Button
	publishBtn   *widget.Button
	rebootBtn    *widget.Button
	toolsRow     *fyne.Container // the tools after System Information
	toolsMsg     *widget.Label

	host       bool
	customer   string // the connected primary customer's name
	hasPrimary bool   // a primary customer is in the session (connected or not)
	restarting string // the primary customer's name while their computer restarts
	rebootNote string // a reboot request waits for the customer: what to say meanwhile
	features   toolFeatures
	phrases    []string
	recipients map[string]string // select option → participant id
	content    fyne.CanvasObject

	OnCopy                          func(text string)
	OnEmail                         func()
	OnSend                          func(to, text string)
	OnRequestView, OnRequestControl func()
	OnWatch                         func() // an assistant watches the shared screen
	OnNotes                         func(text string)
	OnEnd, OnLeave                  func()
	OnTransferSession               func() // to a queue or a colleague, and leave
	OnMakePrimary, OnTransfer       func(id, name string)
	// The customer's computer: System Information, Run Scripts, File
	// Transfer (the two-pane window), Publish Files, Reboot Computer.
	OnSystemInfo, OnRunScripts, OnFileTransfer, OnPublish, OnReboot func()
}

// toolFeatures are the tools for the customer's computer the site has
// switched on (and, for FileTransfer, that this console has).
type toolFeatures struct {
	SystemInfo, Scripts, FileTransfer, Publish, Reboot bool
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
	v.transferBtn = widget.NewButtonWithIcon("Transfer Session…", theme.MailForwardIcon(), func() { call(v.OnTransferSession) })
	v.transferBtn.Disable()
	sessionCard := container.NewBorder(nil, nil, nil,
		container.NewVBox(layout.NewSpacer(), v.endBtn, v.transferBtn, v.leaveBtn, layout.NewSpacer()),
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

	// The customer's computer: the desktop, then the tools. Two rows, so
	// that the buttons fit the column on a 1366×768 screen.
	v.viewBtn = widget.NewButtonWithIcon("Request View", theme.VisibilityIcon(), func() { call(v.OnRequestView) })
	v.controlBtn = widget.NewButtonWithIcon("Request Control", theme.ComputerIcon(), func() { call(v.OnRequestControl) })
	v.sysinfoBtn = widget.NewButtonWithIcon("System Information", theme.InfoIcon(), func() { call(v.OnSystemInfo) })
	v.runBtn = widget.NewButtonWithIcon("Run Scripts", theme.MediaPlayIcon(), func() { call(v.OnRunScripts) })
	v.filesBtn = widget.NewButtonWithIcon("File Transfer", theme.StorageIcon(), func() { call(v.OnFileTransfer) })
	v.publishBtn = widget.NewButtonWithIcon("Publish Files", theme.UploadIcon(), func() { call(v.OnPublish) })
	v.rebootBtn = widget.NewButtonWithIcon("Reboot Computer", theme.ViewRefreshIcon(), func() { call(v.OnReboot) })
	v.watchBtn = widget.NewButtonWithIcon("Watch Screen", theme.VisibilityIcon(), func() { call(v.OnWatch) })
	v.watchRow = container.NewHBox(v.watchBtn)
	v.watchRow.Hide()
	v.desktopBtns = container.NewHBox(v.viewBtn, v.controlBtn, v.sysinfoBtn)
	v.toolsRow = container.NewHBox(v.runBtn, v.filesBtn, v.publishBtn, v.rebootBtn)
	v.desktopMsg = wrapped("")
	v.toolsMsg = wrapped("")
	v.toolsMsg.Importance = widget.WarningImportance
	desktop := container.NewVBox(heading("Customer's computer"), v.desktopBtns, v.toolsRow, v.watchRow, v.desktopMsg, v.toolsMsg)
	v.features = toolFeatures{SystemInfo: true, Scripts: true, FileTransfer: true, Publish: true, Reboot: true}

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
	// Save Notes beside the heading leaves the notes the most room.
	notes := container.NewBorder(container.NewBorder(nil, nil, nil, container.NewCenter(v.saveNotes), heading("Notes")), nil, nil, nil, v.notes)

	v.request = container.NewVBox()
	v.request.Hide()
	left := container.NewVBox(sessionCard, v.request, widget.NewSeparator(), invite, widget.NewSeparator(), desktop)
	// The notes take the height the sections leave; on a small screen the
	// column scrolls instead of squeezing them.
	leftCol := container.NewVScroll(container.NewBorder(left, nil, nil, nil, notes))
	right := container.NewVSplit(participants, chat)
	right.SetOffset(0.34)
	split := container.NewHSplit(container.NewPadded(leftCol), container.NewPadded(right))
	split.SetOffset(0.55)
	v.content = split
	v.desktopMsg.SetText(noCustomerYet)
	v.showTools()
	return v
}

// SetFeatures shows the tools the site has switched on; the others are
// not shown at all.
func (v *sessionView) SetFeatures(f toolFeatures) {
	v.features = f
	v.showTools()
}

// SetRebootPending says, under the tools, that a reboot request waits
// for the customer's answer, and keeps Reboot Computer off meanwhile (""
// when it is answered).
func (v *sessionView) SetRebootPending(note string) {
	v.rebootNote = note
	v.showTools()
}

// showTools shows the tools the site allows, to the host only, and
// enables them while the primary customer is connected; a line under
// them says that a reboot request waits for the customer.
func (v *sessionView) showTools() {
	f := v.features
	for _, b := range []struct {
		btn *widget.Button
		on  bool
	}{{v.sysinfoBtn, f.SystemInfo}, {v.runBtn, f.Scripts}, {v.filesBtn, f.FileTransfer}, {v.publishBtn, f.Publish}, {v.rebootBtn, f.Reboot}} {
		b.btn.Hidden = !b.on
		if v.customer != "" && v.restarting == "" {
			b.btn.Enable()
		} else {
			b.btn.Disable()
		}
		b.btn.Refresh()
	}
	if v.rebootNote != "" {
		v.rebootBtn.Disable()
	}
	v.toolsRow.Hidden = !v.host || (!f.Scripts && !f.FileTransfer && !f.Publish && !f.Reboot)
	v.toolsRow.Refresh()
	v.toolsMsg.SetText(v.rebootNote)
	v.toolsMsg.Hidden = !v.host || v.rebootNote == "" || v.restarting != ""
	v.toolsMsg.Refresh()
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
	enable(false, v.endBtn, v.transferBtn, v.leaveBtn, v.viewBtn, v.controlBtn, v.saveNotes, v.copyLink, v.emailBtn, v.copyNumber)
	v.notes.Disable()
	v.desktopMsg.SetText(reason)
	v.people.RemoveAll()
	enable(false, v.sysinfoBtn, v.runBtn, v.filesBtn, v.publishBtn, v.rebootBtn)
	v.toolsMsg.Hide()
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
	v.endBtn.Hidden, v.leaveBtn.Hidden, v.transferBtn.Hidden = !host, host, !host
	v.endBtn.Refresh()
	v.leaveBtn.Refresh()
	v.people.RemoveAll()
	options := []string{everyone}
	v.recipients = map[string]string{everyone: ""}
	customer, restarting, hasPrimary := "", "", false
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
		if p.Role == protocol.RolePrimary && p.LeftAt == nil {
			hasPrimary = true
			if p.Connected && !p.Restarting {
				customer = p.Name
			}
			if p.Restarting {
				restarting = p.Name
			}
		}
	}
	v.customer, v.restarting, v.hasPrimary = customer, restarting, hasPrimary
	// A session is transferred with its customer: without one there is
	// nothing to hand over (End it instead).
	enable(hasPrimary, v.transferBtn)
	v.transferBtn.Refresh()
	v.showTools()
	sel := v.chatTo.Selected
	v.chatTo.SetOptions(options)
	if _, ok := v.recipients[sel]; !ok {
		sel = everyone
	}
	v.chatTo.SetSelected(sel)

	v.desktopBtns.Hidden = !host
	v.desktopBtns.Refresh()
	v.watchRow.Hidden = host || st.Sharing == ""
	v.watchRow.Refresh()
	switch {
	case !host && st.Sharing != "":
		v.desktopMsg.SetText("The customer shares their screen with the session: you watch it in the sharing window " +
			"(Watch Screen opens it again). The host CSR works it; you observe and chat.")
	case !host:
		v.desktopMsg.SetText("The host CSR works the customer's desktop. You observe and chat; " +
			"the host can transfer control of the session to you.")
	case customer != "":
		enable(true, v.viewBtn, v.controlBtn)
		if v.desktopMsg.Text == noCustomerYet || strings.HasPrefix(v.desktopMsg.Text, "The host CSR") {
			v.desktopMsg.SetText("The customer is connected. Each request asks them for permission first.")
		}
	case restarting != "":
		enable(false, v.viewBtn, v.controlBtn)
		v.desktopMsg.SetText(restarting + "'s computer is restarting. Viewing, control and the tools work again " +
			"once it has rejoined the session.")
	default:
		enable(false, v.viewBtn, v.controlBtn)
		v.desktopMsg.SetText(noCustomerYet)
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
	case p.Restarting:
		what, icon = "restarting…", theme.ViewRefreshIcon()
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

// systemLine is a chat panel line no one typed: a script's result, a file
// transfer, a customer back after a restart.
type systemLine struct {
	Text string
	// Detail is more text, such as the end of a script's output: its last
	// few lines are shown, the rest on demand.
	Detail string
	Failed bool
}

// detailLines is how many lines of a system line's detail show at first.
const detailLines = 4

func (v *sessionView) AddSystem(l systemLine) {
	icon := theme.InfoIcon()
	if l.Failed {
		icon = theme.ErrorIcon()
	}
	text := widget.NewLabel(l.Text)
	text.Wrapping = fyne.TextWrapWord
	text.TextStyle = fyne.TextStyle{Italic: true}
	if l.Failed {
		text.Importance = widget.DangerImportance
	}
	line := container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(icon), nil, text))
	if d := strings.TrimRight(l.Detail, "\n"); d != "" {
		lines := strings.Split(d, "\n")
		out := widget.NewLabel(d)
		out.TextStyle = fyne.TextStyle{Monospace: true}
		out.Wrapping = fyne.TextWrapBreak
		out.SizeName = theme.SizeNameCaptionText
		line.Add(out)
		if len(lines) > detailLines {
			short := "…\n" + strings.Join(lines[len(lines)-detailLines:], "\n")
			out.SetText(short)
			var more *widget.Button
			more = widget.NewButton(fmt.Sprintf("Show all %d lines", len(lines)), func() {
				if out.Text == short {
					out.SetText(d)
					more.SetText("Show less")
				} else {
					out.SetText(short)
					more.SetText(fmt.Sprintf("Show all %d lines", len(lines)))
				}
				v.chatBox.Refresh()
			})
			more.Importance = widget.LowImportance
			line.Add(container.NewHBox(more))
		}
	}
	v.chatBox.Add(line)
	v.chatScroll.ScrollToBottom()
}

// SetRequest shows, under the session number, what the customer asked
// for help with in the queue, and for a session a colleague transferred,
// who sent it and their message — what the CSR reads first.
func (v *sessionView) SetRequest(r client.QueueRequest) {
	// The request a session was accepted as names its session too: a
	// transferred one says who sent it.
	title := "From the " + orDefault(r.QueueName, r.Queue) + " queue"
	switch {
	case r.OfferedTo != "" || (r.TransferredBy != "" && r.Queue == ""):
		title = "Transferred to you by " + orDefault(r.TransferredBy, "a colleague")
	case r.TransferredBy != "":
		title = "Transferred to the " + orDefault(r.QueueName, r.Queue) + " queue by " + orDefault(r.TransferredBy, "a colleague")
	}
	head := widget.NewLabel(title)
	head.TextStyle = fyne.TextStyle{Bold: true}
	head.Truncation = fyne.TextTruncateEllipsis
	who := []string{orDefault(r.Name, "The customer")}
	if r.Email != "" {
		who = append(who, r.Email)
	}
	who = append(who, "waited "+waitWords(r.WaitedSeconds))
	detail := widget.NewLabel(strings.Join(who, " · "))
	detail.Truncation = fyne.TextTruncateEllipsis
	lines := []fyne.CanvasObject{head, detail}
	if p := strings.TrimSpace(r.Problem); p != "" {
		lines = append(lines, wrapped("Problem: "+p))
	}
	if m := strings.TrimSpace(r.Message); m != "" {
		msg := wrapped("Message from " + orDefault(r.TransferredBy, "your colleague") + ": “" + m + "”")
		msg.TextStyle = fyne.TextStyle{Bold: true}
		msg.Importance = widget.HighImportance
		lines = append(lines, msg)
	}
	if r.Referrer != "" {
		l := widget.NewLabel("Came from " + r.Referrer)
		l.TextStyle = fyne.TextStyle{Italic: true}
		l.Truncation = fyne.TextTruncateEllipsis
		lines = append(lines, l)
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	v.request.Objects = []fyne.CanvasObject{container.NewStack(bg, container.NewPadded(tight(lines...)))}
	v.request.Show()
	v.request.Refresh()
}
