package gui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/agent/terminal"
	"lifeline/shared/filetransfer"
	"lifeline/shared/fynedialog"
)

// Basic file transfer (user guide, chapter 5): the CSR publishes files,
// the File Transfer window appears on the customer's screen with them,
// and the customer selects files, picks a folder and presses Download.
// End File Transfer, on either side, closes the list on both.

const filesTitle = "File Transfer — " + productName

// The File Transfer window's size: room for the folder dialog, which
// opens inside it.
var filesSize = fyne.NewSize(600, 540)

// Why a download stopped before it was complete, other than by failing.
var (
	errAbortedByYou = errors.New("you aborted the download")
	errListClosed   = errors.New("the file list was closed")
	errSessionEnded = errors.New("the session ended")
)

// filesPanel is the File Transfer window. It is made when the first list
// arrives and hidden, never closed, in between: closing it with the
// window's own button only hides it (the main window's File Transfer
// button shows it again), so that a download goes on meanwhile. Used on
// the Fyne thread only.
type filesPanel struct {
	u     *ui
	win   fyne.Window
	shown bool // the window is on screen

	open     bool                    // a list is published (and not closed)
	entries  []filetransfer.DirEntry // the list, usable names only
	hidden   int                     // entries left out for their names
	selected map[string]bool
	dest     string // the folder to download into

	intro     *widget.Label
	all       *widget.Check
	summary   *widget.Label
	rows      *fyne.Container
	checks    []*widget.Check // one per entry
	hiddenMsg *widget.RichText
	destLabel *widget.Label
	choose    *widget.Button
	download  *widget.Button
	abort     *widget.Button
	end       *widget.Button
	fileText  *widget.Label // the file being downloaded
	fileBar   *widget.ProgressBar
	totalBar  *widget.ProgressBar
	totalText string // inside totalBar: "2.0 MB of 5.1 MB in all (39%)"
	progress  *fyne.Container
	status    *widget.Label

	updating bool      // the checks are being set from the selection
	running  *transfer // the download in progress, if any

	folderDialog *dialog.FileDialog // the Choose Folder… dialog last shown
	confirmEnd   dialog.Dialog      // End File Transfer during a download
}

// transfer is one download.
type transfer struct {
	cancel context.CancelCauseFunc
	names  []string
	dir    string
}

func newFilesPanel(u *ui) *filesPanel {
	p := &filesPanel{u: u, selected: map[string]bool{}, dest: defaultFolder()}
	p.win = u.app.NewWindow(filesTitle)
	p.win.SetCloseIntercept(p.hideWindow)

	p.intro = wrapped("")
	p.all = widget.NewCheck("Select All", p.selectAll)
	p.summary = widget.NewLabel("")
	p.rows = container.NewVBox()
	p.hiddenMsg = subtle("", theme.SizeNameCaptionText)
	p.hiddenMsg.Hide()
	listBG := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	listBG.CornerRadius = theme.InputRadiusSize()

	p.destLabel = widget.NewLabel("")
	p.destLabel.Truncation = fyne.TextTruncateEllipsis
	p.choose = widget.NewButtonWithIcon("Choose Folder…", theme.FolderOpenIcon(), p.chooseFolder)

	p.fileText = widget.NewLabel("")
	p.fileText.Truncation = fyne.TextTruncateEllipsis
	p.fileBar = widget.NewProgressBar()
	p.totalBar = widget.NewProgressBar()
	p.totalBar.TextFormatter = func() string { return p.totalText }
	p.progress = container.NewVBox(p.fileText, p.fileBar, p.totalBar)
	p.progress.Hide()
	p.status = wrapped("")
	p.status.Hide()

	p.end = widget.NewButtonWithIcon("End File Transfer", theme.CancelIcon(), p.endTapped)
	p.abort = widget.NewButtonWithIcon("Abort Transfer", theme.MediaStopIcon(), func() { p.stop(errAbortedByYou) })
	p.abort.Importance = widget.DangerImportance
	p.abort.Hide()
	p.download = widget.NewButtonWithIcon("Download", theme.DownloadIcon(), p.startDownload)
	p.download.Importance = widget.HighImportance

	top := container.NewVBox(
		fieldLabel("Files to download"),
		p.intro,
		container.NewBorder(nil, nil, p.all, p.summary),
	)
	bottom := container.NewVBox(
		p.hiddenMsg,
		container.NewBorder(nil, nil, fieldLabel("Save to"), p.choose, p.destLabel),
		p.progress,
		p.status,
		widget.NewSeparator(),
		container.NewHBox(p.end, layout.NewSpacer(), p.abort, p.download),
	)
	p.win.SetContent(container.NewBorder(top, bottom, nil, nil,
		container.NewStack(listBG, container.NewPadded(container.NewVScroll(p.rows)))))
	p.win.Resize(filesSize)
	p.win.CenterOnScreen()
	p.setDest(p.dest)
	return p
}

// showList shows a published list (EventFiles with files) from the CSR
// named from, keeping the selection of the names still in it, and brings
// the window up.
func (p *filesPanel) showList(from string, files []filetransfer.DirEntry) {
	if from == "" {
		from = "Your support representative"
	}
	p.intro.SetText(from + " shared these files with you. Select the ones you want, choose where to save them, and press Download.")
	p.entries, p.hidden = terminal.Published(files)
	keep := map[string]bool{}
	for _, e := range p.entries {
		if p.selected[e.Name] && terminal.Downloadable(e) {
			keep[e.Name] = true
		}
	}
	p.selected = keep
	first := !p.open
	p.open = true
	if first {
		p.status.Hide()
		p.progress.Hide()
	}
	p.buildRows()
	p.hiddenMsg.Segments[0].(*widget.TextSegment).Text = terminal.HiddenSentence(p.hidden)
	p.hiddenMsg.Hidden = p.hidden == 0
	p.hiddenMsg.Refresh()
	p.update()
	p.showWindow()
}

func (p *filesPanel) showWindow() {
	p.shown = true
	p.win.Show()
	p.win.RequestFocus()
}

func (p *filesPanel) hideWindow() {
	p.shown = false
	p.win.Hide()
}

// buildRows makes one row per entry: a check box, the icon, the name
// (tapping it toggles the box, like a check box's text) and the size.
func (p *filesPanel) buildRows() {
	p.rows.RemoveAll()
	p.checks = p.checks[:0]
	if len(p.entries) == 0 {
		p.rows.Add(subtle("No files are published right now.", theme.SizeNameText))
		return
	}
	for _, e := range p.entries {
		check := widget.NewCheck("", func(on bool) { p.toggle(e.Name, on) })
		check.Checked = p.selected[e.Name]
		icon := theme.FileIcon()
		if e.Kind == filetransfer.KindDir {
			icon = theme.FolderIcon()
		}
		name := &tapLabel{onTap: func() {
			if !check.Disabled() {
				check.SetChecked(!check.Checked)
			}
		}}
		name.ExtendBaseWidget(name)
		name.Text = e.Name
		name.Truncation = fyne.TextTruncateEllipsis
		size := widget.NewLabel(terminal.EntrySize(e))
		if !terminal.Downloadable(e) {
			check.Disable()
			name.Importance = widget.LowImportance
			size.Importance = widget.LowImportance
		}
		p.checks = append(p.checks, check)
		p.rows.Add(container.NewBorder(nil, nil,
			container.NewHBox(check, container.NewCenter(widget.NewIcon(icon))), size, name))
	}
}

func (p *filesPanel) toggle(name string, on bool) {
	if p.updating {
		return
	}
	if on {
		p.selected[name] = true
	} else {
		delete(p.selected, name)
	}
	p.update()
}

// selectAll is the Select All box: everything that can be downloaded, or
// nothing.
func (p *filesPanel) selectAll(on bool) {
	if p.updating {
		return
	}
	p.selected = map[string]bool{}
	if on {
		for _, e := range p.entries {
			if terminal.Downloadable(e) {
				p.selected[e.Name] = true
			}
		}
	}
	p.update()
}

// names is the selection in the list's order.
func (p *filesPanel) names() []string {
	var out []string
	for _, e := range p.entries {
		if p.selected[e.Name] {
			out = append(out, e.Name)
		}
	}
	return out
}

// update brings the check boxes, the summary and the buttons in line
// with the selection and whether a download runs.
func (p *filesPanel) update() {
	p.updating = true
	defer func() { p.updating = false }()
	busy := p.running != nil
	selectable, files, dirs := 0, 0, 0
	var size int64
	for i, e := range p.entries {
		if terminal.Downloadable(e) {
			selectable++
		}
		c := p.checks[i]
		if c.Checked != p.selected[e.Name] {
			c.SetChecked(p.selected[e.Name])
		}
		switch {
		case busy || !terminal.Downloadable(e):
			c.Disable()
		default:
			c.Enable()
		}
		if p.selected[e.Name] {
			if e.Kind == filetransfer.KindDir {
				dirs++
			} else {
				files++
				size += e.Size
			}
		}
	}
	n := files + dirs
	p.all.Checked = selectable > 0 && n == selectable
	p.all.Partial = n > 0 && n < selectable
	if busy || selectable == 0 {
		p.all.Disable()
	} else {
		p.all.Enable()
	}
	p.all.Refresh()
	p.summary.SetText(selectionSummary(n, len(p.entries), size, dirs))
	if busy {
		p.choose.Disable()
		p.download.Disable()
		p.abort.Show()
	} else {
		p.choose.Enable()
		p.abort.Hide()
		if n > 0 && p.dest != "" && p.u.agent != nil && p.u.phase == phaseSession {
			p.download.Enable()
		} else {
			p.download.Disable()
		}
	}
}

// selectionSummary is "2 of 3 selected (2.1 MB)", "(2.1 MB and 1
// folder)" when folders are selected (their size is not known before).
func selectionSummary(n, of int, size int64, dirs int) string {
	if of == 0 {
		return ""
	}
	if n == 0 {
		return fmt.Sprintf("None of %d selected", of)
	}
	var what []string
	if n > dirs {
		what = append(what, terminal.FormatSize(size))
	}
	if dirs > 0 {
		what = append(what, terminal.Plural(dirs, "folder", "folders"))
	}
	return fmt.Sprintf("%d of %d selected (%s)", n, of, strings.Join(what, " and "))
}

// setDest sets the folder to download into.
func (p *filesPanel) setDest(dir string) {
	p.dest = dir
	if dir == "" {
		p.destLabel.SetText("No folder chosen")
	} else {
		p.destLabel.SetText(dir)
	}
	p.update()
}

// chooseFolder is Choose Folder…: Fyne's folder dialog, starting in the
// folder chosen so far.
func (p *filesPanel) chooseFolder() {
	d := dialog.NewFolderOpen(p.folderChosen, p.win)
	if p.dest != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(p.dest)); err == nil {
			d.SetLocation(l)
		}
	}
	d.SetTitleText("Choose where to save the files")
	d.SetConfirmText("Choose")
	p.folderDialog = d
	d.Show()
	d.Resize(filesSize.SubtractWidthHeight(40, 40)) // only once shown: it has no size before
}

func (p *filesPanel) folderChosen(l fyne.ListableURI, err error) {
	switch {
	case err != nil:
		p.setStatus(terminal.Sentence("The folder could not be opened: "+err.Error()), true)
	case l == nil: // cancelled
	case l.Scheme() != "file":
		p.setStatus("Choose a folder on this computer.", true)
	default:
		p.setDest(l.Path())
		p.status.Hide()
	}
}

func (p *filesPanel) setStatus(text string, problem bool) {
	p.status.SetText(text)
	p.status.Importance = widget.SuccessImportance
	if problem {
		p.status.Importance = widget.DangerImportance
	}
	p.status.Refresh()
	p.status.Show()
}

// startDownload is the Download button. The download runs off the Fyne
// thread; its progress and its end come back through fyne.Do.
func (p *filesPanel) startDownload() {
	names, dir, a := p.names(), p.dest, p.u.agent
	if len(names) == 0 || a == nil || p.running != nil || p.u.phase != phaseSession {
		return
	}
	if problem := terminal.FolderProblem(dir); problem != "" {
		p.setStatus(problem, true)
		return
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	t := &transfer{cancel: cancel, names: names, dir: dir}
	p.running = t
	p.status.Hide()
	p.showProgress(filetransfer.Progress{})
	p.fileText.Show()
	p.fileBar.Show()
	p.progress.Show()
	p.update()
	progress := p.progressFunc(t)
	p.u.start(func() {
		res, err := a.Download(ctx, names, dir, progress)
		cause := context.Cause(ctx)
		cancel(nil)
		if p.u.closed.Load() {
			return
		}
		fyne.Do(func() { p.finished(t, res, err, cause) })
	})
}

// progressFunc hands progress to the window, at most one update waiting
// at a time: the engine reports every chunk, faster than the window
// needs to redraw.
func (p *filesPanel) progressFunc(t *transfer) func(filetransfer.Progress) {
	var mu sync.Mutex
	var latest filetransfer.Progress
	waiting := false
	return func(pr filetransfer.Progress) {
		mu.Lock()
		latest = pr
		if waiting {
			mu.Unlock()
			return
		}
		waiting = true
		mu.Unlock()
		fyne.Do(func() {
			mu.Lock()
			pr := latest
			waiting = false
			mu.Unlock()
			if p.running == t {
				p.showProgress(pr)
			}
		})
	}
}

// showProgress shows the current file's and the whole download's progress.
func (p *filesPanel) showProgress(pr filetransfer.Progress) {
	if pr.Path == "" {
		p.fileText.SetText("Starting the download…")
	} else {
		p.fileText.SetText(fmt.Sprintf("%s — %s of %s", pr.Path, terminal.FormatSize(pr.FileDone), terminal.FormatSize(pr.FileSize)))
	}
	p.fileBar.SetValue(fraction(pr.FileDone, pr.FileSize))
	p.totalText = ""
	if pr.Total > 0 {
		p.totalText = fmt.Sprintf("%s of %s in all (%d%%)", terminal.FormatSize(pr.Done), terminal.FormatSize(pr.Total), terminal.Percent(pr.Done, pr.Total))
	}
	p.totalBar.SetValue(fraction(pr.Done, pr.Total))
}

func fraction(done, total int64) float64 {
	return float64(terminal.Percent(done, total)) / 100
}

// finished shows how a download ended, in the window and in the chat
// history (the window may be hidden).
func (p *filesPanel) finished(t *transfer, res filetransfer.Result, err error, cause error) {
	if p.running != t {
		return
	}
	p.running = nil
	defer p.update()
	var text string
	switch {
	case err == nil:
		// The last file's line says nothing more than the total's.
		p.fileText.Hide()
		p.fileBar.Hide()
		p.totalText = fmt.Sprintf("%s in all (100%%)", terminal.FormatSize(res.Total))
		p.totalBar.SetValue(1)
		text = terminal.Downloaded(res, t.dir)
		p.setStatus(text, false)
	case errors.Is(cause, errListClosed), errors.Is(cause, errSessionEnded):
		p.progress.Hide()
		return // the window closed with its own sentence
	case errors.Is(cause, errAbortedByYou):
		text = terminal.Aborted(t.dir)
		p.progress.Hide()
		p.setStatus(text, true)
	default:
		text = terminal.DownloadError(err, t.dir, t.names)
		p.progress.Hide()
		p.setStatus(text, true)
	}
	p.u.addSystem(text)
}

// stop aborts the running download, if any.
func (p *filesPanel) stop(cause error) {
	if p.running != nil {
		p.running.cancel(cause)
	}
}

// endTapped is End File Transfer: during a download it asks first.
func (p *filesPanel) endTapped() {
	if p.running == nil {
		p.endNow()
		return
	}
	fynedialog.AskDanger(p.win, &p.confirmEnd, "End file transfer?",
		"A download is running. Ending file transfer aborts it, and files that are not complete are removed.",
		"End File Transfer", "Keep Downloading", p.endNow)
}

func (p *filesPanel) endNow() {
	if !p.open {
		return
	}
	if a := p.u.agent; a != nil {
		go a.EndFileTransfer()
	}
	p.close(errListClosed)
	p.u.addSystem("You ended file transfer.")
}

// close closes the list: the CSR or the customer ended file transfer, or
// the session is over. A running download is aborted.
func (p *filesPanel) close(cause error) {
	p.stop(cause)
	p.running = nil
	p.open = false
	p.entries, p.hidden = nil, 0
	p.selected = map[string]bool{}
	if p.confirmEnd != nil {
		p.confirmEnd.Hide()
		p.confirmEnd = nil
	}
	if p.folderDialog != nil {
		p.folderDialog.Hide()
		p.folderDialog = nil
	}
	p.buildRows()
	p.progress.Hide()
	p.status.Hide()
	p.update()
	p.hideWindow()
	p.u.filesBtn.Hide()
}

// showFiles handles EventFiles in the main window.
func (u *ui) showFiles(e session.Event) {
	if u.phase == phaseEnded {
		return
	}
	if e.Files == nil && e.Text != "" {
		if u.files == nil || !u.files.open {
			return // already closed (End File Transfer here)
		}
		u.files.close(errListClosed)
		u.addSystem(e.Text)
		return
	}
	if (u.files == nil || !u.files.open) && len(e.Files) == 0 {
		return // nothing to show yet
	}
	if u.files == nil {
		u.files = newFilesPanel(u)
	}
	u.files.showList(e.From, e.Files)
	u.filesBtn.Show()
}

// closeFiles closes the File Transfer window at the end of the session.
func (u *ui) closeFiles() {
	if u.files != nil && u.files.open {
		u.files.close(errSessionEnded)
	}
}

// openFiles is the main window's File Transfer button.
func (u *ui) openFiles() {
	if u.files != nil && u.files.open {
		u.files.showWindow()
	}
}
