package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/sysreport"
)

// Table sizes in the System Information panels.
const (
	// tableRowsShown is how many rows a table shows before it scrolls,
	// when it shares its panel with other sections.
	tableRowsShown = 10
	// minColumn and maxColumn bound a column's width; a longer cell is
	// cut with an ellipsis.
	minColumn, maxColumn = 56, 380
	// widthSample is how many rows a column's width is measured on.
	widthSample = 300
)

// sysinfoView is the System Information window's content: the categories
// on the left, the selected one's panel on the right, and Refresh, Save
// and Print. It shows a report; the glue fetches it.
type sysinfoView struct {
	title       *widget.Label
	collected   *widget.Label
	list        *widget.List
	panel       *fyne.Container
	placeholder *widget.Label
	refreshBtn  *widget.Button
	saveBtn     *widget.Button
	printBtn    *widget.Button
	status      *widget.Label
	content     fyne.CanvasObject

	report   *sysreport.Report
	selected int
	busy     bool

	OnRefresh, OnSave, OnPrint func()
}

func newSysinfoView() *sysinfoView {
	v := &sysinfoView{selected: -1}
	v.title = heading("System information")
	v.collected = widget.NewLabel("")
	v.collected.Importance = widget.LowImportance
	v.list = widget.NewList(
		func() int {
			if v.report == nil {
				return 0
			}
			return len(v.report.Categories)
		},
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewIcon(nil), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if v.report == nil || i >= len(v.report.Categories) {
				return
			}
			c := v.report.Categories[i]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(c.Title)
			icon := box.Objects[1].(*widget.Icon)
			if c.Error != "" {
				icon.SetResource(theme.WarningIcon())
			} else {
				icon.SetResource(nil)
			}
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.showPanel() }
	v.placeholder = wrapped("")
	v.placeholder.Alignment = fyne.TextAlignCenter
	v.panel = container.NewStack(container.NewCenter(fixedWidth(v.placeholder, 420)))
	v.refreshBtn = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() { call(v.OnRefresh) })
	v.saveBtn = widget.NewButtonWithIcon("Save…", theme.DocumentSaveIcon(), func() { call(v.OnSave) })
	v.printBtn = widget.NewButtonWithIcon("Print", theme.DocumentPrintIcon(), func() { call(v.OnPrint) })
	v.status = widget.NewLabel("")
	v.status.Truncation = fyne.TextTruncateEllipsis

	bar := container.NewBorder(nil, nil, container.NewVBox(v.title), container.NewHBox(v.refreshBtn, v.saveBtn, v.printBtn))
	split := container.NewHSplit(container.NewBorder(nil, nil, nil, nil, v.list), v.panel)
	split.Offset = 0.22
	v.content = container.NewBorder(container.NewVBox(bar, v.collected, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), v.status), nil, nil, split)
	v.showButtons()
	return v
}

// SetWaiting shows a message in place of a report (while the first one is
// on its way, or when there is none).
func (v *sysinfoView) SetWaiting(msg string) {
	v.placeholder.SetText(msg)
	if v.report == nil {
		v.panel.Objects = []fyne.CanvasObject{container.NewCenter(fixedWidth(v.placeholder, 420))}
		v.panel.Refresh()
	}
}

// SetBusy disables Refresh while a report is on its way; status says why
// ("" keeps the status line).
func (v *sysinfoView) SetBusy(busy bool, status string) {
	v.busy = busy
	if status != "" {
		v.SetStatus(status, false)
	}
	v.showButtons()
}

func (v *sysinfoView) showButtons() {
	enable(!v.busy, v.refreshBtn)
	enable(v.report != nil, v.saveBtn, v.printBtn)
}

// SetStatus shows a line under the panels; danger for a failure.
func (v *sysinfoView) SetStatus(text string, danger bool) {
	v.status.Importance = widget.MediumImportance
	if danger {
		v.status.Importance = widget.DangerImportance
	}
	v.status.SetText(text)
}

// SetReport shows a report, keeping the category shown when the new
// report has it.
func (v *sysinfoView) SetReport(r sysreport.Report) {
	keep := ""
	if c, ok := v.Selected(); ok {
		keep = c.ID
	}
	v.report = &r
	v.title.SetText(reportTitle(r))
	if r.CollectedAt.IsZero() {
		v.collected.SetText("")
	} else {
		v.collected.SetText("Collected " + sysreport.FormatTime(r.CollectedAt) + " (the customer's clock)")
	}
	v.selected = -1
	v.list.UnselectAll()
	v.list.Refresh()
	if len(r.Categories) == 0 {
		v.SetWaiting("The customer's computer sent no system information.")
	}
	pick := 0
	for i, c := range r.Categories {
		if c.ID == keep {
			pick = i
		}
	}
	if len(r.Categories) > 0 {
		v.list.Select(pick)
	}
	v.showButtons()
}

// Report is the report shown.
func (v *sysinfoView) Report() (sysreport.Report, bool) {
	if v.report == nil {
		return sysreport.Report{}, false
	}
	return *v.report, true
}

// Selected is the category shown.
func (v *sysinfoView) Selected() (sysreport.Category, bool) {
	if v.report == nil || v.selected < 0 || v.selected >= len(v.report.Categories) {
		return sysreport.Category{}, false
	}
	return v.report.Categories[v.selected], true
}

// Select shows the category with the given ID.
func (v *sysinfoView) Select(id string) {
	if v.report == nil {
		return
	}
	for i, c := range v.report.Categories {
		if c.ID == id {
			v.list.Select(i)
			return
		}
	}
}

func (v *sysinfoView) showPanel() {
	c, ok := v.Selected()
	if !ok {
		return
	}
	v.panel.Objects = []fyne.CanvasObject{categoryPanel(c)}
	v.panel.Refresh()
}

// reportTitle names the customer's computer when the report says its
// host name.
func reportTitle(r sysreport.Report) string {
	if c, ok := r.Category(sysreport.CatOS); ok && len(c.Sections) > 0 {
		for _, row := range c.Sections[0].Rows {
			if row[0] == sysreport.HostNameRow && strings.TrimSpace(row[1]) != "" {
				return "System information for " + oneLine(row[1])
			}
		}
	}
	return "System information"
}

// categoryPanel lays out one category: its error in words, then each
// section's title, note, rows as a two-column form and table. A table
// that ends the category takes the height left; others show a few rows
// and scroll.
func categoryPanel(c sysreport.Category) fyne.CanvasObject {
	var objs []fyne.CanvasObject
	head := heading(c.Title)
	objs = append(objs, head)
	if c.Error != "" {
		msg := "This information could not be collected: " + sentenceText(c.Error)
		if len(c.Sections) > 0 {
			msg = "Only part of this information could be collected: " + sentenceText(c.Error)
		}
		e := wrapped(msg)
		e.Importance = widget.DangerImportance
		objs = append(objs, e)
	}
	var last *sysreport.Table
	for i, s := range c.Sections {
		if s.Title != "" {
			t := widget.NewLabel(s.Title)
			t.TextStyle = fyne.TextStyle{Bold: true}
			objs = append(objs, t)
		}
		if s.Note != "" {
			n := wrapped(s.Note)
			n.Importance = widget.LowImportance
			objs = append(objs, n)
		}
		if len(s.Rows) > 0 {
			var cells []fyne.CanvasObject
			for _, r := range s.Rows {
				k := widget.NewLabel(oneLine(r[0]))
				k.TextStyle = fyne.TextStyle{Bold: true}
				val := widget.NewLabel(r[1])
				val.Wrapping = fyne.TextWrapWord
				cells = append(cells, k, val)
			}
			objs = append(objs, container.New(layout.NewFormLayout(), cells...))
		}
		if s.Table != nil {
			if i == len(c.Sections)-1 {
				last = s.Table
				break
			}
			objs = append(objs, reportTable(*s.Table, tableRowsShown))
		}
	}
	if len(c.Sections) == 0 && c.Error == "" {
		n := widget.NewLabel("Nothing to show in this category.")
		n.Importance = widget.LowImportance
		objs = append(objs, n)
	}
	top := container.NewVBox(objs...)
	if last == nil {
		return container.NewVScroll(top)
	}
	// The last table fills what the sections above leave; when they are
	// too tall for the window, everything scrolls together instead.
	return container.NewVScroll(container.New(&fillLastLayout{}, top, reportTable(*last, 0)))
}

// reportTable is a scrollable table with a header row, showing rows rows
// before it scrolls (0: as many as its place allows).
func reportTable(t sysreport.Table, rows int) fyne.CanvasObject {
	widths := columnWidths(t)
	tbl := widget.NewTable(
		func() (int, int) { return len(t.Rows), len(t.Columns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(t.Rows) && id.Col < len(t.Rows[id.Row]) {
				o.(*widget.Label).SetText(oneLine(t.Rows[id.Row][id.Col]))
			}
		})
	tbl.ShowHeaderRow = true
	tbl.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle = fyne.TextStyle{Bold: true}
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	tbl.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(t.Columns) {
			o.(*widget.Label).SetText(oneLine(t.Columns[id.Col]))
		}
	}
	for i, w := range widths {
		tbl.SetColumnWidth(i, w)
	}
	if len(t.Rows) == 0 {
		empty := widget.NewLabel("(none)")
		empty.Importance = widget.LowImportance
		return container.NewVBox(container.New(&rowsLayout{rows: 0}, tbl), empty)
	}
	if rows == 0 {
		return tbl
	}
	return container.New(&rowsLayout{rows: min(rows, len(t.Rows))}, tbl)
}

// columnWidths fits each column to its header and the first rows, within
// minColumn and maxColumn.
func columnWidths(t sysreport.Table) []float32 {
	pad := 2*theme.InnerPadding() + 2
	size := theme.TextSize()
	out := make([]float32, len(t.Columns))
	for i, h := range t.Columns {
		w := fyne.MeasureText(oneLine(h), size, fyne.TextStyle{Bold: true}).Width
		for _, r := range t.Rows[:min(len(t.Rows), widthSample)] {
			if i < len(r) {
				cell := oneLine(r[i])
				if len(cell) > 120 {
					cell = cell[:120] // wider than maxColumn anyway
				}
				w = max(w, fyne.MeasureText(cell, size, fyne.TextStyle{}).Width)
			}
		}
		out[i] = min(max(w+pad, minColumn), maxColumn)
	}
	return out
}

// rowsLayout gives a table the height of its header and rows rows.
type rowsLayout struct{ rows int }

func (l *rowsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	line := widget.NewLabel("X").MinSize().Height + theme.Padding()
	return fyne.NewSize(objs[0].MinSize().Width, line*float32(l.rows+1))
}

func (l *rowsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// fillLastLayout puts the first object at the top with its own height and
// gives the second the rest, at least a few rows.
type fillLastLayout struct{}

func (fillLastLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	top := objs[0].MinSize()
	line := widget.NewLabel("X").MinSize().Height
	return fyne.NewSize(max(top.Width, objs[1].MinSize().Width), top.Height+theme.Padding()+4*line)
}

func (fillLastLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	top := objs[0].MinSize().Height
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, top))
	y := top + theme.Padding()
	objs[1].Move(fyne.NewPos(0, y))
	objs[1].Resize(fyne.NewSize(size.Width, max(size.Height-y, 0)))
}

// oneLine puts text from the customer's computer on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// sentenceText makes text from elsewhere read as a sentence.
func sentenceText(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "no reason was given."
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
