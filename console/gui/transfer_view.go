package gui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/controller"
	"lifeline/shared/client"
)

// messageLength is a transfer message's length as the server counts it:
// characters, after trimming, a line break being one.
func messageLength(s string) int {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return utf8.RuneCountInString(strings.TrimSpace(s))
}

// limitedEntry is a multi-line entry that refuses typing or pasting that
// would make its text longer than max characters (messageLength): what
// was there stays, and OnRefused says how long it would have been.
type limitedEntry struct {
	widget.Entry
	max       int
	OnRefused func(wouldBe int)
}

func newLimitedEntry(max int) *limitedEntry {
	e := &limitedEntry{max: max}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// guard runs an edit and undoes it when it made the text too long.
func (e *limitedEntry) guard(edit func()) {
	text, row, col := e.Text, e.CursorRow, e.CursorColumn
	edit()
	if n := messageLength(e.Text); n > e.max && n > messageLength(text) {
		e.SetText(text)
		e.CursorRow, e.CursorColumn = row, col
		e.Refresh()
		if e.OnRefused != nil {
			e.OnRefused(n)
		}
	}
}

func (e *limitedEntry) TypedRune(r rune) { e.guard(func() { e.Entry.TypedRune(r) }) }

func (e *limitedEntry) TypedKey(k *fyne.KeyEvent) { e.guard(func() { e.Entry.TypedKey(k) }) }

func (e *limitedEntry) TypedShortcut(s fyne.Shortcut) { e.guard(func() { e.Entry.TypedShortcut(s) }) }

// maxListedQueues is how many queues the dialog lists before scrolling.
const maxListedQueues = 6

// transferView is the Transfer Session dialog: a queue (one of those the
// CSR serves, or another by its name) on the Queues tab, or a support
// representative by email on the other, and a personal message of at
// most 345 characters for whoever takes the session. What the CSR typed
// stays when the server refuses, to be corrected in place.
type transferView struct {
	tabs       *container.AppTabs
	queueTab   *container.TabItem
	csrTab     *container.TabItem
	queues     *widget.RadioGroup
	queueNames map[string]string // radio option → queue name
	otherQueue *widget.Entry
	email      *widget.Entry
	message    *limitedEntry
	counter    *widget.Label
	refused    *widget.Label
	errLabel   *widget.Label
	sendBtn    *widget.Button
	cancelBtn  *widget.Button
	content    fyne.CanvasObject

	OnTransfer func(to, message string)
	OnCancel   func()
}

// newTransferView lists the queues of the CSR's board to choose from.
func newTransferView(queues []client.Queue) *transferView {
	d := &transferView{queueNames: map[string]string{}}
	var options []string
	for _, q := range queues {
		opt := fmt.Sprintf("%s (%s)", orDefault(q.DisplayName, q.Name), count(len(q.Waiting), "waiting", "waiting"))
		options = append(options, opt)
		d.queueNames[opt] = q.Name
	}
	d.queues = widget.NewRadioGroup(options, func(sel string) {
		if sel != "" {
			d.otherQueue.SetText("")
		}
	})
	d.otherQueue = widget.NewEntry()
	d.otherQueue.SetPlaceHolder("the queue's name, e.g. network")
	d.otherQueue.OnChanged = func(s string) {
		if strings.TrimSpace(s) != "" {
			d.queues.SetSelected("")
		}
	}
	queueHelp := "Choose one queue: the session waits there, its customer still connected, until a representative " +
		"who serves it accepts it."
	if len(queues) == 0 {
		queueHelp = "You serve no queue. Type the name of the queue to send the session to: it waits there, its " +
			"customer still connected, until a representative who serves it accepts it."
	}
	queueBox := container.NewVBox(wrapped(queueHelp))
	switch {
	case len(queues) > maxListedQueues:
		// An administrator serves every queue: the list scrolls.
		scroll := container.NewVScroll(d.queues)
		scroll.SetMinSize(fyne.NewSize(0, float32(maxListedQueues)*(theme.IconInlineSize()+2*theme.InnerPadding())))
		queueBox.Add(scroll)
	case len(queues) > 0:
		queueBox.Add(d.queues)
	}
	queueBox.Add(container.NewBorder(nil, nil, widget.NewLabel("Another queue"), nil, d.otherQueue))

	d.email = widget.NewEntry()
	d.email.SetPlaceHolder("dave@example.com")
	csrBox := container.NewVBox(
		wrapped("Give the session to one support representative: it waits for them under Transferred to you in "+
			"their Queues tab, its customer still connected."),
		container.NewBorder(nil, nil, widget.NewLabel("Email address"), nil, d.email))

	d.queueTab = container.NewTabItemWithIcon("Queues", theme.ListIcon(), queueBox)
	d.csrTab = container.NewTabItemWithIcon("Support Representative", theme.AccountIcon(), csrBox)
	d.tabs = container.NewAppTabs(d.queueTab, d.csrTab)

	d.message = newLimitedEntry(controller.MaxTransferMessage)
	d.message.SetPlaceHolder("Optional: what the next representative should know")
	d.message.SetMinRowsVisible(4)
	d.counter = widget.NewLabel("")
	d.counter.Alignment = fyne.TextAlignTrailing
	d.counter.TextStyle = fyne.TextStyle{Italic: true}
	d.refused = wrapped("")
	d.refused.Importance = widget.WarningImportance
	d.refused.Hide()
	d.message.OnChanged = func(string) { d.showCount(false) }
	d.message.OnRefused = func(n int) {
		d.refused.SetText(fmt.Sprintf("The message can be at most %d characters long: that would have made it %d, "+
			"so it was not added.", controller.MaxTransferMessage, n))
		d.showCount(true)
	}
	d.showCount(false)

	d.errLabel = wrapped("")
	d.errLabel.Importance = widget.DangerImportance
	d.errLabel.Hide()
	d.sendBtn = widget.NewButtonWithIcon("Transfer Session", theme.MailForwardIcon(), d.send)
	d.sendBtn.Importance = widget.HighImportance
	d.cancelBtn = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { call(d.OnCancel) })

	intro := wrapped("The session goes to a queue or to a colleague with your message, and you leave it. " +
		"The customer stays connected and is told.")
	msgHead := container.NewBorder(nil, nil, widget.NewLabel("Personal message"), d.counter)
	d.content = fixedWidth(container.NewVBox(intro, d.tabs, widget.NewSeparator(), msgHead, d.message, d.refused,
		d.errLabel, container.NewHBox(layout.NewSpacer(), d.cancelBtn, d.sendBtn)), 600)
	return d
}

// showCount shows "N of 345 characters"; refused keeps the note that
// more was refused, which the next accepted change clears.
func (d *transferView) showCount(refused bool) {
	d.counter.SetText(fmt.Sprintf("%d of %d characters", messageLength(d.message.Text), controller.MaxTransferMessage))
	if !refused {
		d.refused.Hide()
	} else {
		d.refused.Show()
	}
}

// Target is where the session goes: a queue's name or an email address,
// or "" with the sentence saying what is missing.
func (d *transferView) Target() (to, problem string) {
	if d.tabs.Selected() == d.csrTab {
		email := strings.TrimSpace(d.email.Text)
		if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t") {
			return "", "Type the email address of the support representative to give the session to, such as dave@example.com."
		}
		return email, ""
	}
	if other := strings.TrimSpace(d.otherQueue.Text); other != "" {
		if strings.ContainsAny(other, "@ \t") {
			return "", "A queue's name has only letters, digits and hyphens. To give the session to a representative, " +
				"use the Support Representative tab."
		}
		return other, ""
	}
	if name := d.queueNames[d.queues.Selected]; name != "" {
		return name, ""
	}
	return "", "Choose the queue to send the session to, or a representative on the Support Representative tab."
}

func (d *transferView) send() {
	to, problem := d.Target()
	if problem != "" {
		d.SetError(problem)
		return
	}
	d.SetError("")
	call2(d.OnTransfer, to, strings.TrimSpace(d.message.Text))
}

// SetError shows why the session was not transferred ("" hides it).
func (d *transferView) SetError(msg string) {
	d.errLabel.SetText(msg)
	d.errLabel.Hidden = msg == ""
	d.errLabel.Refresh()
}

// SetBusy keeps Transfer Session off while the transfer is on its way.
func (d *transferView) SetBusy(busy bool) { enable(!busy, d.sendBtn) }
