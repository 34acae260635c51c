package gui

import (
	"fmt"
	"image/color"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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

// The Transfer Session dialog offers every queue and every colleague the
// server lists (queues first, with their lines; then colleagues, online
// first). The CSR picks one, or types: what is typed narrows the list,
// and a queue's name or an email address not in it is sent as typed, for
// the server to check (the list may be out of date, or could not be
// read).

type rowKind int

const (
	rowHeading rowKind = iota
	rowQueue
	rowCSR
)

// targetRow is one line of the dialog's list.
type targetRow struct {
	kind  rowKind
	title string // a heading's words
	queue client.TargetQueue
	csr   client.TargetCSR
}

// to is where the row sends the session: a queue's name or an address.
func (r targetRow) to() string {
	switch r.kind {
	case rowQueue:
		return r.queue.Name
	case rowCSR:
		return r.csr.Email
	}
	return ""
}

// words name the row's target for the line under the list, with what
// the CSR should know before sending a customer there.
func (r targetRow) words() string {
	switch r.kind {
	case rowQueue:
		q := r.queue
		s := "the " + orDefault(q.DisplayName, q.Name) + " queue"
		switch {
		case q.Members == 0:
			s += " — no representative serves it"
		case q.MembersOnline == 0:
			s += " — none of the representatives who serve it is online now"
		}
		return s
	case rowCSR:
		c := r.csr
		s := fmt.Sprintf("%s (%s)", orDefault(c.Name, c.Email), c.Email)
		if !c.Online {
			s += " — offline now: the customer waits until they open their console"
		}
		return s
	}
	return ""
}

// detail is the row's second column.
func (r targetRow) detail() string {
	if r.kind != rowQueue {
		return r.csr.Email
	}
	q := r.queue
	s := count(q.Waiting, "waiting", "waiting") + " · "
	if q.Members == 0 {
		s += "no members"
	} else {
		s += fmt.Sprintf("%d of %s online", q.MembersOnline, count(q.Members, "member", "members"))
	}
	if q.YouServe {
		s += " · you serve it"
	}
	return s
}

// targetRows lists the targets that match filter (in any case, anywhere
// in a queue's name or display name, a colleague's name or address),
// each kind under its heading, in the server's order. An entry without a
// name or address to send to is left out.
func targetRows(t client.TransferTargets, filter string) []targetRow {
	f := strings.ToLower(strings.TrimSpace(filter))
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(strings.ToLower(x), f) {
				return true
			}
		}
		return false
	}
	var queues, csrs []targetRow
	for _, q := range t.Queues {
		if q.Name != "" && has(q.Name, q.DisplayName) {
			queues = append(queues, targetRow{kind: rowQueue, queue: q})
		}
	}
	for _, c := range t.CSRs {
		if c.Email != "" && has(c.Name, c.Email) {
			csrs = append(csrs, targetRow{kind: rowCSR, csr: c})
		}
	}
	var rows []targetRow
	if len(queues) > 0 {
		rows = append(append(rows, targetRow{kind: rowHeading, title: "Queues"}), queues...)
	}
	if len(csrs) > 0 {
		rows = append(append(rows, targetRow{kind: rowHeading, title: "Colleagues"}), csrs...)
	}
	return rows
}

// isQueueName says whether s could be a queue's name: letters, digits
// and hyphens (the server folds the case).
func isQueueName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
	})
}

// typedTarget is where typed text sends the session when no row is
// chosen: the one target it names in full (a queue's name or display
// name, a colleague's address or name, in any case); else an email
// address or a queue's name as typed, which the server checks. Text that
// is only part of listed names asks for a choice. words describe the
// target, problem says what is missing when to is "".
func typedTarget(t client.TransferTargets, typed string) (to, words, problem string) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return "", "", "Choose a queue or a colleague from the list, or type a queue's name or an email address."
	}
	var hits []targetRow
	for _, q := range t.Queues {
		if q.Name != "" && (strings.EqualFold(typed, q.Name) || strings.EqualFold(typed, q.DisplayName)) {
			hits = append(hits, targetRow{kind: rowQueue, queue: q})
		}
	}
	for _, c := range t.CSRs {
		if c.Email != "" && (strings.EqualFold(typed, c.Email) || strings.EqualFold(typed, c.Name)) {
			hits = append(hits, targetRow{kind: rowCSR, csr: c})
		}
	}
	switch {
	case len(hits) == 1:
		return hits[0].to(), hits[0].words(), ""
	case len(hits) > 1:
		return "", "", fmt.Sprintf("More than one queue or colleague is called “%s”: choose the one you mean from the list.", typed)
	case strings.Contains(typed, "@"):
		local, domain, _ := strings.Cut(typed, "@")
		if local == "" || domain == "" || strings.Contains(domain, "@") ||
			strings.ContainsFunc(typed, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			return "", "", fmt.Sprintf("“%s” is not an email address; type one such as dave@example.com, or choose a colleague from the list.", typed)
		}
		return typed, typed + " (not in the list: the server checks it)", ""
	case len(targetRows(t, typed)) > 0:
		return "", "", fmt.Sprintf("“%s” is only part of a name: choose the queue or colleague you mean from the list.", typed)
	case !isQueueName(typed):
		return "", "", "A queue's name has only letters, digits and hyphens, such as network. To give the session to a " +
			"colleague, choose them from the list or type their email address."
	}
	return typed, fmt.Sprintf("the queue named “%s” (not in the list: the server checks it)", typed), ""
}

// targetRowView draws one row: an icon, the name, the detail and, for a
// colleague, online or offline.
type targetRowView struct {
	widget.BaseWidget
	icon                 *widget.Icon
	name, detail, status *widget.Label
	box                  *fyne.Container
}

func newTargetRowView() *targetRowView {
	r := &targetRowView{icon: widget.NewIcon(theme.ListIcon()), name: widget.NewLabel(""), detail: widget.NewLabel(""),
		status: widget.NewLabel("")}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.box = container.NewBorder(nil, nil, r.icon, container.NewHBox(r.detail, r.status), r.name)
	r.ExtendBaseWidget(r)
	return r
}

func (r *targetRowView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (r *targetRowView) set(row targetRow) {
	r.name.TextStyle = fyne.TextStyle{Bold: row.kind == rowHeading}
	r.detail.Importance = widget.MediumImportance
	switch row.kind {
	case rowHeading:
		r.icon.Hide()
		r.name.SetText(row.title)
		r.detail.Hide()
		r.status.Hide()
		return
	case rowQueue:
		r.icon.SetResource(theme.ListIcon())
		r.name.SetText(orDefault(row.queue.DisplayName, row.queue.Name))
		r.status.Hide()
	case rowCSR:
		r.icon.SetResource(theme.AccountIcon())
		r.name.SetText(orDefault(row.csr.Name, row.csr.Email))
		r.detail.Importance = widget.LowImportance
		r.status.Text, r.status.Importance = "Offline", widget.LowImportance
		if row.csr.Online {
			r.status.Text, r.status.Importance = "Online", widget.SuccessImportance
		}
		r.status.Show()
		r.status.Refresh()
	}
	r.icon.Show()
	r.detail.SetText(row.detail())
	r.detail.Show()
	r.name.Refresh()
}

// listRows is how many rows the list shows before scrolling.
const listRows = 7

// transferView is the Transfer Session dialog: the target (from the
// server's list, or typed) and a personal message of at most 345
// characters for whoever takes the session. What the CSR typed stays
// when the server refuses, to be corrected in place. The list arrives
// after the dialog opens (SetTargets), and may be read again (Refresh).
type transferView struct {
	targets    client.TransferTargets
	rows       []targetRow
	selected   int    // the chosen row, -1 for none
	loading    bool   // the list is being read
	failed     string // why the list could not be read
	find       *widget.Entry
	refreshBtn *widget.Button
	list       *widget.List
	listNote   *widget.Label
	choice     *widget.Label
	message    *limitedEntry
	counter    *widget.Label
	refused    *widget.Label
	errLabel   *widget.Label
	sendBtn    *widget.Button
	cancelBtn  *widget.Button
	content    fyne.CanvasObject

	OnTransfer func(to, message string)
	OnCancel   func()
	OnRefresh  func()
}

func newTransferView() *transferView {
	d := &transferView{selected: -1}
	d.find = widget.NewEntry()
	d.find.SetPlaceHolder("Find, or type a queue's name or an email address")
	d.find.OnChanged = func(string) { d.filter() }
	d.refreshBtn = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { call(d.OnRefresh) })
	d.list = widget.NewList(func() int { return len(d.rows) },
		func() fyne.CanvasObject { return newTargetRowView() },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= 0 && id < len(d.rows) {
				o.(*targetRowView).set(d.rows[id])
			}
		})
	d.list.OnSelected = func(id widget.ListItemID) {
		if id < 0 || id >= len(d.rows) || d.rows[id].kind == rowHeading {
			d.list.Unselect(id)
			return
		}
		d.selected = id
		d.showChoice()
	}
	d.list.OnUnselected = func(id widget.ListItemID) {
		if d.selected == id {
			d.selected = -1
			d.showChoice()
		}
	}
	rowHeight := newTargetRowView().MinSize().Height + theme.Padding()
	// The note takes the place of an empty list.
	d.listNote = wrapped("")
	d.listNote.Hide()
	listBox := container.NewStack(minHeight(listRows*rowHeight), d.list, container.NewVBox(d.listNote))
	d.choice = wrapped("")
	d.choice.TextStyle = fyne.TextStyle{Bold: true}
	d.choice.Hide()

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
		"The customer stays connected and is told. In a queue it waits for a representative who serves it; " +
		"a colleague finds it under Transferred to you in their Queues tab.")
	findRow := container.NewBorder(nil, nil, widget.NewLabel("To"), d.refreshBtn, d.find)
	msgHead := container.NewBorder(nil, nil, widget.NewLabel("Personal message"), d.counter)
	d.content = fixedWidth(container.NewVBox(intro, findRow, listBox, d.choice, widget.NewSeparator(),
		msgHead, d.message, d.refused, d.errLabel, container.NewHBox(layout.NewSpacer(), d.cancelBtn, d.sendBtn)), 600)
	d.SetLoading()
	return d
}

// minHeight is an empty object of a height, to hold a list open.
func minHeight(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return r
}

// SetLoading says the list is being read; one shown stays meanwhile.
func (d *transferView) SetLoading() {
	d.loading = true
	d.refreshBtn.Disable()
	d.showNote()
}

// SetTargets shows the server's list, filtered by what is typed; a
// chosen target that is still listed stays chosen.
func (d *transferView) SetTargets(t client.TransferTargets) {
	keep := ""
	if d.selected >= 0 {
		keep = d.rows[d.selected].to()
	}
	d.targets, d.loading, d.failed = t, false, ""
	d.refreshBtn.Enable()
	d.filter()
	for i, r := range d.rows {
		if keep != "" && r.kind != rowHeading && r.to() == keep {
			d.list.Select(i)
		}
	}
}

// SetTargetsError says why the list could not be read; typing a target
// still works.
func (d *transferView) SetTargetsError(msg string) {
	d.targets, d.loading = client.TransferTargets{}, false
	d.failed = msg + " Type the queue's name or the email address above, or press Refresh to try again."
	d.refreshBtn.Enable()
	d.filter()
}

// filter lists what matches the typed text. Typing chooses anew: the
// chosen row is let go.
func (d *transferView) filter() {
	d.selected = -1
	d.list.UnselectAll()
	d.rows = targetRows(d.targets, d.find.Text)
	d.list.Refresh()
	d.list.ScrollToTop()
	d.showNote()
	d.showChoice()
}

// showNote says, in place of an empty list, why it is empty.
func (d *transferView) showNote() {
	msg, imp := "", widget.MediumImportance
	switch f := strings.TrimSpace(d.find.Text); {
	case len(d.rows) > 0:
	case d.loading:
		msg = "Reading the queues and colleagues from the server…"
	case d.failed != "":
		msg, imp = d.failed, widget.DangerImportance
	case f != "":
		msg = fmt.Sprintf("No queue or colleague matches “%s”.", f)
	default:
		msg = "There are no queues and no other representatives on this server."
	}
	d.listNote.Importance = imp
	d.listNote.SetText(msg)
	d.listNote.Hidden = msg == ""
	d.listNote.Refresh()
}

// showChoice says where the session would go now.
func (d *transferView) showChoice() {
	_, words, _ := d.target()
	d.choice.SetText("Transfer to " + words)
	d.choice.Hidden = words == ""
	d.choice.Refresh()
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
	to, _, problem = d.target()
	return to, problem
}

// target is the chosen row, or else what the typed text names.
func (d *transferView) target() (to, words, problem string) {
	if d.selected >= 0 && d.selected < len(d.rows) {
		r := d.rows[d.selected]
		return r.to(), r.words(), ""
	}
	return typedTarget(d.targets, d.find.Text)
}

// choose selects the listed target to (a queue's name or an address).
func (d *transferView) choose(to string) bool {
	for i, r := range d.rows {
		if r.kind != rowHeading && r.to() == to {
			d.list.Select(i)
			d.list.ScrollTo(i)
			return true
		}
	}
	return false
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
