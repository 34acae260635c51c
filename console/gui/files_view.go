package gui

import (
	"fmt"
	"image/color"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/filetransfer"
)

// fileColumns are the widths of a pane's Name, Size and Modified columns
// (0 takes what the others leave).
var fileColumns = []float32{0, 90, 130}

// filesView is the content of the advanced file transfer window: My
// Computer on the left, the Customer's Computer on the right, the arrows
// between them, the progress of a transfer with Abort Transfer, and a
// status line that says how each action ended. It never touches the
// network or the disk; the glue sets the On… callbacks and calls the
// setters on the UI thread.
type filesView struct {
	local, remote *filePane
	limit         *widget.Label
	endBtn        *widget.Button
	sendBtn       *widget.Button
	getBtn        *widget.Button
	progress      *fyne.Container
	heading       *widget.Label
	fileBar       *widget.ProgressBar
	overallBar    *widget.ProgressBar
	abortBtn      *widget.Button
	status        *widget.Label
	content       fyne.CanvasObject

	busy bool
	// fileText and overallText are written on the bars: the current file
	// and its bytes, the bytes of the whole transfer.
	fileText, overallText string

	// OnSend puts the local selection into the customer's folder, OnGet
	// the other way round; OnAbort is Abort Transfer, OnEnd End File
	// Transfer.
	OnSend, OnGet, OnAbort, OnEnd func()
}

func newFilesView() *filesView {
	v := &filesView{}
	changed := func() {
		if v.local != nil && v.remote != nil && v.sendBtn != nil {
			v.update()
		}
	}
	v.local = newFilePane("My Computer", "Send to the Customer's Computer", changed)
	v.remote = newFilePane("Customer's Computer", "Get to My Computer", changed)
	v.local.OnTransfer = func() { call(v.OnSend) }
	v.remote.OnTransfer = func() { call(v.OnGet) }

	v.limit = widget.NewLabel("")
	v.endBtn = widget.NewButtonWithIcon("End File Transfer", theme.LogoutIcon(), func() { call(v.OnEnd) })
	v.sendBtn = widget.NewButtonWithIcon("Send", theme.NavigateNextIcon(), func() { call(v.OnSend) })
	v.sendBtn.IconPlacement = widget.ButtonIconTrailingText
	v.sendBtn.Importance = widget.HighImportance
	v.getBtn = widget.NewButtonWithIcon("Get", theme.NavigateBackIcon(), func() { call(v.OnGet) })
	v.getBtn.Importance = widget.HighImportance
	arrows := container.NewVBox(layout.NewSpacer(), v.sendBtn, v.getBtn, layout.NewSpacer())

	v.heading = widget.NewLabel("")
	v.heading.TextStyle = fyne.TextStyle{Bold: true}
	v.heading.Truncation = fyne.TextTruncateEllipsis
	v.fileBar = widget.NewProgressBar()
	v.fileBar.TextFormatter = func() string { return v.fileText }
	v.overallBar = widget.NewProgressBar()
	v.overallBar.TextFormatter = func() string { return v.overallText }
	v.abortBtn = widget.NewButtonWithIcon("Abort Transfer", theme.CancelIcon(), func() { call(v.OnAbort) })
	v.abortBtn.Importance = widget.DangerImportance
	bars := container.New(layout.NewFormLayout(),
		widget.NewLabel("File"), v.fileBar, widget.NewLabel("Overall"), v.overallBar)
	v.progress = container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, container.NewCenter(v.abortBtn), container.NewVBox(v.heading, bars)))
	v.progress.Hide()

	v.status = wrapped("Open the destination folder in one pane, select files or folders in the other, " +
		"then click the arrow that points to the destination.")

	top := container.NewBorder(nil, nil, v.limit, v.endBtn)
	panes := container.New(&panesLayout{}, v.local.content, arrows, v.remote.content)
	v.content = container.NewBorder(container.NewVBox(top, widget.NewSeparator()),
		container.NewVBox(v.progress, widget.NewSeparator(), v.status), nil, nil, panes)
	v.update()
	return v
}

// SetLimit says how much one transfer may carry.
func (v *filesView) SetLimit(maxBytes int64) {
	v.limit.SetText("Up to " + byteSize(maxBytes) + " per transfer")
}

// SetBusy disables every action while one runs; only Abort Transfer
// stays, when the progress is shown.
func (v *filesView) SetBusy(busy bool) {
	v.busy = busy
	v.update()
}

// StartTransfer shows the progress of a transfer under the panes.
func (v *filesView) StartTransfer(heading, first string) {
	v.heading.SetText(heading)
	v.fileText, v.overallText = first, ""
	v.fileBar.SetValue(0)
	v.overallBar.SetValue(0)
	v.abortBtn.Enable()
	v.progress.Show()
	v.content.Refresh() // the bottom of the window grows
}

// SetProgress shows how far the current file and the whole transfer are.
func (v *filesView) SetProgress(p filetransfer.Progress) {
	file, all := fraction(p.FileDone, p.FileSize), fraction(p.Done, p.Total)
	v.fileText = fmt.Sprintf("%s — %s of %s (%.0f%%)", p.Path, byteSize(p.FileDone), byteSize(p.FileSize), 100*file)
	v.overallText = fmt.Sprintf("%s of %s (%.0f%%)", byteSize(p.Done), byteSize(p.Total), 100*all)
	v.fileBar.SetValue(file)
	v.overallBar.SetValue(all)
}

// Aborting says that Abort Transfer was pressed and the engine is
// cleaning up.
func (v *filesView) Aborting() {
	v.abortBtn.Disable()
	v.fileText = "Aborting; partial files are being deleted…"
	v.fileBar.Refresh()
}

// EndTransfer hides the progress.
func (v *filesView) EndTransfer() {
	v.progress.Hide()
	v.content.Refresh()
}

// SetStatus shows how the last action ended; danger for a failure.
func (v *filesView) SetStatus(text string, danger bool) {
	v.status.Importance = widget.MediumImportance
	if danger {
		v.status.Importance = widget.DangerImportance
	}
	v.status.SetText(text)
}

// SetRemoteEnded disables the customer's pane for good: the file
// transfer is over.
func (v *filesView) SetRemoteEnded(msg string) {
	v.remote.setOff(msg)
	v.update()
}

// update enables what can be done now.
func (v *filesView) update() {
	for _, p := range []*filePane{v.local, v.remote} {
		p.busy = v.busy
		p.transferOK = !v.busy && !v.remote.off
		p.update()
	}
	enable(!v.busy && !v.remote.off && len(v.local.sel) > 0, v.sendBtn)
	enable(!v.busy && !v.remote.off && len(v.remote.sel) > 0, v.getBtn)
	enable(!v.busy, v.endBtn)
}

func fraction(done, total int64) float64 {
	if total <= 0 {
		return 1
	}
	return min(float64(done)/float64(total), 1)
}

// byteSize says a size the way the site's limit is set, in units of 1024
// ("150 MB", "12.4 MB", "512 bytes").
func byteSize(n int64) string {
	unit := func(v float64, u string) string {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + " " + u
	}
	switch {
	case n == 1:
		return "1 byte"
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return unit(float64(n)/(1<<10), "KB")
	case n < 1<<30:
		return unit(float64(n)/(1<<20), "MB")
	}
	return unit(float64(n)/(1<<30), "GB")
}

// panesLayout gives the middle object (the arrows) its least width and
// splits the rest evenly between the two panes.
type panesLayout struct{}

func (panesLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for _, o := range objs {
		ms := o.MinSize()
		w += ms.Width
		h = max(h, ms.Height)
	}
	return fyne.NewSize(w+2*theme.Padding(), h)
}

func (panesLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	mid := objs[1].MinSize().Width
	side := max((size.Width-mid-2*pad)/2, 0)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(side, size.Height))
	objs[1].Move(fyne.NewPos(side+pad, 0))
	objs[1].Resize(fyne.NewSize(mid, size.Height))
	objs[2].Move(fyne.NewPos(side+mid+2*pad, 0))
	objs[2].Resize(fyne.NewSize(side, size.Height))
}

// ---- A pane -----------------------------------------------------------------

// filePane is one computer's folder: the path bar with Up and Refresh,
// New Folder, Rename and Delete, the entries (folders first) with a
// selection of several (click, Ctrl-click, Shift-click, the keyboard),
// and a line that sums up the selection.
type filePane struct {
	title      *widget.Label
	path       *widget.Label
	upBtn      *widget.Button
	refreshBtn *widget.Button
	newBtn     *widget.Button
	renameBtn  *widget.Button
	deleteBtn  *widget.Button
	list       *fileList
	message    *widget.Label
	footer     *widget.Label
	content    fyne.CanvasObject

	entries []filetransfer.DirEntry
	hidden  int
	sel     map[int]bool
	anchor  int // where a Shift-click range starts
	cursor  int // the keyboard's row
	atRoot  bool
	loading bool
	failed  bool
	// busy: an action runs; off: this side is gone; transferOK: the
	// other side can take a transfer (the view decides).
	busy, off, transferOK bool
	transferText          string
	changed               func()
	// loc is where modification times are shown (time.Local; the
	// goldens fix it).
	loc *time.Location

	OnOpen                       func(e filetransfer.DirEntry)
	OnUp, OnRefresh, OnNewFolder func()
	OnRename                     func(e filetransfer.DirEntry)
	OnDelete                     func(es []filetransfer.DirEntry)
	OnTransfer                   func()
}

func newFilePane(title, transferText string, changed func()) *filePane {
	p := &filePane{sel: map[int]bool{}, transferText: transferText, changed: changed, loc: time.Local}
	p.title = heading(title)
	p.path = widget.NewLabel("")
	p.path.Truncation = fyne.TextTruncateEllipsis
	p.upBtn = widget.NewButtonWithIcon("Up", theme.MoveUpIcon(), func() { p.up() })
	p.refreshBtn = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() { call(p.OnRefresh) })
	p.newBtn = widget.NewButtonWithIcon("New Folder", theme.FolderNewIcon(), func() { call(p.OnNewFolder) })
	p.renameBtn = widget.NewButtonWithIcon("Rename", theme.DocumentCreateIcon(), func() { p.rename() })
	p.deleteBtn = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { p.delete() })
	p.list = newFileList(p)
	p.message = wrapped("")
	p.message.Alignment = fyne.TextAlignCenter
	p.message.Importance = widget.LowImportance
	p.footer = widget.NewLabel("")
	p.footer.Truncation = fyne.TextTruncateEllipsis

	var heads []fyne.CanvasObject
	for _, h := range []string{"Name", "Size", "Modified"} {
		l := widget.NewLabel(h)
		l.TextStyle = fyne.TextStyle{Bold: true}
		heads = append(heads, l)
	}
	heads[1].(*widget.Label).Alignment = fyne.TextAlignTrailing
	header := container.New(&columnsLayout{widths: fileColumns}, heads...)
	bar := container.NewBorder(nil, nil, p.upBtn, p.refreshBtn, p.path)
	tools := container.NewHBox(p.newBtn, p.renameBtn, p.deleteBtn)
	p.content = container.NewBorder(
		container.NewVBox(p.title, bar, tools, header, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), p.footer), nil, nil,
		// The message takes the pane's width, so that a long one wraps.
		container.NewStack(p.list, container.NewPadded(container.NewVBox(layout.NewSpacer(), p.message, layout.NewSpacer()))))
	p.SetFolder("", true)
	return p
}

// SetFolder shows the folder whose entries are on their way.
func (p *filePane) SetFolder(path string, atRoot bool) {
	p.path.SetText(path)
	p.atRoot = atRoot
	p.entries, p.hidden, p.sel, p.anchor, p.cursor = nil, 0, map[int]bool{}, 0, 0
	p.loading, p.failed = true, false
	p.list.Refresh()
	p.list.ScrollToTop()
	p.showState()
}

// SetEntries shows a folder's entries, folders first, each group by name.
// What was selected stays selected when it is still there, and so do the
// names in also.
func (p *filePane) SetEntries(entries []filetransfer.DirEntry, hidden int, also ...string) {
	keep := map[string]bool{}
	for _, e := range p.Selected() {
		keep[e.Name] = true
	}
	for _, n := range also {
		keep[n] = true
	}
	es := append([]filetransfer.DirEntry(nil), entries...)
	sort.SliceStable(es, func(i, j int) bool {
		di, dj := es[i].Kind == filetransfer.KindDir, es[j].Kind == filetransfer.KindDir
		if di != dj {
			return di
		}
		li, lj := strings.ToLower(es[i].Name), strings.ToLower(es[j].Name)
		if li != lj {
			return li < lj
		}
		return es[i].Name < es[j].Name
	})
	p.entries, p.hidden, p.loading, p.failed = es, hidden, false, false
	p.sel = map[int]bool{}
	first := -1
	for i, e := range es {
		if keep[e.Name] {
			p.sel[i] = true
			if first < 0 {
				first = i
			}
		}
	}
	p.anchor, p.cursor = max(first, 0), max(first, 0)
	p.list.Refresh()
	if first >= 0 {
		p.list.ScrollTo(first)
	}
	p.showState()
}

// SetError says why the folder could not be listed.
func (p *filePane) SetError(msg string) {
	p.entries, p.sel, p.loading, p.failed = nil, map[int]bool{}, false, true
	p.list.Refresh()
	p.message.Importance = widget.DangerImportance
	p.message.SetText(msg)
	p.message.Show()
	p.showState()
}

// Selected are the selected entries, in the order shown.
func (p *filePane) Selected() []filetransfer.DirEntry {
	var out []filetransfer.DirEntry
	for i, e := range p.entries {
		if p.sel[i] {
			out = append(out, e)
		}
	}
	return out
}

// Entries are the entries shown, in order.
func (p *filePane) Entries() []filetransfer.DirEntry { return p.entries }

// setOff disables the pane for good and says why.
func (p *filePane) setOff(msg string) {
	p.off = true
	p.entries, p.sel = nil, map[int]bool{}
	p.list.Refresh()
	p.message.Importance = widget.WarningImportance
	p.message.SetText(msg)
	p.showState()
}

// showState shows the message over the list and the footer.
func (p *filePane) showState() {
	switch {
	case p.off || p.failed:
		// The message was set with the state.
	case p.loading:
		p.message.Importance = widget.LowImportance
		p.message.SetText("Loading…")
	case len(p.entries) == 0:
		p.message.Importance = widget.LowImportance
		p.message.SetText("This folder is empty.")
	}
	p.message.Hidden = len(p.entries) > 0
	p.message.Refresh()
	p.footer.SetText(p.summary())
	p.changed()
}

// summary is the footer: how many entries, and what is selected.
func (p *filePane) summary() string {
	if p.off || p.loading || p.failed {
		return ""
	}
	total := countWords(len(p.entries), "item", "items")
	if p.hidden > 0 {
		total += fmt.Sprintf(" (%s not shown: the name cannot be transferred)", countWords(p.hidden, "item", "items"))
	}
	if len(p.sel) == 0 {
		return total
	}
	var files, dirs int
	var size int64
	for _, e := range p.Selected() {
		if e.Kind == filetransfer.KindDir {
			dirs++
		} else {
			files++
			size += e.Size
		}
	}
	var parts []string
	if files > 0 {
		parts = append(parts, fmt.Sprintf("%s (%s)", countWords(files, "file", "files"), byteSize(size)))
	}
	if dirs > 0 {
		parts = append(parts, countWords(dirs, "folder", "folders"))
	}
	return fmt.Sprintf("%d of %s selected: %s", len(p.sel), total, strings.Join(parts, ", "))
}

// countWords says "1 file", "3 files".
func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// update enables the pane's buttons.
func (p *filePane) update() {
	ok := !p.busy && !p.off
	enable(ok, p.refreshBtn, p.newBtn)
	enable(ok && !p.atRoot, p.upBtn)
	enable(ok && len(p.sel) == 1, p.renameBtn)
	enable(ok && len(p.sel) > 0, p.deleteBtn)
	if p.off || p.loading || p.failed {
		p.newBtn.Disable()
	}
}

// ---- Selection --------------------------------------------------------------

// click selects as a file manager does: a click selects one entry,
// Ctrl-click (⌘ on a Mac) adds or removes one, Shift-click selects the
// range from the last plain click, and Ctrl-Shift adds that range.
func (p *filePane) click(i int, mods fyne.KeyModifier) {
	if i < 0 || i >= len(p.entries) {
		return
	}
	add := mods&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0
	switch {
	case mods&fyne.KeyModifierShift != 0:
		if !add {
			p.sel = map[int]bool{}
		}
		for j := min(p.anchor, i); j <= max(p.anchor, i); j++ {
			p.sel[j] = true
		}
	case add:
		if p.sel[i] {
			delete(p.sel, i)
		} else {
			p.sel[i] = true
		}
		p.anchor = i
	default:
		p.sel = map[int]bool{i: true}
		p.anchor = i
	}
	p.cursor = i
	p.list.Refresh()
	p.showState()
}

// moveCursor moves the keyboard's row to i, selecting it (and the range
// from the anchor when Shift is held).
func (p *filePane) moveCursor(i int, shift bool) {
	if len(p.entries) == 0 {
		return
	}
	i = min(max(i, 0), len(p.entries)-1)
	mods := fyne.KeyModifier(0)
	if shift {
		mods = fyne.KeyModifierShift
	}
	p.click(i, mods)
	p.list.ScrollTo(i)
}

func (p *filePane) selectAll() {
	for i := range p.entries {
		p.sel[i] = true
	}
	p.list.Refresh()
	p.showState()
}

func (p *filePane) clearSelection() {
	if len(p.sel) == 0 {
		return
	}
	p.sel = map[int]bool{}
	p.list.Refresh()
	p.showState()
}

// ---- Actions ----------------------------------------------------------------

func (p *filePane) can() bool { return !p.busy && !p.off }

// open opens the folder at i (double-click, Enter).
func (p *filePane) open(i int) {
	if !p.can() || i < 0 || i >= len(p.entries) || p.entries[i].Kind != filetransfer.KindDir {
		return
	}
	call1(p.OnOpen, p.entries[i])
}

func (p *filePane) up() {
	if p.can() && !p.atRoot {
		call(p.OnUp)
	}
}

func (p *filePane) rename() {
	if s := p.Selected(); p.can() && len(s) == 1 {
		call1(p.OnRename, s[0])
	}
}

func (p *filePane) delete() {
	if s := p.Selected(); p.can() && len(s) > 0 {
		call1(p.OnDelete, s)
	}
}

// menu is the right-click menu for the entry at i (-1: the empty space
// under the entries), which it selects first unless it is already part
// of the selection.
func (p *filePane) menu(i int) *fyne.Menu {
	if i >= 0 && i < len(p.entries) && !p.sel[i] {
		p.click(i, 0)
	}
	ok := p.can()
	item := func(label string, enabled bool, do func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, do)
		it.Disabled = !enabled
		return it
	}
	var items []*fyne.MenuItem
	sel := p.Selected()
	if i >= 0 && len(sel) > 0 {
		isDir := len(sel) == 1 && sel[0].Kind == filetransfer.KindDir
		items = append(items,
			item("Open", ok && isDir, func() {
				if p.can() {
					call1(p.OnOpen, sel[0])
				}
			}),
			item(p.transferText, p.transferOK, func() { call(p.OnTransfer) }),
			fyne.NewMenuItemSeparator(),
			item("Rename…", ok && len(sel) == 1, p.rename),
			item("Delete…", ok, p.delete),
			fyne.NewMenuItemSeparator())
	}
	items = append(items,
		item("New Folder…", ok && !p.loading && !p.failed, func() { call(p.OnNewFolder) }),
		item("Refresh", ok, func() { call(p.OnRefresh) }))
	return fyne.NewMenu("", items...)
}

func (p *filePane) showMenu(i int, at fyne.Position) {
	c := fyne.CurrentApp().Driver().CanvasForObject(p.list)
	if c == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(p.menu(i), c, at)
}

func (p *filePane) focus() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(p.list); c != nil {
		c.Focus(p.list)
	}
}

// ---- The list ---------------------------------------------------------------

// fileList is a pane's entries: a widget.List (which only shows the rows
// in view, so a folder of thousands is quick) whose rows handle clicks
// themselves, and which takes the keyboard: arrows (Shift to extend),
// Home, End, Enter to open, Backspace to go up, Delete, F2 to rename,
// Space to toggle and Ctrl+A.
type fileList struct {
	widget.List
	pane     *filePane
	focused  bool
	shiftKey // Shift with the arrows extends the selection
}

var (
	_ fyne.Focusable         = (*fileList)(nil)
	_ fyne.Shortcutable      = (*fileList)(nil)
	_ desktop.Keyable        = (*fileList)(nil)
	_ fyne.SecondaryTappable = (*fileList)(nil)
	_ fyne.DoubleTappable    = (*fileRow)(nil)
	_ fyne.SecondaryTappable = (*fileRow)(nil)
	_ desktop.Mouseable      = (*fileRow)(nil)
)

func newFileList(p *filePane) *fileList {
	l := &fileList{pane: p}
	l.Length = func() int { return len(p.entries) }
	l.CreateItem = func() fyne.CanvasObject { return newFileRow(p) }
	l.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) { o.(*fileRow).show(i) }
	l.ExtendBaseWidget(l)
	return l
}

func (l *fileList) FocusGained()   { l.focused = true; l.Refresh() }
func (l *fileList) FocusLost()     { l.focused, l.shift = false, false; l.Refresh() }
func (l *fileList) TypedRune(rune) {}

func (l *fileList) TypedKey(ev *fyne.KeyEvent) {
	p := l.pane
	switch ev.Name {
	case fyne.KeyDown:
		p.moveCursor(p.cursor+1, l.shift)
	case fyne.KeyUp:
		p.moveCursor(p.cursor-1, l.shift)
	case fyne.KeyPageDown:
		p.moveCursor(p.cursor+10, l.shift)
	case fyne.KeyPageUp:
		p.moveCursor(p.cursor-10, l.shift)
	case fyne.KeyHome:
		p.moveCursor(0, l.shift)
	case fyne.KeyEnd:
		p.moveCursor(len(p.entries)-1, l.shift)
	case fyne.KeySpace:
		p.click(p.cursor, fyne.KeyModifierControl)
	case fyne.KeyReturn, fyne.KeyEnter:
		p.open(p.cursor)
	case fyne.KeyBackspace:
		p.up()
	case fyne.KeyDelete:
		p.delete()
	case fyne.KeyF2:
		p.rename()
	case fyne.KeyEscape:
		p.clearSelection()
	}
}

func (l *fileList) TypedShortcut(s fyne.Shortcut) {
	if _, ok := s.(*fyne.ShortcutSelectAll); ok {
		l.pane.selectAll()
	}
}

// Tapped on the space under the entries clears the selection.
func (l *fileList) Tapped(*fyne.PointEvent) {
	l.pane.focus()
	l.pane.clearSelection()
}

// TappedSecondary under the entries offers New Folder and Refresh.
func (l *fileList) TappedSecondary(ev *fyne.PointEvent) {
	l.pane.focus()
	l.pane.clearSelection()
	l.pane.showMenu(-1, ev.AbsolutePosition)
}

// fileRow is one entry: its icon and name, size and modification time,
// on the selection colour when selected.
type fileRow struct {
	widget.BaseWidget
	pane  *filePane
	id    int
	mods  fyne.KeyModifier // held at the last mouse press
	bg    *canvas.Rectangle
	icon  *widget.Icon
	name  *widget.Label
	size  *widget.Label
	mtime *widget.Label
}

func newFileRow(p *filePane) *fileRow {
	r := &fileRow{pane: p, id: -1, bg: canvas.NewRectangle(color.Transparent), icon: widget.NewIcon(theme.FileIcon())}
	r.bg.CornerRadius = theme.SelectionRadiusSize()
	r.name = widget.NewLabel("")
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.size = widget.NewLabel("")
	r.size.Alignment = fyne.TextAlignTrailing
	r.mtime = widget.NewLabel("")
	r.mtime.Truncation = fyne.TextTruncateClip
	r.ExtendBaseWidget(r)
	return r
}

func (r *fileRow) CreateRenderer() fyne.WidgetRenderer {
	name := container.NewBorder(nil, nil, r.icon, nil, r.name)
	return widget.NewSimpleRenderer(container.NewStack(r.bg,
		container.New(&columnsLayout{widths: fileColumns}, name, r.size, r.mtime)))
}

// show binds the row to entry i.
func (r *fileRow) show(i int) {
	p := r.pane
	if i < 0 || i >= len(p.entries) {
		return
	}
	r.id = i
	e := p.entries[i]
	r.name.SetText(e.Name)
	switch e.Kind {
	case filetransfer.KindDir:
		r.icon.SetResource(theme.FolderIcon())
		r.size.SetText("Folder")
	case filetransfer.KindFile:
		r.icon.SetResource(theme.FileIcon())
		r.size.SetText(byteSize(e.Size))
	default:
		r.icon.SetResource(theme.QuestionIcon())
		r.size.SetText("Other")
	}
	r.mtime.SetText(e.ModTime.In(p.loc).Format("2006-01-02 15:04"))
	r.bg.FillColor = color.Transparent
	if p.sel[i] {
		r.bg.FillColor = theme.Color(theme.ColorNameSelection)
	}
	r.bg.StrokeWidth = 0
	if p.list.focused && p.cursor == i {
		r.bg.StrokeColor = theme.Color(theme.ColorNameFocus)
		r.bg.StrokeWidth = 1
	}
	r.bg.Refresh()
}

func (r *fileRow) MouseDown(ev *desktop.MouseEvent) { r.mods = ev.Modifier }
func (r *fileRow) MouseUp(*desktop.MouseEvent)      {}

func (r *fileRow) Tapped(*fyne.PointEvent) {
	r.pane.focus()
	r.pane.click(r.id, r.mods)
	r.mods = 0
}

func (r *fileRow) DoubleTapped(*fyne.PointEvent) {
	r.pane.focus()
	r.pane.click(r.id, 0)
	r.pane.open(r.id)
}

func (r *fileRow) TappedSecondary(ev *fyne.PointEvent) {
	r.pane.focus()
	r.pane.showMenu(r.id, ev.AbsolutePosition)
}
