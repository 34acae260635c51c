package gui

import (
	"fmt"
	"path/filepath"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
)

// publishView is the Publish Files window (basic file transfer): what the
// CSR offers the customer, who downloads the files they pick.
type publishView struct {
	list      *widget.List
	empty     *widget.Label
	hint      *widget.Label
	addBtn    *widget.Button
	removeBtn *widget.Button
	endBtn    *widget.Button
	status    *widget.Label
	content   fyne.CanvasObject

	entries []filetransfer.DirEntry
	sel     int

	OnAdd    func()
	OnRemove func(name string)
	OnEnd    func()
}

func newPublishView(customer string) *publishView {
	v := &publishView{sel: -1}
	v.list = widget.NewList(
		func() int { return len(v.entries) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			size := widget.NewLabel("")
			size.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), size, name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.entries) {
				return
			}
			e := v.entries[i]
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(e.Name)
			icon, size := theme.FileIcon(), filetransfer.FormatSize(e.Size)
			switch e.Kind {
			case filetransfer.KindDir:
				icon, size = theme.FolderIcon(), "folder"
			case filetransfer.KindOther:
				icon, size = theme.WarningIcon(), "no longer there"
			}
			row.Objects[1].(*widget.Icon).SetResource(icon)
			row.Objects[2].(*widget.Label).SetText(size)
			row.Refresh()
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.sel = i; v.showButtons() }
	v.list.OnUnselected = func(widget.ListItemID) { v.sel = -1; v.showButtons() }
	v.empty = wrapped("Nothing is published yet. Add Files… offers files from your computer to " + customer + ".")
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Importance = widget.LowImportance
	v.hint = wrapped(customer + " sees these files in a File Transfer window and downloads the ones they pick " +
		"to a folder they choose. Nothing is sent until they do.")
	v.addBtn = widget.NewButtonWithIcon("Add Files…", theme.ContentAddIcon(), func() { call(v.OnAdd) })
	v.addBtn.Importance = widget.HighImportance
	v.removeBtn = widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), func() {
		if v.sel >= 0 && v.sel < len(v.entries) {
			call1(v.OnRemove, v.entries[v.sel].Name)
		}
	})
	v.endBtn = widget.NewButtonWithIcon("End File Transfer", theme.CancelIcon(), func() { call(v.OnEnd) })
	v.endBtn.Importance = widget.DangerImportance
	v.status = widget.NewLabel("")
	v.status.Truncation = fyne.TextTruncateEllipsis
	bar := container.NewHBox(v.addBtn, v.removeBtn, layout.NewSpacer(), v.endBtn)
	v.content = container.NewBorder(container.NewVBox(v.hint, bar, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), v.status), nil, nil,
		container.NewStack(v.list, container.NewCenter(fixedWidth(v.empty, 420))))
	v.showButtons()
	return v
}

// SetEntries shows what is published, keeping the selection by name.
func (v *publishView) SetEntries(entries []filetransfer.DirEntry) {
	keep := ""
	if v.sel >= 0 && v.sel < len(v.entries) {
		keep = v.entries[v.sel].Name
	}
	v.entries = entries
	v.sel = -1
	v.list.UnselectAll()
	v.list.Refresh()
	for i, e := range entries {
		if e.Name == keep {
			v.list.Select(i)
		}
	}
	v.empty.Hidden = len(entries) > 0
	v.empty.Refresh()
	v.showButtons()
}

// SetBusy disables the commands while a change is on its way.
func (v *publishView) SetBusy(busy bool) {
	enable(!busy, v.addBtn, v.endBtn)
	if busy {
		enable(false, v.removeBtn)
	} else {
		v.showButtons()
	}
}

func (v *publishView) showButtons() { enable(v.sel >= 0, v.removeBtn) }

// SetStatus shows a line under the list; danger for a failure.
func (v *publishView) SetStatus(text string, danger bool) {
	v.status.Importance = widget.MediumImportance
	if danger {
		v.status.Importance = widget.DangerImportance
	}
	v.status.SetText(text)
}

// localEntry is a file or folder of the CSR's computer, for the chooser.
type localEntry struct {
	Name string
	Dir  bool
	Size int64
}

// fileChooser picks several files and folders of the CSR's computer: a
// folder's entries with a check box each; a folder opens with its Open
// button. The glue reads the folders.
type fileChooser struct {
	path      *widget.Label
	upBtn     *widget.Button
	homeBtn   *widget.Button
	list      *widget.List
	empty     *widget.Label
	chosenLbl *widget.Label
	okBtn     *widget.Button
	cancelBtn *widget.Button
	content   fyne.CanvasObject

	dir     string
	entries []localEntry
	chosen  []string // full paths, in the order checked
	sizes   map[string]int64

	OnOpen   func(dir string) // show another folder
	OnHome   func()
	OnChoose func(paths []string)
	OnCancel func()
}

func newFileChooser(confirm string) *fileChooser {
	c := &fileChooser{sizes: map[string]int64{}}
	c.path = widget.NewLabel("")
	c.path.Truncation = fyne.TextTruncateEllipsis
	c.path.TextStyle = fyne.TextStyle{Bold: true}
	c.upBtn = widget.NewButtonWithIcon("Up", theme.MoveUpIcon(), func() {
		if up := filepath.Dir(c.dir); up != c.dir {
			call1(c.OnOpen, up)
		}
	})
	c.homeBtn = widget.NewButtonWithIcon("Home", theme.HomeIcon(), func() { call(c.OnHome) })
	c.list = widget.NewList(
		func() int { return len(c.entries) },
		func() fyne.CanvasObject {
			check := widget.NewCheck("", nil)
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			size := widget.NewLabel("")
			size.Importance = widget.LowImportance
			open := widget.NewButtonWithIcon("Open", theme.NavigateNextIcon(), nil)
			open.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, container.NewHBox(check, widget.NewIcon(theme.FileIcon())),
				container.NewHBox(size, open), name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(c.entries) {
				return
			}
			e := c.entries[i]
			full := filepath.Join(c.dir, e.Name)
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(e.Name)
			left, right := row.Objects[1].(*fyne.Container), row.Objects[2].(*fyne.Container)
			check := left.Objects[0].(*widget.Check)
			check.OnChanged = nil
			check.SetChecked(slices.Contains(c.chosen, full))
			check.OnChanged = func(on bool) { c.toggle(full, e, on) }
			icon, size := theme.FileIcon(), filetransfer.FormatSize(e.Size)
			if e.Dir {
				icon, size = theme.FolderIcon(), "folder"
			}
			left.Objects[1].(*widget.Icon).SetResource(icon)
			right.Objects[0].(*widget.Label).SetText(size)
			open := right.Objects[1].(*widget.Button)
			open.Hidden = !e.Dir
			open.OnTapped = func() { call1(c.OnOpen, full) }
			row.Refresh() // lays the row out again for the new widths
		})
	c.list.OnSelected = func(i widget.ListItemID) {
		// A tap on a row checks it (or opens a folder with its button).
		c.list.Unselect(i)
		if i < len(c.entries) {
			e := c.entries[i]
			full := filepath.Join(c.dir, e.Name)
			c.toggle(full, e, !slices.Contains(c.chosen, full))
			c.list.RefreshItem(i)
		}
	}
	c.empty = widget.NewLabel("")
	c.empty.Importance = widget.LowImportance
	c.empty.Hide()
	c.chosenLbl = widget.NewLabel("")
	c.chosenLbl.Truncation = fyne.TextTruncateEllipsis
	c.okBtn = widget.NewButtonWithIcon(confirm, theme.ConfirmIcon(), func() {
		if len(c.chosen) > 0 {
			call1(c.OnChoose, append([]string(nil), c.chosen...))
		}
	})
	c.okBtn.Importance = widget.HighImportance
	c.cancelBtn = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { call(c.OnCancel) })
	top := container.NewBorder(nil, nil, nil, container.NewHBox(c.upBtn, c.homeBtn), c.path)
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(c.cancelBtn, c.okBtn), c.chosenLbl)
	c.content = container.NewBorder(container.NewVBox(top, widget.NewSeparator()), container.NewVBox(widget.NewSeparator(), bottom),
		nil, nil, container.NewStack(c.list, container.NewCenter(c.empty)))
	c.showChosen()
	return c
}

// SetDir shows a folder's entries, or why it could not be read.
func (c *fileChooser) SetDir(dir string, entries []localEntry, err error) {
	c.dir, c.entries = dir, entries
	c.path.SetText(dir)
	enable(filepath.Dir(dir) != dir, c.upBtn)
	c.list.UnselectAll()
	c.list.Refresh()
	c.list.ScrollToTop()
	switch {
	case err != nil:
		c.empty.SetText("This folder could not be read: " + sentence(err))
		c.empty.Importance = widget.DangerImportance
	case len(entries) == 0:
		c.empty.SetText("This folder is empty.")
		c.empty.Importance = widget.LowImportance
	}
	c.empty.Hidden = err == nil && len(entries) > 0
	c.empty.Refresh()
}

func (c *fileChooser) toggle(full string, e localEntry, on bool) {
	i := slices.Index(c.chosen, full)
	switch {
	case on && i < 0:
		c.chosen = append(c.chosen, full)
		c.sizes[full] = e.Size
		if e.Dir {
			c.sizes[full] = -1
		}
	case !on && i >= 0:
		c.chosen = slices.Delete(c.chosen, i, i+1)
	}
	c.showChosen()
}

func (c *fileChooser) showChosen() {
	var files, dirs int
	var bytes int64
	for _, p := range c.chosen {
		if c.sizes[p] < 0 {
			dirs++
		} else {
			files++
			bytes += c.sizes[p]
		}
	}
	switch {
	case files == 0 && dirs == 0:
		c.chosenLbl.SetText("Check the files and folders to publish; they can be in different folders.")
	case dirs == 0:
		c.chosenLbl.SetText(fmt.Sprintf("%s chosen (%s)", countWords(files, "file", "files"), filetransfer.FormatSize(bytes)))
	case files == 0:
		c.chosenLbl.SetText(countWords(dirs, "folder", "folders") + " chosen")
	default:
		c.chosenLbl.SetText(fmt.Sprintf("%s (%s) and %s chosen", countWords(files, "file", "files"), filetransfer.FormatSize(bytes), countWords(dirs, "folder", "folders")))
	}
	enable(len(c.chosen) > 0, c.okBtn)
}

// Chosen are the paths checked, in order.
func (c *fileChooser) Chosen() []string { return c.chosen }

// csrName names the CSR a transfer was for, for the chat line: "You" for
// this console's CSR, "" for the customer's own download.
func csrName(you, requestedBy string, names map[string]string) string {
	switch requestedBy {
	case "":
		return ""
	case you:
		return "You"
	}
	return orDefault(names[requestedBy], "A CSR")
}

// possessive is "Your" for "You", else "Ann's".
func possessive(name string) string {
	if name == "You" {
		return "Your"
	}
	return name + "'s"
}

// transferLine is the chat panel's line for a file transfer that ended:
// "Ann downloaded 3 files (2.1 MB) to /home/ann/Downloads". by is the CSR
// it was for (the customer's own download of published files has none).
func transferLine(ft protocol.FileTransfer, by string) systemLine {
	customer := orDefault(oneLine(ft.FromName), "The customer")
	what := countWords(ft.Files, "file", "files") + " (" + filetransfer.FormatSize(ft.Bytes) + ")"
	folder := oneLine(ft.Folder)
	var text string
	own := ft.RequestedBy == "" || by == ""
	switch {
	case own && ft.Status == protocol.TransferDone:
		text = customer + " downloaded " + what
		if folder != "" {
			text += " to " + folder
		}
	case own:
		text = customer + "'s download of " + what
		if folder != "" {
			text += " to " + folder
		}
	case ft.Direction == protocol.FromCustomer && ft.Status == protocol.TransferDone:
		text = by + " fetched " + what + " from "
		text += orDefault(folder, "the computer") + " on " + customer + "'s computer"
	case ft.Direction == protocol.FromCustomer:
		text = possessive(by) + " transfer of " + what + " from " + orDefault(folder, "the computer") + " on " + customer + "'s computer"
	case ft.Status == protocol.TransferDone:
		text = by + " sent " + what + " to " + orDefault(folder, "the computer") + " on " + customer + "'s computer"
	default:
		text = possessive(by) + " transfer of " + what + " to " + orDefault(folder, "the computer") + " on " + customer + "'s computer"
	}
	switch ft.Status {
	case protocol.TransferAborted:
		text += " was aborted"
	case protocol.TransferFailed:
		text += " failed"
		if ft.Error != "" {
			text += ": " + oneLine(ft.Error)
		}
	}
	var detail string
	for i, n := range ft.Names {
		if i > 0 {
			detail += "\n"
		}
		detail += oneLine(n)
	}
	if more := ft.Files - len(ft.Names); len(ft.Names) > 0 && more > 0 {
		detail += fmt.Sprintf("\n… and %d more", more)
	}
	return systemLine{Text: text, Detail: detail, Failed: ft.Status == protocol.TransferFailed}
}
