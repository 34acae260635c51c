package gui

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// mainView is the console after login: a bar with the CSR, the connection
// state and the session commands, and below it either the welcome panel
// or the sessions — one tab per session in multi-session mode, the one
// session filling the window in single-session mode. For a CSR who serves
// a support queue (or was offered a session) the Queues tab comes first;
// in single-session mode the queues take the welcome panel's place.
type mainView struct {
	user       *widget.Label
	status     *widget.Label
	startBtn   *widget.Button
	assistBtn  *widget.Button
	scriptsBtn *widget.Button
	reportsBtn *widget.Button
	logoutBtn  *widget.Button

	idle       fyne.CanvasObject
	idleStart  *widget.Button
	idleAssist *widget.Button
	limit      *widget.Label
	idleHelp   *widget.Label
	message    *widget.Label
	tabs       *container.AppTabs
	single     *fyne.Container
	body       *fyne.Container
	content    fyne.CanvasObject

	singleMode bool
	items      map[string]*container.TabItem // session id → tab
	ids        map[*container.TabItem]string
	queues     *container.TabItem // the Queues tab (nil until SetQueues)
	queuesOn   bool               // the Queues tab is shown

	OnStart, OnAssist, OnLogout func()
	OnScripts                   func() // opens the Script Library
	OnReports                   func() // opens the Reports window
	OnSelect                    func(session string)
}

func newMainView() *mainView {
	v := &mainView{items: map[string]*container.TabItem{}, ids: map[*container.TabItem]string{}}
	v.user = widget.NewLabel("")
	v.user.TextStyle = fyne.TextStyle{Bold: true}
	v.status = widget.NewLabel("")
	v.status.Importance = widget.WarningImportance
	v.status.Hide()
	v.startBtn = widget.NewButtonWithIcon("Start Session", theme.ContentAddIcon(), func() { call(v.OnStart) })
	v.startBtn.Importance = widget.HighImportance
	v.assistBtn = widget.NewButtonWithIcon("Assist Session…", theme.AccountIcon(), func() { call(v.OnAssist) })
	v.scriptsBtn = widget.NewButtonWithIcon("Script Library", theme.ListIcon(), func() { call(v.OnScripts) })
	v.reportsBtn = widget.NewButtonWithIcon("Reports", theme.HistoryIcon(), func() { call(v.OnReports) })
	v.logoutBtn = widget.NewButtonWithIcon("Log Out", theme.LogoutIcon(), func() { call(v.OnLogout) })

	v.idleStart = widget.NewButtonWithIcon("Start Session", theme.MediaPlayIcon(), func() { call(v.OnStart) })
	v.idleStart.Importance = widget.HighImportance
	v.idleAssist = widget.NewButtonWithIcon("Assist Session…", theme.AccountIcon(), func() { call(v.OnAssist) })
	v.limit = widget.NewLabel("")
	v.limit.Importance = widget.LowImportance
	v.limit.Hide()
	v.idleHelp = wrapped("Start a support session and give the customer its number, or assist a colleague's session by its number.")
	v.idleHelp.Alignment = fyne.TextAlignCenter
	v.message = wrapped("")
	v.message.Alignment = fyne.TextAlignCenter
	v.message.Hide()
	v.idle = container.NewCenter(fixedWidth(container.NewVBox(v.idleHelp,
		container.NewCenter(container.NewHBox(v.idleStart, v.idleAssist)), v.message), 560))

	v.tabs = container.NewAppTabs()
	v.tabs.OnSelected = func(item *container.TabItem) { call1(v.OnSelect, v.ids[item]) }
	v.single = container.NewStack()
	v.body = container.NewStack(v.idle)

	bar := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.AccountIcon()), v.user),
		container.NewHBox(v.limit, v.startBtn, v.assistBtn, v.scriptsBtn, v.reportsBtn, v.logoutBtn),
		container.NewCenter(v.status))
	v.content = container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, v.body)
	return v
}

func (v *mainView) SetUser(name, email string) { v.user.SetText(fmt.Sprintf("%s (%s)", name, email)) }

// SetStatus shows a short line in the top bar ("" hides it).
func (v *mainView) SetStatus(text string) {
	v.status.SetText(text)
	v.status.Hidden = text == ""
	v.status.Refresh()
}

// SetSingle switches between one tab per session and one session filling
// the window.
func (v *mainView) SetSingle(single bool) {
	if v.singleMode != single {
		v.singleMode = single
		v.layout()
	}
}

// SetLimits enables Start Session and Assist Session as the session limit
// allows; limit (when not "") says why one is off, beside the buttons.
func (v *mainView) SetLimits(canStart, canAssist bool, limit string) {
	enable(canStart, v.startBtn, v.idleStart)
	enable(canAssist, v.assistBtn, v.idleAssist)
	v.limit.SetText(limit)
	v.limit.Hidden = limit == ""
	v.limit.Refresh()
}

func enable(on bool, buttons ...*widget.Button) {
	for _, b := range buttons {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// Message shows a line on the welcome panel ("" hides it).
func (v *mainView) Message(msg string, danger bool) {
	v.message.Importance = widget.MediumImportance
	if danger {
		v.message.Importance = widget.DangerImportance
	}
	v.message.SetText(msg)
	v.message.Hidden = msg == ""
	v.message.Refresh()
}

// AddSession shows a session's panel and selects it.
func (v *mainView) AddSession(id, title string, content fyne.CanvasObject) {
	if v.singleMode {
		v.single.Objects = []fyne.CanvasObject{content}
		v.single.Refresh()
		v.items[id] = container.NewTabItem(title, content)
		v.layout()
		return
	}
	item := container.NewTabItemWithIcon(title, theme.ComputerIcon(), content)
	v.items[id], v.ids[item] = item, id
	v.tabs.Append(item)
	v.tabs.Select(item)
	v.layout()
}

// RemoveSession closes a session's panel; the welcome panel comes back
// when it was the last.
func (v *mainView) RemoveSession(id string) {
	item, ok := v.items[id]
	if !ok {
		return
	}
	delete(v.items, id)
	delete(v.ids, item)
	if v.singleMode {
		v.single.Objects = nil
	} else {
		v.tabs.Remove(item)
	}
	v.layout()
}

// SetQueues gives the Queues tab its content, shown by ShowQueues.
func (v *mainView) SetQueues(content fyne.CanvasObject) {
	v.queues = container.NewTabItemWithIcon("Queues", theme.ListIcon(), content)
}

// ShowQueues shows the Queues tab, titled title, or hides it.
func (v *mainView) ShowQueues(show bool, title string) {
	if v.queues == nil {
		return
	}
	if v.queues.Text != title {
		v.queues.Text = title
		v.tabs.Refresh()
	}
	if v.queuesOn != show {
		v.queuesOn = show
		v.layout()
	}
}

// SelectQueues shows the Queues tab, when it is shown at all.
func (v *mainView) SelectQueues() {
	if v.queuesOn && !v.singleMode {
		v.tabs.Select(v.queues)
	}
}

// IdleShown reports whether the welcome panel is what the window shows.
func (v *mainView) IdleShown() bool { return len(v.body.Objects) == 1 && v.body.Objects[0] == v.idle }

// layout shows what there is: the sessions and the Queues tab, the one
// session in single-session mode (else the queues), or the welcome panel.
func (v *mainView) layout() {
	if v.queues != nil {
		inTabs := slices.Contains(v.tabs.Items, v.queues)
		want := v.queuesOn && !v.singleMode
		switch {
		case want && !inTabs:
			// The Queues tab comes first, keeping the session shown.
			sel := v.tabs.Selected()
			v.tabs.SetItems(append([]*container.TabItem{v.queues}, v.tabs.Items...))
			if sel != nil {
				v.tabs.Select(sel)
			}
		case !want && inTabs:
			v.tabs.Remove(v.queues)
		}
	}
	switch {
	case v.singleMode && len(v.items) > 0:
		v.show(v.single)
	case v.singleMode && v.queuesOn:
		v.show(v.queues.Content)
	case !v.singleMode && (len(v.items) > 0 || v.queuesOn):
		v.show(v.tabs)
	default:
		v.show(v.idle)
	}
}

// SetTitle renames a session's tab (its number, customer and unread count).
func (v *mainView) SetTitle(id, title string) {
	if item, ok := v.items[id]; ok && item.Text != title {
		item.Text = title
		v.tabs.Refresh()
	}
}

// Select shows a session's tab.
func (v *mainView) Select(id string) {
	if item, ok := v.items[id]; ok && !v.singleMode {
		v.tabs.Select(item)
	}
}

// Selected is the session shown ("" on the welcome panel).
func (v *mainView) Selected() string {
	if v.singleMode {
		for id := range v.items {
			return id
		}
		return ""
	}
	if len(v.items) == 0 {
		return ""
	}
	return v.ids[v.tabs.Selected()]
}

func (v *mainView) show(o fyne.CanvasObject) {
	if len(v.body.Objects) == 1 && v.body.Objects[0] == o {
		return
	}
	v.body.Objects = []fyne.CanvasObject{o}
	v.body.Refresh()
}
