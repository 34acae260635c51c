package gui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/client"
)

// scriptColumns are the columns of the Script Library: the header, the
// order the server sorts by when it is clicked, and the width (0 takes
// what the others leave, so that a long description does not push the
// later columns out of the window).
var scriptColumns = []column{
	{"Name", client.ScriptSortName, 190},
	{"Category", client.ScriptSortCategory, 120},
	{"Description", client.ScriptSortDescription, 0},
	{"Owner", client.ScriptSortOwner, 150},
	{"Published", client.ScriptSortPublished, 100},
	{"Updated", client.ScriptSortUpdated, 140},
}

// allCategories is the category filter's choice that shows every script.
const allCategories = "All categories"

// scriptsView is the content of the Script Library window: the category
// filter and the commands, the scripts with a header that sorts by a
// column (again: the other way round), the selected script's details and
// a status line.
type scriptsView struct {
	sortHeader
	list       *widget.List
	empty      *widget.Label
	category   *widget.Select
	catBox     *fyne.Container // the filter, hidden on a site without categories
	refreshBtn *widget.Button
	addBtn     *widget.Button
	editBtn    *widget.Button
	deleteBtn  *widget.Button
	detailName *widget.Label
	detailDesc *widget.Label
	detailKeys *fyne.Container
	details    []*widget.Label // script file, runs with, time limit, input file, added by, visible to
	noSelect   *widget.Label
	status     *widget.Label
	content    fyne.CanvasObject

	scripts  []client.Script
	selected int // index in scripts, -1 for none
	// loc is where the Updated times are shown (time.Local; the goldens
	// fix it).
	loc *time.Location

	OnCategory       func(category string) // "" for every category
	OnRefresh, OnAdd func()
	OnEdit, OnDelete func(s client.Script)
}

func newScriptsView() *scriptsView {
	v := &scriptsView{selected: -1, loc: time.Local}
	header := v.sortHeader.init(scriptColumns, client.ScriptSortName)
	v.list = tableList(scriptColumns, func() int { return len(v.scripts) }, func(i int) []string { return v.row(v.scripts[i]) })
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.showSelected() }
	v.list.OnUnselected = func(widget.ListItemID) { v.selected = -1; v.showSelected() }
	v.empty = widget.NewLabel("")
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Importance = widget.LowImportance
	v.empty.Hide()

	v.category = widget.NewSelect(nil, func(c string) {
		if c == allCategories {
			c = ""
		}
		call1(v.OnCategory, c)
	})
	v.catBox = container.NewHBox(widget.NewLabel("Category:"), fixedWidth(v.category, 190))
	v.catBox.Hide()
	v.refreshBtn = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() { call(v.OnRefresh) })
	v.addBtn = widget.NewButtonWithIcon("Add…", theme.ContentAddIcon(), func() { call(v.OnAdd) })
	v.addBtn.Importance = widget.HighImportance
	v.editBtn = widget.NewButtonWithIcon("Edit…", theme.DocumentCreateIcon(), func() {
		if s, ok := v.Selected(); ok {
			call1(v.OnEdit, s)
		}
	})
	v.deleteBtn = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() {
		if s, ok := v.Selected(); ok {
			call1(v.OnDelete, s)
		}
	})
	v.editBtn.Disable()
	v.deleteBtn.Disable()

	v.detailName = heading("")
	v.detailDesc = wrapped("")
	// Two columns of details, so that they fit under the list without
	// scrolling.
	var forms []fyne.CanvasObject
	for _, keys := range [][]string{{"Script file", "Runs with", "Time limit"}, {"Input file", "Added by", "Visible to"}} {
		var rows []fyne.CanvasObject
		for _, k := range keys {
			key := widget.NewLabel(k)
			key.TextStyle = fyne.TextStyle{Bold: true}
			val := widget.NewLabel("")
			val.Truncation = fyne.TextTruncateEllipsis
			v.details = append(v.details, val)
			rows = append(rows, key, val)
		}
		forms = append(forms, container.New(layout.NewFormLayout(), rows...))
	}
	v.detailKeys = container.NewGridWithColumns(2, forms...)
	v.noSelect = widget.NewLabel("Select a script to see its files and who added it.")
	v.noSelect.Importance = widget.LowImportance
	v.status = widget.NewLabel("")
	v.status.Truncation = fyne.TextTruncateEllipsis
	v.showSelected()

	bar := container.NewBorder(nil, nil,
		v.catBox,
		container.NewHBox(v.refreshBtn, v.addBtn, v.editBtn, v.deleteBtn))
	table := container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil,
		container.NewStack(v.list, container.NewCenter(v.empty)))
	detail := container.NewVScroll(container.NewVBox(v.noSelect, v.detailName, v.detailDesc, v.detailKeys))
	split := container.NewVSplit(table, detail)
	split.Offset = 0.58
	v.content = container.NewBorder(container.NewVBox(bar, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), v.status), nil, nil, split)
	return v
}

// row is the text of a script's cells.
func (v *scriptsView) row(s client.Script) []string {
	pub := "Private"
	if s.Published {
		pub = "Published"
	}
	return []string{s.Name, orDefault(s.Category, "—"), firstLine(s.Description), s.Owner.Name, pub,
		s.UpdatedAt.In(v.loc).Format("2006-01-02 15:04")}
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' || r == '\r' {
			return s[:i] + " …"
		}
	}
	return s
}

// tableList is a table's rows: n of them, laid out by cols, row i's
// cells holding row(i).
func tableList(cols []column, n func() int, row func(i int) []string) *widget.List {
	l := newColumnsLayout(cols)
	return widget.NewList(n,
		func() fyne.CanvasObject { return rowCells(l, len(cols)) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < n() { // the list may ask for a row just removed
				setCells(o, row(i))
			}
		})
}

// sortHeader is a table's row of headings that sort it: a tap sorts by
// that column, a second tap the other way round, and the sorted column's
// heading carries an arrow. The server sorts; OnSort asks it to.
type sortHeader struct {
	cols    []column
	headers []*widget.Button
	sort    string
	desc    bool

	OnSort func(sort string, desc bool)
}

// init makes the headings, sorted by sort, and returns their row, laid
// out as tableList lays out the rows. The headings keep h, so h must not
// move afterwards.
func (h *sortHeader) init(cols []column, sort string) fyne.CanvasObject {
	h.cols, h.sort = cols, sort
	var heads []fyne.CanvasObject
	for _, c := range cols {
		b := headerButton(c.title, func() { h.sortBy(c.sort) })
		h.headers = append(h.headers, b)
		heads = append(heads, b)
	}
	h.showSort()
	return container.New(newColumnsLayout(cols), heads...)
}

// sortBy sorts by a column, the other way round when it already does.
func (h *sortHeader) sortBy(sort string) {
	if sort == h.sort {
		h.desc = !h.desc
	} else {
		h.sort, h.desc = sort, false
	}
	h.showSort()
	if h.OnSort != nil {
		h.OnSort(h.sort, h.desc)
	}
}

// SetSort shows the order without asking for it.
func (h *sortHeader) SetSort(sort string, desc bool) {
	h.sort, h.desc = sort, desc
	h.showSort()
}

// showSort marks the sorted column's heading with an arrow.
func (h *sortHeader) showSort() {
	for i, c := range h.cols {
		b := h.headers[i]
		b.Icon = nil
		if c.sort == h.sort {
			b.Icon = theme.MenuDropUpIcon()
			if h.desc {
				b.Icon = theme.MenuDropDownIcon()
			}
		}
		b.IconPlacement = widget.ButtonIconTrailingText
		b.Refresh()
	}
}

// SetCategories fills the category filter; a site without categories
// has none to show.
func (v *scriptsView) SetCategories(cats []string, current string) {
	v.category.Options = append([]string{allCategories}, cats...)
	if current == "" {
		current = allCategories
	}
	v.category.Selected = current
	v.category.Refresh()
	v.catBox.Hidden = len(cats) == 0
	v.catBox.Refresh()
}

// SetScripts shows the scripts in the order given, keeping the selected
// one selected when it is still there, or selecting the script with the
// id prefer.
func (v *scriptsView) SetScripts(scripts []client.Script, prefer string) {
	if s, ok := v.Selected(); ok && prefer == "" {
		prefer = s.ID
	}
	v.scripts = scripts
	v.selected = -1
	v.list.UnselectAll()
	v.list.Refresh()
	for i, s := range scripts {
		if s.ID == prefer {
			v.list.Select(i)
			v.list.ScrollTo(i)
			break
		}
	}
	v.empty.Hidden = len(scripts) > 0
	v.empty.Refresh()
	v.showSelected()
}

// SetEmpty is what the list says when it has no scripts.
func (v *scriptsView) SetEmpty(text string) { v.empty.SetText(text) }

// Scripts are the scripts shown, in order.
func (v *scriptsView) Scripts() []client.Script { return v.scripts }

// Selected is the selected script.
func (v *scriptsView) Selected() (client.Script, bool) {
	if v.selected < 0 || v.selected >= len(v.scripts) {
		return client.Script{}, false
	}
	return v.scripts[v.selected], true
}

// SetStatus shows a line under the library; danger for a failure.
func (v *scriptsView) SetStatus(text string, danger bool) {
	v.status.Importance = widget.MediumImportance
	if danger {
		v.status.Importance = widget.DangerImportance
	}
	v.status.SetText(text)
}

// showSelected fills the details and enables Edit and Delete for a
// script the server lets the CSR change.
func (v *scriptsView) showSelected() {
	s, ok := v.Selected()
	enable(ok && s.Editable, v.editBtn, v.deleteBtn)
	v.noSelect.Hidden = ok
	v.detailName.Hidden, v.detailDesc.Hidden, v.detailKeys.Hidden = !ok, !ok || s.Description == "", !ok
	if ok {
		v.detailName.SetText(s.Name)
		v.detailDesc.SetText(s.Description)
		input := "None"
		if s.Input != nil {
			input = fmt.Sprintf("%s (%s)", s.Input.Name, sizeWords(s.Input.Size))
		}
		visible := "Only " + s.Owner.Name + " (private)"
		if s.Published {
			visible = "Every CSR (published to the Script Library)"
		}
		for i, text := range []string{
			fmt.Sprintf("%s (%s)", s.Script.Name, sizeWords(s.Script.Size)),
			interpreterWords(s.Interpreter, s.Platform),
			durationWords(s.TimeLimit),
			input,
			fmt.Sprintf("%s (%s)", s.Owner.Name, s.Owner.Email),
			visible,
		} {
			v.details[i].SetText(text)
		}
	}
	v.noSelect.Refresh()
	v.detailName.Refresh()
	v.detailDesc.Refresh()
	v.detailKeys.Refresh()
}

// interpreterWords says what runs a script, and where.
func interpreterWords(interp, platform string) string {
	names := map[string]string{client.InterpreterSh: "sh", client.InterpreterBash: "bash",
		client.InterpreterPowerShell: "PowerShell", client.InterpreterCmd: "cmd (batch)"}
	where := map[string]string{client.PlatformUnix: "Linux and macOS", client.PlatformWindows: "Windows"}
	return fmt.Sprintf("%s, on %s", orDefault(names[interp], interp), orDefault(where[platform], platform))
}

// durationWords says a time limit in seconds the way a CSR reads it.
func durationWords(secs int) string {
	switch {
	case secs <= 0:
		return "The server's default"
	case secs%60 == 0 && secs >= 60:
		if secs == 60 {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", secs/60)
	case secs == 1:
		return "1 second"
	}
	return fmt.Sprintf("%d seconds", secs)
}

// sizeWords says a file size: bytes, KB or MB (of 1024).
func sizeWords(n int64) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	s := fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	if s == "1.0 MB" && n > 1<<20 {
		// "is 1.0 MB; … at most 1 MB" would read as no reason at all (and
		// a file read only up to the limit is known to be just larger).
		return "more than 1 MB"
	}
	return s
}

// columnsLayout lays out the header and every row of the library with the
// same column widths, so that they line up.
type columnsLayout struct{ widths []float32 }

func (l *columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for i, o := range objs {
		ms := o.MinSize()
		h = max(h, ms.Height)
		if l.widths[i] > 0 {
			w += l.widths[i]
		} else {
			w += 120 // the flexible column's least
		}
	}
	return fyne.NewSize(w, h)
}

func (l *columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	fixed := float32(0)
	for _, w := range l.widths {
		fixed += w
	}
	flex := max(size.Width-fixed, 120)
	x := float32(0)
	for i, o := range objs {
		w := l.widths[i]
		if w == 0 {
			w = flex
		}
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos(x, 0))
		x += w
	}
}
