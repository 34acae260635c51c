// Package fynedialog holds the Fyne dialogs the agent and the console
// both show, so that the two programs ask alike. It depends on Fyne only.
package fynedialog

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// AskDanger asks over win before something that cannot be taken back, with
// the confirming button in red, and calls yes once confirmed: neither the
// other button nor hiding the dialog calls it.
//
// open may be nil. Otherwise *open holds the dialog while it shows, and is
// cleared before yes runs: a window that must close the question when it
// has lost its point (the session or the transfer ended first) hides it
// there, a window that shows one question at a time checks it, and tests
// answer it there.
func AskDanger(win fyne.Window, open *dialog.Dialog, title, message, confirm, dismiss string, yes func()) {
	d := dialog.NewConfirm(title, message, func(ok bool) {
		if open != nil {
			*open = nil
		}
		if ok {
			yes()
		}
	}, win)
	d.SetConfirmText(confirm)
	d.SetDismissText(dismiss)
	d.SetConfirmImportance(widget.DangerImportance)
	if open != nil {
		*open = d
	}
	d.Show()
}
