package gui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2/dialog"

	"lifeline/console/controller"
	"lifeline/shared/fynedialog"
	"lifeline/shared/protocol"
)

// confirmReboot asks the CSR to confirm, then asks the customer to allow
// a restart of their computer.
func (u *ui) confirmReboot(su *sessionUI) {
	who := customerName(su)
	fynedialog.AskDanger(u.win, nil, "Reboot Computer",
		"Restart "+who+"'s computer? "+who+" is asked to allow it first; anything they have not saved is lost. "+
			"Once the computer has restarted and "+who+" has logged back in, they rejoin this session automatically, "+
			"without the session number.",
		"Reboot", "Cancel", func() { u.doReboot(su) })
}

func (u *ui) doReboot(su *sessionUI) {
	who := customerName(su)
	v := su.view
	v.SetRebootPending(who + " has received your request to restart their computer and must allow it.")
	s := su.s
	u.goDo(func() {
		ctx, cancel := u.ctx(3 * time.Minute)
		err := s.Reboot(ctx)
		cancel()
		u.do(func() {
			if u.sessions[s.ID()] != su {
				return
			}
			v.SetRebootPending("")
			u.refresh(su)
			switch {
			case errors.Is(err, controller.ErrDenied):
				dialog.ShowInformation("Reboot Computer", "The customer did not allow you to restart their computer.", u.win)
			case err != nil:
				dialog.ShowInformation("Reboot Computer", who+"'s computer could not be restarted: "+sentence(err), u.win)
			}
		})
	})
}

// noteRestarts puts a line in the chat when the customer's computer starts
// restarting and when they are back (or gone); the first state of a
// session only sets what is known.
func (su *sessionUI) noteRestarts(st protocol.State) {
	first := su.restarting == nil
	if first {
		su.restarting = map[string]bool{}
	}
	for _, p := range st.Participants {
		was := su.restarting[p.ID]
		switch {
		case p.Restarting && !was:
			su.restarting[p.ID] = true
			if !first {
				su.view.AddSystem(systemLine{Text: p.Name + "'s computer is restarting. The session waits for it to rejoin."})
			}
		case was && !p.Restarting && p.LeftAt != nil:
			delete(su.restarting, p.ID)
			su.view.AddSystem(systemLine{Text: p.Name + " did not come back after the restart.", Failed: true})
		case was && !p.Restarting && p.Connected:
			delete(su.restarting, p.ID)
			su.view.AddSystem(systemLine{Text: p.Name + " is back after the restart."})
		}
	}
}
