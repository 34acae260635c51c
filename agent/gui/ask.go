package gui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/agent/terminal"
	"lifeline/shared/protocol"
)

// allForSession is the check box of the consent dialog, in the user
// guide's words.
const allForSession = "Grant permission for all actions during this session without prompting again"

// asking is the request on screen. Used on the Fyne thread only.
type asking struct {
	req    session.Request
	answer chan consent.Answer // buffered: one answer
	done   bool
	dialog *dialog.CustomDialog
	allow  *widget.Button
	deny   *widget.Button
	all    *widget.Check
}

func (a *asking) reply(ans consent.Answer) {
	if a.done {
		return
	}
	a.done = true
	a.answer <- ans
	a.dialog.Hide()
}

// Ask implements session.UI: a modal dialog in the window, which is brought
// to the front. It blocks the calling goroutine (never the Fyne thread)
// until the customer answers; when ctx ends first the dialog closes and the
// answer is Deny.
func (u *ui) Ask(ctx context.Context, r session.Request) consent.Answer {
	if u.closed.Load() {
		return consent.Deny
	}
	answer := make(chan consent.Answer, 1)
	fyne.Do(func() { u.showAsk(r, answer) })
	select {
	case ans := <-answer:
		return ans
	case <-ctx.Done():
		fyne.Do(func() { u.cancelAsk(answer) })
		return consent.Deny
	case <-u.quit:
		return consent.Deny
	}
}

func (u *ui) showAsk(r session.Request, answer chan consent.Answer) {
	if u.phase != phaseSession && u.phase != phaseJoining {
		answer <- consent.Deny
		return
	}
	u.denyPending() // requests come one at a time; never leave one behind
	a := &asking{req: r, answer: answer}
	text := wrapped(terminal.Sentence(session.Describe(r)))
	text.TextStyle = fyne.TextStyle{Bold: true}
	a.all = widget.NewCheck("", nil)
	allText := &tapLabel{onTap: func() { a.all.SetChecked(!a.all.Checked) }}
	allText.ExtendBaseWidget(allText)
	allText.Text = allForSession
	allText.Wrapping = fyne.TextWrapWord
	content := container.New(&widthLayout{width: 340},
		text,
		container.NewBorder(nil, nil, container.NewVBox(a.all), nil, allText),
	)
	if r.Action == protocol.ActionView || r.Action == protocol.ActionControl {
		content.Add(subtle("While your screen is shared, a banner with a Stop button stays on top: press it to stop at any time.", theme.SizeNameCaptionText))
	}
	a.deny = widget.NewButtonWithIcon("Deny", theme.CancelIcon(), func() { a.reply(consent.Deny) })
	a.allow = widget.NewButtonWithIcon("Allow", theme.ConfirmIcon(), func() {
		if a.all.Checked {
			a.reply(consent.AllowAll)
		} else {
			a.reply(consent.AllowOnce)
		}
	})
	a.allow.Importance = widget.HighImportance
	a.dialog = dialog.NewCustomWithoutButtons("Permission requested", content, u.win)
	a.dialog.SetButtons([]fyne.CanvasObject{a.deny, a.allow})
	a.dialog.SetIcon(theme.QuestionIcon())
	a.dialog.SetOnClosed(func() {
		a.reply(consent.Deny) // closed any other way: no
		if u.ask == a {
			u.ask = nil
		}
	})
	u.ask = a
	a.dialog.Show()
	u.win.Show()
	u.win.RequestFocus()
	if u.banner != nil {
		u.banner.raise() // focusing the window may have raised it over the banner
	}
	if u.askedHook != nil {
		u.askedHook()
	}
}

// cancelAsk closes the dialog of a request whose context ended.
func (u *ui) cancelAsk(answer chan consent.Answer) {
	if a := u.ask; a != nil && a.answer == answer {
		a.reply(consent.Deny)
	}
}

// denyPending answers the request on screen, if any, with Deny.
func (u *ui) denyPending() {
	if a := u.ask; a != nil {
		u.ask = nil
		a.reply(consent.Deny)
	}
}

// tapLabel is a label that toggles its check box when tapped, like the
// text of a check box, but wraps.
type tapLabel struct {
	widget.Label
	onTap func()
}

func (t *tapLabel) Tapped(*fyne.PointEvent) { t.onTap() }

// widthLayout stacks its objects vertically at a fixed width, so that
// wrapped labels inside a dialog get a sensible width and the height they
// need at it.
type widthLayout struct{ width float32 }

func (l *widthLayout) heights(objs []fyne.CanvasObject, width float32) ([]float32, float32) {
	hs := make([]float32, len(objs))
	var total float32
	n := 0
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		o.Resize(fyne.NewSize(width, o.MinSize().Height))
		hs[i] = o.MinSize().Height
		total += hs[i]
		n++
	}
	if n > 1 {
		total += theme.Padding() * float32(n-1)
	}
	return hs, total
}

func (l *widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	_, h := l.heights(objs, l.width)
	return fyne.NewSize(l.width, h)
}

func (l *widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	hs, _ := l.heights(objs, size.Width)
	var y float32
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, hs[i]))
		y += hs[i] + theme.Padding()
	}
}
