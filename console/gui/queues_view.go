package gui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/client"
)

// maxShownWaiting is how many customers of one queue are listed: the
// line's head is what Accept Next takes; the rest are counted.
const maxShownWaiting = 50

// queuesView is the Queues tab: the support queues the CSR serves, each
// with its customers in line in order and Accept Next, and the sessions
// colleagues transferred to this CSR with Take. It never touches the
// network; the glue gives it the board and the On… callbacks.
type queuesView struct {
	intro   *widget.Label
	status  *widget.Label // the board could not be read: why, and when it is tried again
	limit   *widget.Label // why the console's own limit turns Take (and Accept Next) off
	box     *fyne.Container
	scroll  *container.Scroll
	content fyne.CanvasObject

	board    client.QueueBoard
	received time.Time // when the board arrived: the waits grow from there
	now      time.Time // the time the waits are shown for
	// allowed is whether the console's own reading of the session limit
	// allows one more session, and reason why not ("2 of 2 sessions
	// open"). It decides Take, and Accept Next in a queue of which the
	// server does not say (Queue.CanAccept): the server's word per queue
	// follows the queue's own session mode and maximum.
	allowed bool
	reason  string
	// messages are refusals to show under a queue (by its name) or an
	// offer (by its request id) until the CSR tries again, or someone
	// else waits in that line.
	messages map[string]refusal
	waits    []waitLabel
	// The buttons of the board shown, for the tests.
	acceptBtns map[string]*widget.Button // by queue name
	takeBtns   map[string]*widget.Button // by offer request id

	OnAcceptNext func(queue string)
	OnTake       func(requestID string)
}

// refusal is a sentence shown under a queue or an offer, and the line as
// it was when it was said.
type refusal struct {
	text, line string
}

// waitLabel is a label saying how long a customer has waited, seconds
// when the board arrived.
type waitLabel struct {
	label   *widget.Label
	seconds int64
}

func newQueuesView() *queuesView {
	v := &queuesView{messages: map[string]refusal{}, allowed: true,
		acceptBtns: map[string]*widget.Button{}, takeBtns: map[string]*widget.Button{}}
	v.intro = wrapped("Customers who asked for help wait here in order. Accept Next starts a session with the " +
		"customer who has waited longest, already in it.")
	v.intro.Importance = widget.LowImportance
	v.status = wrapped("")
	v.status.Importance = widget.WarningImportance
	v.status.Hide()
	v.limit = wrapped("")
	v.limit.Importance = widget.WarningImportance
	v.limit.Hide()
	v.box = container.NewVBox()
	v.scroll = container.NewVScroll(v.box)
	v.content = container.NewPadded(container.NewBorder(container.NewVBox(v.intro, v.status, v.limit), nil, nil, nil, v.scroll))
	return v
}

// Waiting is how many customers wait for this CSR: in the queues it
// serves, and in sessions transferred to it.
func (v *queuesView) Waiting() int {
	n := len(v.board.Offers)
	for _, q := range v.board.Queues {
		n += len(q.Waiting)
	}
	return n
}

// Wanted reports whether the tab is worth showing: the CSR serves a
// queue, or a colleague transferred a session to them.
func (v *queuesView) Wanted() bool { return len(v.board.Queues) > 0 || len(v.board.Offers) > 0 }

// SetBoard shows a board that arrived at received.
func (v *queuesView) SetBoard(b client.QueueBoard, received time.Time) {
	v.board, v.received, v.now = b, received, received
	// A refusal stays until someone new waits where it was said (Accept
	// Next on an empty line is refused until then anyway).
	for _, q := range b.Queues {
		if m, ok := v.messages[q.Name]; ok && len(q.Waiting) > 0 && lineOf(q.Waiting) != m.line {
			delete(v.messages, q.Name)
		}
	}
	v.rebuild()
}

// SetStatus says why the board may be out of date ("" when it is live).
func (v *queuesView) SetStatus(msg string) {
	v.status.SetText(msg)
	v.status.Hidden = msg == ""
	v.status.Refresh()
}

// SetAllowed enables Take, and Accept Next where the server does not say
// per queue, as the console's reading of the session limit allows; reason
// says why not ("2 of 2 sessions open").
func (v *queuesView) SetAllowed(allowed bool, reason string) {
	if v.allowed == allowed && v.reason == reason {
		return
	}
	v.allowed, v.reason = allowed, reason
	v.rebuild()
}

// acceptAllowed is whether the session limit lets Accept Next start a
// session from q: the server's word for the queue, else the console's.
func (v *queuesView) acceptAllowed(q client.Queue) bool {
	if q.CanAccept != nil {
		return *q.CanAccept
	}
	return v.allowed
}

// showLimit says, above the queues, what the console's own limit turns
// off and why; nothing when it turns nothing off that is shown (the
// queues the server speaks for say their own limit).
func (v *queuesView) showLimit() {
	text := ""
	if !v.allowed && v.reason != "" {
		take, accept := len(v.board.Offers) > 0, false
		for _, q := range v.board.Queues {
			accept = accept || q.CanAccept == nil
		}
		what := ""
		switch {
		case take && accept:
			what = "Accept Next and Take are off"
		case take:
			what = "Take is off"
		case accept:
			what = "Accept Next is off"
		}
		if what != "" {
			text = what + ": " + v.reason + ". End a session to take another customer."
		}
	}
	v.limit.SetText(text)
	v.limit.Hidden = text == ""
	v.limit.Refresh()
}

// SetMessage shows a refusal under a queue or an offer ("" clears it).
func (v *queuesView) SetMessage(key, msg string) {
	if msg == "" {
		delete(v.messages, key)
	} else {
		m := refusal{text: msg}
		for _, q := range v.board.Queues {
			if q.Name == key {
				m.line = lineOf(q.Waiting)
			}
		}
		v.messages[key] = m
	}
	v.rebuild()
}

// Message is the refusal shown under a queue or an offer.
func (v *queuesView) Message(key string) string { return v.messages[key].text }

// lineOf names the customers of a line, to tell when it changed.
func lineOf(rs []client.QueueRequest) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return strings.Join(ids, " ")
}

// Tick shows the waits as of now.
func (v *queuesView) Tick(now time.Time) {
	v.now = now
	since := int64(max(now.Sub(v.received), 0) / time.Second)
	for _, w := range v.waits {
		w.label.SetText("waiting " + waitWords(w.seconds+since))
	}
}

// waitWords says how long someone has waited: seconds for the first
// minute, then minutes, then hours and minutes.
func waitWords(seconds int64) string {
	switch {
	case seconds < 60:
		return fmt.Sprintf("%d s", max(seconds, 0))
	case seconds < 3600:
		return fmt.Sprintf("%d min", seconds/60)
	default:
		return fmt.Sprintf("%d h %02d min", seconds/3600, seconds%3600/60)
	}
}

func (v *queuesView) rebuild() {
	v.showLimit()
	v.waits = v.waits[:0]
	clear(v.acceptBtns)
	clear(v.takeBtns)
	var objs []fyne.CanvasObject
	if len(v.board.Offers) > 0 {
		objs = append(objs, heading("Transferred to you"))
		for _, r := range v.board.Offers {
			objs = append(objs, v.offerRow(r), widget.NewSeparator())
		}
	}
	for _, q := range v.board.Queues {
		objs = append(objs, v.queueSection(q)...)
	}
	v.box.Objects = objs
	v.box.Refresh()
	v.Tick(v.now)
}

func (v *queuesView) queueSection(q client.Queue) []fyne.CanvasObject {
	name := orDefault(q.DisplayName, q.Name)
	accept := widget.NewButtonWithIcon("Accept Next", theme.MediaPlayIcon(), func() { call1(v.OnAcceptNext, q.Name) })
	accept.Importance = widget.HighImportance
	enable(v.acceptAllowed(q) && len(q.Waiting) > 0, accept)
	v.acceptBtns[q.Name] = accept
	detail := widget.NewLabel(fmt.Sprintf("%s · %s", count(len(q.Waiting), "customer waiting", "customers waiting"),
		count(q.Members, "representative serves it", "representatives serve it")))
	detail.TextStyle = fyne.TextStyle{Italic: true}
	detail.Truncation = fyne.TextTruncateEllipsis
	head := container.NewBorder(nil, nil, heading(name), container.NewCenter(accept), detail)
	objs := []fyne.CanvasObject{head}
	// The server's sentence, said before the CSR presses rather than
	// after, even with nobody waiting yet.
	limit := ""
	if q.CanAccept != nil && !*q.CanAccept {
		limit = q.Limit
	}
	if limit != "" {
		l := wrapped(limit)
		l.Importance = widget.WarningImportance
		objs = append(objs, l)
	}
	// A refusal that says the limit again (pressed just before the board
	// said it) is not shown twice.
	if msg := v.messages[q.Name].text; msg != "" && msg != limit {
		l := wrapped(msg)
		l.Importance = widget.DangerImportance
		objs = append(objs, l)
	}
	if len(q.Waiting) == 0 {
		none := widget.NewLabel("Nobody is waiting.")
		none.TextStyle = fyne.TextStyle{Italic: true}
		objs = append(objs, none)
	}
	for i, r := range q.Waiting {
		if i == maxShownWaiting {
			more := widget.NewLabel(fmt.Sprintf("…and %d more waiting.", len(q.Waiting)-i))
			more.TextStyle = fyne.TextStyle{Italic: true}
			objs = append(objs, more)
			break
		}
		pos := r.Position
		if pos <= 0 {
			pos = i + 1
		}
		objs = append(objs, v.requestRow(fmt.Sprintf("%d", pos), r, nil))
	}
	return append(objs, widget.NewSeparator())
}

func (v *queuesView) offerRow(r client.QueueRequest) fyne.CanvasObject {
	take := widget.NewButtonWithIcon("Take", theme.MediaPlayIcon(), func() { call1(v.OnTake, r.ID) })
	take.Importance = widget.HighImportance
	enable(v.allowed, take)
	v.takeBtns[r.ID] = take
	row := v.requestRow("", r, take)
	if msg := v.messages[r.ID].text; msg != "" {
		l := wrapped(msg)
		l.Importance = widget.DangerImportance
		return container.NewVBox(row, l)
	}
	return row
}

// requestRow is one waiting customer: the place in line, name and email,
// how long they have waited, the problem, where they came from, and for
// a transferred session who sent it with their message.
func (v *queuesView) requestRow(pos string, r client.QueueRequest, action fyne.CanvasObject) fyne.CanvasObject {
	name := widget.NewLabel(orDefault(r.Name, "(no name)"))
	name.TextStyle = fyne.TextStyle{Bold: true}
	email := widget.NewLabel(r.Email)
	email.Truncation = fyne.TextTruncateEllipsis
	wait := widget.NewLabel("")
	v.waits = append(v.waits, waitLabel{label: wait, seconds: r.WaitedSeconds})
	right := []fyne.CanvasObject{wait}
	if action != nil {
		right = append(right, container.NewCenter(action))
	}
	lines := []fyne.CanvasObject{container.NewBorder(nil, nil, name, container.NewHBox(right...), email)}
	if p := strings.TrimSpace(r.Problem); p != "" {
		l := wrapped(p)
		lines = append(lines, l)
	}
	if r.SessionID != "" {
		what := "Transferred by " + orDefault(r.TransferredBy, "a colleague")
		if m := strings.TrimSpace(r.Message); m != "" {
			what += ": “" + m + "”"
		} else {
			what += ", without a message."
		}
		l := wrapped(what)
		l.Importance = widget.HighImportance
		l.TextStyle = fyne.TextStyle{Bold: true}
		lines = append(lines, l)
	}
	if r.Referrer != "" {
		l := widget.NewLabel("Came from " + r.Referrer)
		l.TextStyle = fyne.TextStyle{Italic: true}
		l.Truncation = fyne.TextTruncateEllipsis
		lines = append(lines, l)
	}
	var left fyne.CanvasObject = layout.NewSpacer()
	if pos != "" {
		p := widget.NewLabel(pos)
		p.TextStyle = fyne.TextStyle{Bold: true}
		p.Alignment = fyne.TextAlignTrailing
		left = fixedWidth(p, 40)
	} else {
		left = widget.NewIcon(theme.MailForwardIcon())
	}
	return container.NewBorder(nil, nil, container.NewVBox(left), nil, tight(lines...))
}

// tight stacks the lines of one item without space between them: the
// labels' own padding keeps them apart.
func tight(lines ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewCustomPaddedVBoxLayout(0), lines...)
}

// count says "1 customer waiting" or "3 customers waiting".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
