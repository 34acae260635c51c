package gui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// transferDialog is a session's open Transfer Session dialog.
type transferDialog struct {
	view *transferView
	pop  dialog.Dialog
	// seq numbers the readings of the list: only the latest is shown.
	seq int
}

// askTransferSession opens the Transfer Session dialog of a session this
// console hosts: to any queue or colleague, from the server's list or
// typed, with a personal message.
func (u *ui) askTransferSession(su *sessionUI) {
	if !su.host || u.sessions[su.s.ID()] != su {
		return
	}
	if su.transfer != nil {
		su.transfer.pop.Show()
		return
	}
	v := newTransferView()
	pop := dialog.NewCustomWithoutButtons("Transfer Session "+spaced(su.s.Number()), v.content, u.win)
	t := &transferDialog{view: v, pop: pop}
	su.transfer = t
	closeDlg := func() {
		if su.transfer == t {
			su.transfer = nil
		}
		pop.Hide()
	}
	pop.SetOnClosed(func() { // however it was dismissed
		if su.transfer == t {
			su.transfer = nil
		}
	})
	v.OnCancel = closeDlg
	v.OnTransfer = func(to, message string) { u.doTransferSession(su, t, to, message, closeDlg) }
	v.OnRefresh = func() { u.loadTransferTargets(su, t) }
	pop.Resize(fyne.NewSize(640, 0))
	pop.Show()
	u.win.Canvas().Focus(v.find)
	u.loadTransferTargets(su, t)
}

// loadTransferTargets reads the queues and colleagues the session can go
// to into the dialog. Typing a target works meanwhile, and when the list
// cannot be read.
func (u *ui) loadTransferTargets(su *sessionUI, t *transferDialog) {
	c := u.controller()
	if c == nil {
		return
	}
	t.seq++
	seq := t.seq
	t.view.SetLoading()
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		targets, err := c.TransferTargets(ctx)
		cancel()
		u.do(func() {
			if su.transfer != t || t.seq != seq {
				return // closed, or read again, meanwhile
			}
			if err != nil {
				t.view.SetTargetsError("The list of queues and colleagues could not be read: " + sentence(err))
				return
			}
			t.view.SetTargets(targets)
		})
	})
}

// doTransferSession sends the session on. Once it is gone the session's
// end closes its tab, saying where it went; a refusal stays in the
// dialog, with what the CSR typed.
func (u *ui) doTransferSession(su *sessionUI, t *transferDialog, to, message string, closeDlg func()) {
	s := su.s
	t.view.SetBusy(true)
	u.goDo(func() {
		ctx, cancel := u.ctx(30 * time.Second)
		_, err := s.TransferSession(ctx, to, message)
		cancel()
		u.do(func() {
			if su.transfer != t {
				return // closed meanwhile
			}
			t.view.SetBusy(false)
			if err != nil {
				t.view.SetError("The session was not transferred: " + sentence(err))
				return
			}
			closeDlg()
		})
	})
}

// closeTransfer closes a session's Transfer Session dialog (the session
// ended).
func (su *sessionUI) closeTransfer() {
	if t := su.transfer; t != nil {
		su.transfer = nil
		t.pop.Hide()
	}
}
