package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
)

// setTray (re)builds the compact icon tray: the system tray menu with
// Start Session, Invite (copies the shown session's join link), the open
// sessions (choosing one brings its tab forward) and End Session. Desktops
// without a tray simply do not show it; the window has every command too.
func (u *ui) setTray() {
	desk, ok := u.app.(desktop.App)
	if !ok {
		return
	}
	desk.SetSystemTrayMenu(u.trayMenu())
	desk.SetSystemTrayIcon(theme.ComputerIcon())
}

// trayMenu is the tray's menu for the current state.
func (u *ui) trayMenu() *fyne.Menu {
	show := fyne.NewMenuItem("Show Console", func() { u.win.Show(); u.win.RequestFocus() })
	items := []*fyne.MenuItem{show}
	c := u.controller()
	if c == nil {
		return fyne.NewMenu("Lifeline Console", items...)
	}
	start := fyne.NewMenuItem("Start Session", func() { u.win.Show(); u.askStart() })
	start.Disabled = u.main.startBtn.Disabled()
	items = append(items, start)
	if u.q.view.Wanted() {
		items = append(items, fyne.NewMenuItem(fmt.Sprintf("Queues — %d waiting", u.q.view.Waiting()), u.showQueuesTab))
	}

	cur := u.sessions[u.main.Selected()]
	invite := fyne.NewMenuItem("Invite: Copy Join Link", func() {
		if cur != nil {
			u.app.Clipboard().SetContent(cur.view.joinURL.Text)
		}
	})
	invite.Disabled = cur == nil
	items = append(items, invite, fyne.NewMenuItemSeparator())
	for _, id := range u.order {
		su := u.sessions[id]
		label := tabTitle(su.s.State(), su.unread)
		item := fyne.NewMenuItem(label, func() {
			u.win.Show()
			u.win.RequestFocus()
			u.main.Select(id)
		})
		item.Checked = id == u.main.Selected()
		items = append(items, item)
	}
	if len(u.order) == 0 {
		none := fyne.NewMenuItem("No open sessions", nil)
		none.Disabled = true
		items = append(items, none)
	}
	end := fyne.NewMenuItem("End Session", func() {
		if cur != nil && cur.host {
			u.win.Show()
			u.confirmEnd(cur)
		}
	})
	end.Disabled = cur == nil || !cur.host
	transfer := fyne.NewMenuItem("Transfer Session…", func() {
		if cur != nil && cur.host {
			u.win.Show()
			u.askTransferSession(cur)
		}
	})
	transfer.Disabled = cur == nil || !cur.host || cur.view.transferBtn.Disabled()
	if cur != nil {
		end.Label = fmt.Sprintf("End Session %s…", spaced(cur.s.Number()))
		transfer.Label = fmt.Sprintf("Transfer Session %s…", spaced(cur.s.Number()))
	}
	items = append(items, fyne.NewMenuItemSeparator(), transfer, end)
	return fyne.NewMenu("Lifeline Console", items...)
}

// notify shows a desktop notification while the console is in the
// background (a customer joined, a chat line arrived).
func (u *ui) notify(title, text string) {
	if u.focused {
		return
	}
	u.app.SendNotification(fyne.NewNotification(title, text))
}
