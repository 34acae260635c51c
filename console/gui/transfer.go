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
}

// askTransferSession opens the Transfer Session dialog of a session this
// console hosts: to a queue (those on the CSR's board, or another by its
// name) or to a colleague by email, with a personal message.
func (u *ui) askTransferSession(su *sessionUI) {
	if !su.host || u.sessions[su.s.ID()] != su {
		return
	}
	if su.transfer != nil {
		su.transfer.pop.Show()
		return
	}
	v := newTransferView(u.q.board.Queues)
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
	pop.Resize(fyne.NewSize(640, 0))
	pop.Show()
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
