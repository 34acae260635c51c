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
	"lifeline/shared/protocol"
)

// runColumns are the library's columns in the Run Scripts window (0 width:
// the rest).
var runColumns = []column{
	{"Name", client.ScriptSortName, 0},
	{"Category", client.ScriptSortCategory, 110},
	{"Owner", client.ScriptSortOwner, 130},
}

// Limits of the Run Scripts window.
const (
	// maxRunScripts is the most scripts in one run (the protocol's).
	maxRunScripts = 100
	// maxOutputShown is how much of a run's output its area keeps; the
	// start goes first. The session report keeps each script's end.
	maxOutputShown = 256 << 10
)

// runScriptsView is the Run Scripts window: the Script Library on the
// left, the scripts to run in order on the right, and below them one tab
// per run with each script's result and the output as it comes.
type runScriptsView struct {
	sortHeader
	library   *widget.List
	libEmpty  *widget.Label
	libDetail *widget.Label
	addBtn    *widget.Button
	runList   *widget.List
	runEmpty  *widget.Label
	upBtn     *widget.Button
	downBtn   *widget.Button
	removeBtn *widget.Button
	runBtn    *widget.Button
	stopBtn   *widget.Button
	runs      *container.AppTabs
	panels    []*runPanel // one per run, in the tabs' order
	noRuns    *widget.Label
	runsBox   *fyne.Container
	status    *widget.Label
	content   fyne.CanvasObject

	scripts []client.Script // the library, in the order shown
	libSel  int
	chosen  []client.Script // the run list, in order
	runSel  int
	running bool

	OnRun    func(scripts []client.Script)
	OnStop   func()
	OnReload func()
}

func newRunScriptsView() *runScriptsView {
	v := &runScriptsView{libSel: -1, runSel: -1}
	header := v.sortHeader.init(runColumns, client.ScriptSortName)
	v.library = tableList(runColumns, func() int { return len(v.scripts) }, func(i int) []string {
		s := v.scripts[i]
		return []string{s.Name, orDefault(s.Category, "—"), s.Owner.Name}
	})
	v.library.OnSelected = func(i widget.ListItemID) { v.libSel = i; v.showButtons() }
	v.library.OnUnselected = func(widget.ListItemID) { v.libSel = -1; v.showButtons() }
	v.libEmpty = widget.NewLabel("")
	v.libEmpty.Importance = widget.LowImportance
	v.libEmpty.Alignment = fyne.TextAlignCenter
	v.libEmpty.Hide()
	v.libDetail = wrapped("")
	v.libDetail.Importance = widget.LowImportance
	v.addBtn = widget.NewButtonWithIcon("Add", theme.NavigateNextIcon(), v.add)
	v.addBtn.IconPlacement = widget.ButtonIconTrailingText

	v.runList = widget.NewList(
		func() int { return len(v.chosen) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.chosen) {
				o.(*widget.Label).SetText(fmt.Sprintf("%d. %s", i+1, v.chosen[i].Name))
			}
		})
	v.runList.OnSelected = func(i widget.ListItemID) { v.runSel = i; v.showButtons() }
	v.runList.OnUnselected = func(widget.ListItemID) { v.runSel = -1; v.showButtons() }
	v.runEmpty = wrapped("Add scripts from the library. They run one after another, in this order.")
	v.runEmpty.Importance = widget.LowImportance
	v.runEmpty.Alignment = fyne.TextAlignCenter
	v.upBtn = widget.NewButtonWithIcon("Move Up", theme.MoveUpIcon(), func() { v.move(-1) })
	v.downBtn = widget.NewButtonWithIcon("Move Down", theme.MoveDownIcon(), func() { v.move(1) })
	v.removeBtn = widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), v.remove)
	v.runBtn = widget.NewButtonWithIcon("Run Scripts", theme.MediaPlayIcon(), func() {
		if len(v.chosen) > 0 && !v.running {
			call1(v.OnRun, append([]client.Script(nil), v.chosen...))
		}
	})
	v.runBtn.Importance = widget.HighImportance
	v.stopBtn = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { call(v.OnStop) })
	v.stopBtn.Hide()

	v.runs = container.NewAppTabs()
	v.noRuns = wrapped("The customer is asked for permission when you press Run Scripts. Each script runs in a " +
		"temporary folder on their computer; its output appears here and its result in the chat.")
	v.noRuns.Importance = widget.LowImportance
	v.noRuns.Alignment = fyne.TextAlignCenter
	v.runsBox = container.NewStack(container.NewCenter(fixedWidth(v.noRuns, 560)))
	v.status = widget.NewLabel("")
	v.status.Truncation = fyne.TextTruncateEllipsis

	reload := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { call(v.OnReload) })
	libHead := container.NewBorder(nil, nil, heading("Script Library"), reload)
	libTable := container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil,
		container.NewStack(v.library, container.NewCenter(v.libEmpty)))
	left := container.NewBorder(libHead, v.libDetail, nil, nil, libTable)
	middle := container.NewVBox(layout.NewSpacer(), v.addBtn, layout.NewSpacer())
	runHead := heading("Run list")
	order := container.NewHBox(v.upBtn, v.downBtn, v.removeBtn)
	right := container.NewBorder(runHead, order, nil, nil, container.NewStack(v.runList, container.NewCenter(fixedWidth(v.runEmpty, 360))))
	lists := container.NewBorder(nil, nil, nil, container.NewBorder(nil, nil, middle, nil, fixedWidth(right, 400)), left)
	runHint := widget.NewLabel("The scripts run one after another on the customer's computer, in the run list's order.")
	runHint.Importance = widget.LowImportance
	runHint.Truncation = fyne.TextTruncateEllipsis
	runBar := container.NewBorder(widget.NewSeparator(), nil, nil, container.NewHBox(v.stopBtn, v.runBtn), runHint)
	top := container.NewBorder(nil, runBar, nil, nil, lists)
	split := container.NewVSplit(top, v.runsBox)
	split.Offset = 0.56
	v.content = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), v.status), nil, nil, split)
	v.showButtons()
	return v
}

// SetScripts shows the library, keeping the selected script selected.
func (v *runScriptsView) SetScripts(scripts []client.Script) {
	keep := ""
	if v.libSel >= 0 && v.libSel < len(v.scripts) {
		keep = v.scripts[v.libSel].ID
	}
	v.scripts = scripts
	v.libSel = -1
	v.library.UnselectAll()
	v.library.Refresh()
	for i, s := range scripts {
		if s.ID == keep {
			v.library.Select(i)
		}
	}
	v.libEmpty.SetText("No scripts in the library yet. Add them in the Script Library window.")
	v.libEmpty.Hidden = len(scripts) > 0
	v.libEmpty.Refresh()
	v.showButtons()
}

// SelectScript selects the library's script with the given id.
func (v *runScriptsView) SelectScript(id string) {
	for i, s := range v.scripts {
		if s.ID == id {
			v.library.Select(i)
			return
		}
	}
}

// add puts the selected library script at the end of the run list.
func (v *runScriptsView) add() {
	if v.libSel < 0 || v.libSel >= len(v.scripts) || len(v.chosen) >= maxRunScripts {
		return
	}
	v.chosen = append(v.chosen, v.scripts[v.libSel])
	v.runList.Refresh()
	v.runList.Select(len(v.chosen) - 1)
	v.showButtons()
}

// move moves the selected script of the run list up (-1) or down (1).
func (v *runScriptsView) move(by int) {
	i, j := v.runSel, v.runSel+by
	if i < 0 || j < 0 || j >= len(v.chosen) {
		return
	}
	v.chosen[i], v.chosen[j] = v.chosen[j], v.chosen[i]
	v.runList.Refresh()
	v.runList.Select(j)
}

// remove takes the selected script out of the run list.
func (v *runScriptsView) remove() {
	i := v.runSel
	if i < 0 || i >= len(v.chosen) {
		return
	}
	v.chosen = append(v.chosen[:i], v.chosen[i+1:]...)
	v.runSel = -1
	v.runList.UnselectAll()
	v.runList.Refresh()
	if len(v.chosen) > 0 {
		v.runList.Select(min(i, len(v.chosen)-1))
	}
	v.showButtons()
}

// Chosen is the run list, in order.
func (v *runScriptsView) Chosen() []client.Script { return v.chosen }

func (v *runScriptsView) showButtons() {
	enable(v.libSel >= 0 && len(v.chosen) < maxRunScripts, v.addBtn)
	enable(v.runSel > 0, v.upBtn)
	enable(v.runSel >= 0 && v.runSel < len(v.chosen)-1, v.downBtn)
	enable(v.runSel >= 0, v.removeBtn)
	enable(len(v.chosen) > 0 && !v.running, v.runBtn)
	v.runEmpty.Hidden = len(v.chosen) > 0
	v.runEmpty.Refresh()
	if v.libSel >= 0 && v.libSel < len(v.scripts) {
		s := v.scripts[v.libSel]
		v.libDetail.SetText(strings.TrimSpace(fmt.Sprintf("%s — %s, time limit %s. %s", s.Script.Name,
			interpreterWords(s.Interpreter, s.Platform), durationWords(s.TimeLimit), firstLine(s.Description))))
	} else {
		v.libDetail.SetText("Select a script, then Add it to the run list.")
	}
}

// SetRunning shows Stop in place of Run Scripts while a run is on.
func (v *runScriptsView) SetRunning(on bool) {
	v.running = on
	v.stopBtn.Hidden = !on
	enable(true, v.stopBtn)
	v.stopBtn.Refresh()
	v.showButtons()
}

// SetStatus shows a line under the window; danger for a failure.
func (v *runScriptsView) SetStatus(text string, danger bool) {
	v.status.Importance = widget.MediumImportance
	if danger {
		v.status.Importance = widget.DangerImportance
	}
	v.status.SetText(text)
}

// StartRun adds a tab for a run of scripts, started at at, and shows it.
func (v *runScriptsView) StartRun(names []string, at time.Time) *runPanel {
	p := newRunPanel(names)
	title := fmt.Sprintf("%s — %d scripts", at.Format("15:04:05"), len(names))
	if len(names) == 1 {
		title = at.Format("15:04:05") + " — " + names[0]
	}
	p.item = container.NewTabItem(title, p.content)
	v.panels = append(v.panels, p)
	v.runs.Append(p.item)
	v.runs.Select(p.item)
	if len(v.runsBox.Objects) == 0 || v.runsBox.Objects[0] != v.runs {
		v.runsBox.Objects = []fyne.CanvasObject{v.runs}
		v.runsBox.Refresh()
	}
	return p
}

// runPanel is one run's tab: a line per script with its state, and the
// output of all of them as it comes.
type runPanel struct {
	item    *container.TabItem
	names   []string
	icons   []*widget.Icon
	states  []*widget.Label
	grid    *widget.TextGrid
	scroll  *container.Scroll
	content fyne.CanvasObject

	text    strings.Builder
	shown   string
	dropped bool // the start of the output no longer fits
	index   int  // the script whose output came last, -1 before any
	done    []bool
}

func newRunPanel(names []string) *runPanel {
	p := &runPanel{names: names, index: -1, done: make([]bool, len(names))}
	var rows []fyne.CanvasObject
	for i, n := range names {
		icon := widget.NewIcon(theme.MoreHorizontalIcon())
		name := widget.NewLabel(fmt.Sprintf("%d. %s", i+1, n))
		name.Truncation = fyne.TextTruncateEllipsis
		state := widget.NewLabel("Waiting")
		state.Importance = widget.LowImportance
		p.icons, p.states = append(p.icons, icon), append(p.states, state)
		rows = append(rows, container.NewBorder(nil, nil, icon, state, name))
	}
	p.grid = widget.NewTextGrid()
	p.scroll = container.NewScroll(p.grid)
	results := container.NewVScroll(container.NewVBox(rows...))
	split := container.NewHSplit(results, p.scroll)
	split.Offset = 0.34
	p.content = split
	return p
}

// Running marks a script as the one running now.
func (p *runPanel) Running(index int) {
	if index < 0 || index >= len(p.names) || p.done[index] {
		return
	}
	p.icons[index].SetResource(theme.MediaPlayIcon())
	p.states[index].Importance = widget.MediumImportance
	p.states[index].SetText("Running…")
}

// Output adds text a script wrote; a header goes before each script's
// first output.
func (p *runPanel) Output(index int, text string) {
	p.add(index, text)
	p.show()
}

func (p *runPanel) add(index int, text string) {
	if index != p.index && index >= 0 && index < len(p.names) {
		if p.text.Len() > 0 && !strings.HasSuffix(p.text.String(), "\n") {
			p.text.WriteString("\n")
		}
		fmt.Fprintf(&p.text, "── %d of %d: %s ──\n", index+1, len(p.names), p.names[index])
		p.index = index
		p.Running(index)
	}
	p.text.WriteString(cleanOutput(text))
}

func (p *runPanel) show() {
	s := p.text.String()
	if len(s) > maxOutputShown {
		cut := len(s) - maxOutputShown
		if i := strings.IndexByte(s[cut:], '\n'); i >= 0 {
			cut += i + 1
		}
		s = s[cut:]
		p.text.Reset()
		p.text.WriteString(s)
		p.dropped = true
	}
	shown := s
	if p.dropped {
		shown = "… (the start of the output is in the chat and the session report)\n" + s
	}
	if shown == p.shown {
		return
	}
	p.shown = shown
	p.grid.SetText(shown)
	p.scroll.ScrollToBottom()
}

// Result shows how a script ended; the next one is then running.
func (p *runPanel) Result(r protocol.ScriptResult) {
	i := r.Index
	if i < 0 || i >= len(p.names) {
		return
	}
	p.done[i] = true
	icon, imp := scriptIcon(r.Status)
	p.icons[i].SetResource(icon)
	p.states[i].Importance = imp
	p.states[i].SetText(scriptOutcome(r))
	if i+1 < len(p.names) && r.Status != protocol.ScriptCancelled {
		p.Running(i + 1)
	}
}

// Finish marks the scripts without a result with why (the run was
// refused, failed or stopped before them).
func (p *runPanel) Finish(why string) {
	for i := range p.names {
		if !p.done[i] {
			p.done[i] = true
			p.icons[i].SetResource(theme.CancelIcon())
			p.states[i].Importance = widget.LowImportance
			p.states[i].SetText(why)
		}
	}
}

// Text is the output shown.
func (p *runPanel) Text() string { return p.shown }

func scriptIcon(status string) (fyne.Resource, widget.Importance) {
	switch status {
	case protocol.ScriptOK:
		return theme.ConfirmIcon(), widget.SuccessImportance
	case protocol.ScriptCancelled:
		return theme.CancelIcon(), widget.WarningImportance
	}
	return theme.ErrorIcon(), widget.DangerImportance
}

// scriptOutcome says how a script ended, in a few words.
func scriptOutcome(r protocol.ScriptResult) string {
	took := secondsWords(r.DurationMS)
	switch r.Status {
	case protocol.ScriptOK, protocol.ScriptFailed:
		return fmt.Sprintf("exit %d · %s", r.ExitCode, took)
	case protocol.ScriptTimeout:
		return "stopped at its time limit · " + took
	case protocol.ScriptCancelled:
		return "stopped"
	}
	if r.Error != "" {
		return "could not start: " + oneLine(r.Error)
	}
	return "could not start"
}

// scriptResultLine is the chat panel's line for a script's result:
// "Script cleanup.sh: exit 0 in 1.2 s", with the end of its output.
// by names the CSR who ran it, when it was not this console's CSR.
func scriptResultLine(r protocol.ScriptResult, by string) systemLine {
	name := oneLine(r.Name)
	if r.Count > 1 {
		name = fmt.Sprintf("%s (%d of %d)", name, r.Index+1, r.Count)
	}
	var text string
	took := secondsWords(r.DurationMS)
	switch r.Status {
	case protocol.ScriptOK, protocol.ScriptFailed:
		text = fmt.Sprintf("Script %s: exit %d in %s", name, r.ExitCode, took)
	case protocol.ScriptTimeout:
		text = fmt.Sprintf("Script %s was stopped at its time limit, after %s", name, took)
	case protocol.ScriptCancelled:
		text = fmt.Sprintf("Script %s was stopped", name)
	default:
		text = fmt.Sprintf("Script %s could not start", name)
	}
	if r.Error != "" {
		text += ": " + oneLine(r.Error)
	}
	if by != "" {
		text += " (run by " + by + ")"
	}
	detail := cleanOutput(r.Output)
	if r.Truncated && detail != "" {
		detail = "…" + detail
	}
	return systemLine{Text: text, Detail: detail, Failed: r.Status != protocol.ScriptOK && r.Status != protocol.ScriptCancelled}
}

// ranBy names the CSR who ran a script for the chat line: nobody when it
// was this console's CSR.
func ranBy(you, requestedBy string, names map[string]string) string {
	if requestedBy == "" || requestedBy == you {
		return ""
	}
	return orDefault(names[requestedBy], "another CSR")
}

// secondsWords says a duration in milliseconds: "1.2 s", "2 min 5 s".
func secondsWords(ms int64) string {
	if ms < 60_000 {
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	}
	d := time.Duration(ms) * time.Millisecond
	m, s := int(d/time.Minute), int((d%time.Minute)/time.Second)
	if s == 0 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, s)
}

// cleanOutput makes a script's output safe to show: line ends as "\n",
// terminal escape sequences and other control characters dropped, tabs
// kept.
func cleanOutput(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' || r == 0x7f }) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x1b:
			// CSI: ESC [ parameters… final byte in @–~. OSC (a window
			// title): ESC ] … BEL or ESC \. Others: ESC, intermediate
			// bytes in space–/, a final byte.
			switch {
			case i+1 < len(s) && s[i+1] == '[':
				j := i + 2
				for j < len(s) && (s[j] < '@' || s[j] > '~') {
					j++
				}
				i = j
			case i+1 < len(s) && s[i+1] == ']':
				j := i + 2
				for j < len(s) && s[j] != 0x07 && !(s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\') {
					j++
				}
				if j < len(s) && s[j] == 0x1b {
					j++
				}
				i = j
			default:
				j := i + 1
				for j < len(s) && s[j] >= ' ' && s[j] <= '/' {
					j++
				}
				if j < len(s) && s[j] >= 0x80 {
					j-- // not a final byte but a character: keep it whole
				}
				i = j
			}
		case c == '\r':
			b.WriteByte('\n')
		case c == '\n' || c == '\t':
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
