package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// shortcut is a keyboard shortcut of the console window.
type shortcut struct {
	key   fyne.KeyName
	mod   fyne.KeyModifier
	label string // as the README lists it
	what  string
	do    func(u *ui)
}

// shortcuts work while no text box has the keyboard. They are the same
// commands as the buttons, for CSRs who keep their hands on the keyboard.
var shortcuts = []shortcut{
	{fyne.KeyN, fyne.KeyModifierControl, "Ctrl+N", "Start Session", func(u *ui) { u.whenAllowed(u.main.startBtn, u.askStart) }},
	{fyne.KeyA, fyne.KeyModifierControl | fyne.KeyModifierShift, "Ctrl+Shift+A", "Assist Session", func(u *ui) { u.whenAllowed(u.main.assistBtn, u.askAssist) }},
	{fyne.KeyV, fyne.KeyModifierControl | fyne.KeyModifierShift, "Ctrl+Shift+V", "Request View of the shown session", func(u *ui) { u.onShown(func(su *sessionUI) { u.request(su, false) }) }},
	{fyne.KeyC, fyne.KeyModifierControl | fyne.KeyModifierShift, "Ctrl+Shift+C", "Request Control of the shown session", func(u *ui) { u.onShown(func(su *sessionUI) { u.request(su, true) }) }},
	{fyne.KeyPageDown, fyne.KeyModifierControl, "Ctrl+Page Down", "the next session's tab", func(u *ui) { u.nextTab(1) }},
	{fyne.KeyPageUp, fyne.KeyModifierControl, "Ctrl+Page Up", "the previous session's tab", func(u *ui) { u.nextTab(-1) }},
}

func (u *ui) addShortcuts() {
	for _, s := range shortcuts {
		u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: s.mod}, func(fyne.Shortcut) {
			u.runShortcut(s.key, s.mod)
		})
	}
}

// runShortcut runs the command of a shortcut, once logged in.
func (u *ui) runShortcut(key fyne.KeyName, mod fyne.KeyModifier) {
	if u.controller() == nil || u.win.Content() != u.main.content {
		return
	}
	for _, s := range shortcuts {
		if s.key == key && s.mod == mod {
			s.do(u)
		}
	}
}

// whenAllowed runs f when its button is enabled (the limits allow it).
func (u *ui) whenAllowed(b interface{ Disabled() bool }, f func()) {
	if !b.Disabled() {
		f()
	}
}

// onShown runs f on the session shown, if any.
func (u *ui) onShown(f func(*sessionUI)) {
	if su := u.sessions[u.main.Selected()]; su != nil {
		f(su)
	}
}

// request asks for view or control as the Desktop buttons do, when they
// are enabled.
func (u *ui) request(su *sessionUI, control bool) {
	b := su.view.viewBtn
	if control {
		b = su.view.controlBtn
	}
	if su.view.desktopBtns.Visible() && !b.Disabled() {
		u.doRequest(su, control)
	}
}

// nextTab shows the next (or previous) session.
func (u *ui) nextTab(step int) {
	if len(u.order) < 2 {
		return
	}
	cur := 0
	for i, id := range u.order {
		if id == u.main.Selected() {
			cur = i
		}
	}
	u.main.Select(u.order[(cur+step+len(u.order))%len(u.order)])
}
