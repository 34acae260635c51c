package gui

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/controller"
	"lifeline/console/gui/internal/localfs"
	"lifeline/shared/filetransfer"
	"lifeline/shared/fynedialog"
)

// fileSide is what a pane of the file transfer window browses and
// changes: the CSR's computer (localfs.FS, absolute paths) or the
// customer's (paths relative to the folder the customer allowed).
type fileSide interface {
	List(ctx context.Context, dir string) (filetransfer.Listing, error)
	Mkdir(ctx context.Context, p string) error
	Rename(ctx context.Context, p, newName string) error
	Remove(ctx context.Context, p string, recursive bool) error
}

// remoteFiles is the customer's side of the window, as
// *controller.Files provides it (tests drive the window with an
// in-process filetransfer.Server instead).
type remoteFiles interface {
	fileSide
	Root() string
	MaxBytes() int64
	Put(ctx context.Context, localPaths []string, remoteDir string, progress func(filetransfer.Progress)) (filetransfer.Result, error)
	Get(ctx context.Context, remotePaths []string, localDir string, progress func(filetransfer.Progress)) (filetransfer.Result, error)
	Done() <-chan struct{}
	Err() error
	Close() error
}

var _ remoteFiles = (*controller.Files)(nil)

// filesWindow is a session's advanced file transfer window; its fields
// are owned by the UI thread.
type filesWindow struct {
	win    fyne.Window
	view   *filesView
	files  remoteFiles
	local  *filesPane
	remote *filesPane
	// ctx ends when the window closes: every call it started stops.
	ctx    context.Context
	cancel context.CancelFunc
	busy   bool
	// abort cancels the running transfer (Abort Transfer); aborted says
	// the CSR pressed it, so that the engine's ErrAborted is read as the
	// CSR's doing rather than the customer's.
	abort   context.CancelCauseFunc
	aborted bool
	pump    *progressPump
	ended   bool // the customer's side is gone
	closed  bool
	pop     dialog.Dialog // the open New Folder, Rename or Delete dialog
}

// filesPane is the glue's side of one pane: which file system, which
// folder, and how its paths are written.
type filesPane struct {
	fs    fileSide
	view  *filePane
	dir   string // local: absolute; remote: relative to root, "" for root
	local bool
	root  string // remote: the customer's folder, for display
	seq   int    // numbers listings, so that a stale one is dropped
	// listing counts the listings on their way.
	listing int
}

// errAbortPressed is the reason the customer's side is given when the
// CSR aborts.
var errAbortPressed = errors.New("the support representative pressed Abort Transfer")

// The open windows and the sessions whose customer is being asked, by
// session. Only the UI thread uses them; the lock is for tests, which
// run several consoles in one process.
var (
	filesMu      sync.Mutex
	filesWindows = map[*sessionUI]*filesWindow{}
	filesAsking  = map[*sessionUI]bool{}
)

func filesWindowOf(su *sessionUI) *filesWindow {
	filesMu.Lock()
	defer filesMu.Unlock()
	return filesWindows[su]
}

// openFileTransfer is Start File Transfer Advanced for a session: the
// customer is asked, and the File Transfer window opens once they allow
// it (or comes forward when it is open already).
func (u *ui) openFileTransfer(su *sessionUI) {
	s := su.s
	u.startFileTransfer(su, "File Transfer — "+tabTitle(s.State(), 0), func(ctx context.Context) (remoteFiles, error) {
		f, err := s.OpenFiles(ctx)
		if err != nil {
			return nil, err // not a nil *controller.Files in the interface
		}
		return f, nil
	})
}

// startFileTransfer asks the customer (through open, on a goroutine) and
// opens the window once they allow it; a window already open comes
// forward instead.
func (u *ui) startFileTransfer(su *sessionUI, title string, open func(context.Context) (remoteFiles, error)) {
	if fw := filesWindowOf(su); fw != nil {
		fw.win.Show()
		fw.win.RequestFocus()
		return
	}
	filesMu.Lock()
	asking := filesAsking[su]
	filesAsking[su] = true
	filesMu.Unlock()
	if asking {
		return
	}
	wait := dialog.NewInformation("File Transfer",
		"The customer has received your request to transfer files. The File Transfer window opens once they allow it.", u.win)
	wait.Show()
	u.goDo(func() {
		ctx, cancel := u.ctx(2 * time.Minute)
		f, err := open(ctx)
		cancel()
		u.do(func() {
			filesMu.Lock()
			delete(filesAsking, su)
			filesMu.Unlock()
			wait.Hide()
			if err != nil {
				dialog.ShowInformation("File Transfer", openFilesSentence(err), u.win)
				return
			}
			if u.sessions[su.s.ID()] != su { // the session ended meanwhile
				u.goDo(func() { _ = f.Close() })
				return
			}
			u.showFileTransfer(su, title, f)
		})
	})
}

// openFilesSentence says why the window did not open.
func openFilesSentence(err error) string {
	if errors.Is(err, controller.ErrDenied) || errors.Is(err, filetransfer.ErrDenied) {
		return "The customer did not allow file transfer."
	}
	return "File transfer could not be started: " + sentence(err)
}

// showFileTransfer opens the window on the customer's side f.
func (u *ui) showFileTransfer(su *sessionUI, title string, f remoteFiles) *filesWindow {
	v := newFilesView()
	v.SetLimit(f.MaxBytes())
	w := u.app.NewWindow(title)
	ctx, cancel := context.WithCancel(context.Background())
	fw := &filesWindow{win: w, view: v, files: f, ctx: ctx, cancel: cancel}
	fw.local = &filesPane{fs: localfs.FS{}, view: v.local, dir: localfs.Home(), local: true}
	fw.remote = &filesPane{fs: f, view: v.remote, root: f.Root()}
	for _, p := range []*filesPane{fw.local, fw.remote} {
		pv := p.view
		pv.OnOpen = func(e filetransfer.DirEntry) { u.browse(fw, p, p.join(e.Name)) }
		pv.OnUp = func() {
			if parent, ok := p.parent(); ok {
				u.browse(fw, p, parent)
			}
		}
		pv.OnRefresh = func() { u.listFiles(fw, p) }
		pv.OnNewFolder = func() { u.askNewFolder(fw, p) }
		pv.OnRename = func(e filetransfer.DirEntry) { u.askRename(fw, p, e) }
		pv.OnDelete = func(es []filetransfer.DirEntry) { u.askDelete(fw, p, es) }
	}
	v.OnSend = func() { u.sendFiles(fw) }
	v.OnGet = func() { u.getFiles(fw) }
	v.OnAbort = func() { u.abortTransfer(fw) }
	v.OnEnd = func() { u.endFileTransfer(fw) }
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1100, 680))
	w.SetCloseIntercept(func() { u.endFileTransfer(fw) })
	filesMu.Lock()
	filesWindows[su] = fw
	filesMu.Unlock()
	w.SetOnClosed(func() {
		filesMu.Lock()
		if filesWindows[su] == fw {
			delete(filesWindows, su)
		}
		filesMu.Unlock()
	})
	u.browse(fw, fw.local, fw.local.dir)
	u.browse(fw, fw.remote, "")
	// The customer pressing Stop, the tools connection failing or the
	// session ending close Done.
	u.goDo(func() {
		select {
		case <-f.Done():
			err := f.Err()
			u.do(func() { u.filesEnded(fw, err) })
		case <-ctx.Done():
		case <-u.quit:
			cancel()
		}
	})
	w.Show()
	return fw
}

// closeFileTransfer closes a session's window without asking (the
// session ended).
func (u *ui) closeFileTransfer(su *sessionUI) {
	if fw := filesWindowOf(su); fw != nil {
		u.closeFiles(fw)
	}
}

// endFileTransfer is End File Transfer and closing the window: at once,
// or once the CSR confirms aborting the transfer that runs.
func (u *ui) endFileTransfer(fw *filesWindow) {
	if fw.abort == nil {
		u.closeFiles(fw)
		return
	}
	fynedialog.AskDanger(fw.win, nil, "End File Transfer",
		"A transfer is running. End file transfer and abort it? Partial files are deleted.",
		"Abort and End", "Cancel", func() { u.closeFiles(fw) })
}

func (u *ui) closeFiles(fw *filesWindow) {
	if fw.closed {
		return
	}
	fw.closed = true
	if fw.abort != nil {
		fw.abort(errAbortPressed)
	}
	fw.cancel()
	f := fw.files
	u.goDo(func() {
		if err := f.Close(); err != nil {
			u.cfg.logger().Info("console: end file transfer", "err", err)
		}
	})
	fw.win.Close()
}

// filesEnded disables the customer's side once the file transfer is over.
func (u *ui) filesEnded(fw *filesWindow, err error) {
	if fw.closed || fw.ended {
		return
	}
	fw.ended = true
	msg := endedWords(err)
	fw.view.SetRemoteEnded(msg + " Close this window, or start file transfer again from the session.")
	if fw.abort == nil {
		fw.view.SetStatus(msg, true)
	}
}

// endedWords says why the file transfer ended, without saying twice that
// it did.
func endedWords(err error) string {
	if err == nil {
		return "File transfer has ended."
	}
	why := strings.TrimSuffix(strings.TrimSpace(err.Error()), ".")
	for _, p := range []string{"the file transfer ended: ", "file transfer ended: ", "the file transfer has ended: "} {
		if len(why) >= len(p) && strings.EqualFold(why[:len(p)], p) {
			why = why[len(p):]
		}
	}
	if why == "" {
		return "File transfer has ended."
	}
	return "File transfer has ended: " + why + "."
}

// ---- Browsing ---------------------------------------------------------------

func (p *filesPane) join(name string) string {
	if p.local {
		return filepath.Join(p.dir, name)
	}
	return path.Join(p.dir, name)
}

func (p *filesPane) parent() (string, bool) {
	if p.local {
		return localfs.Parent(p.dir)
	}
	if p.dir == "" {
		return "", false
	}
	if d := path.Dir(p.dir); d != "." {
		return d, true
	}
	return "", true
}

func (p *filesPane) atRoot(dir string) bool {
	if p.local {
		_, ok := localfs.Parent(dir)
		return !ok
	}
	return dir == ""
}

// display writes a folder as the person on that side knows it.
func (p *filesPane) display(dir string) string {
	if p.local {
		return dir
	}
	return remoteDisplay(p.root, dir)
}

// remoteDisplay joins the customer's folder and a path inside it with the
// customer's separator.
func remoteDisplay(root, rel string) string {
	if rel == "" {
		return orDefault(root, "The folder the customer allowed")
	}
	sep := "/"
	if strings.Contains(root, `\`) && !strings.Contains(root, "/") {
		sep = `\`
		rel = strings.ReplaceAll(rel, "/", sep)
	}
	return strings.TrimSuffix(root, sep) + sep + rel
}

func (p *filesPane) checkName(name string) error {
	if p.local {
		return localfs.CheckName(name)
	}
	return filetransfer.CheckName(name)
}

// where says which computer, after "on".
func (p *filesPane) where() string {
	if p.local {
		return "your computer"
	}
	return "the customer's computer"
}

// browse opens the folder dir in a pane.
func (u *ui) browse(fw *filesWindow, p *filesPane, dir string) {
	p.dir = dir
	p.view.SetFolder(p.display(dir), p.atRoot(dir))
	u.listFiles(fw, p)
}

// listFiles lists the pane's folder, selecting also once it is shown
// (what was just created or renamed).
func (u *ui) listFiles(fw *filesWindow, p *filesPane, also ...string) {
	if !p.local && fw.ended {
		return
	}
	p.seq++
	p.listing++
	seq, dir := p.seq, p.dir
	u.goDo(func() {
		ctx, cancel := context.WithTimeout(fw.ctx, time.Minute)
		l, err := p.fs.List(ctx, dir)
		cancel()
		u.do(func() {
			p.listing--
			if fw.closed || p.seq != seq || (!p.local && fw.ended) {
				return
			}
			if err != nil {
				p.view.SetError("This folder cannot be shown: " + reasonWords(err, !p.local) + ".")
				return
			}
			p.view.SetEntries(l.Entries, l.Hidden, also...)
		})
	})
}

// ---- New Folder, Rename, Delete ---------------------------------------------

// runOp runs op off the UI thread with every action disabled, saying
// doing meanwhile, and then done on the UI thread.
func (u *ui) runOp(fw *filesWindow, doing string, op func(ctx context.Context) error, done func(err error)) {
	fw.busy = true
	fw.view.SetBusy(true)
	fw.view.SetStatus(doing, false)
	u.goDo(func() {
		// The customer may be asked before each change.
		ctx, cancel := context.WithTimeout(fw.ctx, 3*time.Minute)
		err := op(ctx)
		cancel()
		u.do(func() {
			if fw.closed {
				return
			}
			fw.busy = false
			fw.view.SetBusy(false)
			done(err)
		})
	})
}

// nameDialog asks for a name (a new folder's or a new one for an entry).
func (u *ui) nameDialog(fw *filesWindow, p *filesPane, title, confirm, initial string, ok func(name string)) {
	if fw.busy || fw.pop != nil {
		return
	}
	name := widget.NewEntry()
	name.SetText(initial)
	name.Validator = p.checkName
	d := dialog.NewForm(title, confirm, "Cancel", []*widget.FormItem{widget.NewFormItem("Name", name)}, func(yes bool) {
		fw.pop = nil
		if yes && p.checkName(name.Text) == nil {
			ok(name.Text)
		}
	}, fw.win)
	d.Resize(fyne.NewSize(460, 0))
	fw.pop = d
	d.Show()
	fw.win.Canvas().Focus(name)
}

func (u *ui) askNewFolder(fw *filesWindow, p *filesPane) {
	u.nameDialog(fw, p, "New Folder on "+titleWords(p.where()), "Create", "New Folder", func(name string) {
		target, in := p.join(name), p.display(p.dir)
		u.runOp(fw, fmt.Sprintf("Creating the folder “%s” in %s…", name, in),
			func(ctx context.Context) error { return p.fs.Mkdir(ctx, target) },
			func(err error) {
				if err != nil {
					fw.view.SetStatus(fmt.Sprintf("The folder “%s” was not created: %s.", name, reasonWords(err, !p.local)), true)
					return
				}
				fw.view.SetStatus(fmt.Sprintf("Created the folder “%s” in %s.", name, in), false)
				u.listFiles(fw, p, name)
			})
	})
}

func (u *ui) askRename(fw *filesWindow, p *filesPane, e filetransfer.DirEntry) {
	u.nameDialog(fw, p, "Rename “"+e.Name+"”", "Rename", e.Name, func(name string) {
		if name == e.Name {
			return
		}
		target := p.join(e.Name)
		u.runOp(fw, fmt.Sprintf("Renaming “%s” to “%s”…", e.Name, name),
			func(ctx context.Context) error { return p.fs.Rename(ctx, target, name) },
			func(err error) {
				if err != nil {
					fw.view.SetStatus(fmt.Sprintf("“%s” was not renamed: %s.", e.Name, reasonWords(err, !p.local)), true)
					u.listFiles(fw, p)
					return
				}
				fw.view.SetStatus(fmt.Sprintf("Renamed “%s” to “%s” in %s.", e.Name, name, p.display(p.dir)), false)
				u.listFiles(fw, p, name)
			})
	})
}

// deleteQuestion asks about deleting es from a computer, with a clear
// warning for folders.
func deleteQuestion(es []filetransfer.DirEntry, where string) string {
	var dirs int
	for _, e := range es {
		if e.Kind == filetransfer.KindDir {
			dirs++
		}
	}
	var q string
	if len(es) == 1 {
		q = fmt.Sprintf("Delete “%s” from %s?", es[0].Name, where)
	} else {
		q = fmt.Sprintf("Delete these %d items from %s?", len(es), where)
	}
	switch {
	case dirs == 1 && len(es) == 1:
		q += " It is a folder: everything in it is deleted too."
	case dirs == 1:
		q += " One of them is a folder: everything in it is deleted too."
	case dirs > 1:
		q += fmt.Sprintf(" %d of them are folders: everything in them is deleted too.", dirs)
	}
	return q + " This cannot be undone."
}

func (u *ui) askDelete(fw *filesWindow, p *filesPane, es []filetransfer.DirEntry) {
	if fw.busy || fw.pop != nil || len(es) == 0 {
		return
	}
	fynedialog.AskDanger(fw.win, &fw.pop, "Delete", deleteQuestion(es, p.where()), "Delete", "Cancel",
		func() { u.deleteFiles(fw, p, es) })
}

func (u *ui) deleteFiles(fw *filesWindow, p *filesPane, es []filetransfer.DirEntry) {
	dir := p.dir
	// Written by the operation's goroutine, read once it is done.
	deleted, failed := 0, ""
	u.runOp(fw, fmt.Sprintf("Deleting %s from %s…", itemWords(es), p.where()),
		func(ctx context.Context) error {
			for _, e := range es {
				target := filepath.Join(dir, e.Name)
				if !p.local {
					target = path.Join(dir, e.Name)
				}
				if err := p.fs.Remove(ctx, target, e.Kind == filetransfer.KindDir); err != nil {
					failed = e.Name
					return err
				}
				deleted++
			}
			return nil
		},
		func(err error) {
			switch {
			case err == nil:
				fw.view.SetStatus(fmt.Sprintf("Deleted %s from %s.", itemWords(es), p.display(dir)), false)
			case len(es) == 1:
				fw.view.SetStatus(fmt.Sprintf("“%s” was not deleted: %s.", failed, reasonWords(err, !p.local)), true)
			default:
				fw.view.SetStatus(fmt.Sprintf("Deleted %d of %d items; “%s” was not deleted: %s.",
					deleted, len(es), failed, reasonWords(err, !p.local)), true)
			}
			u.listFiles(fw, p)
		})
}

// itemWords names what is concerned: “report.pdf”, or 3 items.
func itemWords(es []filetransfer.DirEntry) string {
	if len(es) == 1 {
		return "“" + es[0].Name + "”"
	}
	return fmt.Sprintf("%d items", len(es))
}

// titleWords capitalises a phrase for a title: "Your Computer".
func titleWords(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if w != "the" || i == 0 {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// ---- Transfers --------------------------------------------------------------

// progressPump hands the engine's progress to the UI thread without
// flooding it: at most one update is on its way, and it shows the latest.
type progressPump struct {
	mu       sync.Mutex
	latest   filetransfer.Progress
	pending  bool
	complete map[string]bool // files whose every byte arrived
	show     func(filetransfer.Progress)
	do       func(func())
}

func (pp *progressPump) report(p filetransfer.Progress) {
	pp.mu.Lock()
	pp.latest = p
	if p.FileDone == p.FileSize {
		pp.complete[p.Path] = true
	}
	schedule := !pp.pending
	pp.pending = true
	pp.mu.Unlock()
	if schedule {
		pp.do(func() {
			pp.mu.Lock()
			p := pp.latest
			pp.pending = false
			pp.mu.Unlock()
			pp.show(p)
		})
	}
}

func (pp *progressPump) completed() int {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	return len(pp.complete)
}

// tooLargeError is a selection refused before anything was sent.
type tooLargeError struct{ size, limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the transfer is %s, more than the %s allowed", byteSize(e.size), byteSize(e.limit))
}

func (e *tooLargeError) Unwrap() error { return filetransfer.ErrTooLarge }

// transfer describes one transfer for its sentences.
type transfer struct {
	put     bool
	dest    string // the destination folder, as shown
	folders bool   // folders were selected (the engine creates them first)
}

// hasFolders reports whether es holds a folder.
func hasFolders(es []filetransfer.DirEntry) bool {
	for _, e := range es {
		if e.Kind == filetransfer.KindDir {
			return true
		}
	}
	return false
}

// sendFiles puts the selected local entries into the customer's folder,
// once their size is known to be within the limit.
func (u *ui) sendFiles(fw *filesWindow) {
	sel := fw.local.view.Selected()
	if fw.busy || fw.ended || len(sel) == 0 {
		return
	}
	var paths []string
	for _, e := range sel {
		paths = append(paths, fw.local.join(e.Name))
	}
	dest := fw.remote.dir
	t := transfer{put: true, dest: fw.remote.display(dest), folders: hasFolders(sel)}
	limit := fw.files.MaxBytes()
	u.runTransfer(fw, t, fmt.Sprintf("Sending %s to %s", itemWords(sel), t.dest), "Measuring the selection…",
		func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
			size, err := localfs.Size(ctx, paths)
			if err != nil {
				return filetransfer.Result{}, err
			}
			if size > limit {
				return filetransfer.Result{}, &tooLargeError{size: size, limit: limit}
			}
			return fw.files.Put(ctx, paths, dest, progress)
		}, fw.remote)
}

// getFiles fetches the selected remote entries into the local folder.
func (u *ui) getFiles(fw *filesWindow) {
	sel := fw.remote.view.Selected()
	if fw.busy || fw.ended || len(sel) == 0 {
		return
	}
	var paths []string
	for _, e := range sel {
		paths = append(paths, fw.remote.join(e.Name))
	}
	dest := fw.local.dir
	t := transfer{dest: dest, folders: hasFolders(sel)}
	u.runTransfer(fw, t, fmt.Sprintf("Receiving %s into %s", itemWords(sel), dest), "Waiting for the customer's computer…",
		func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
			return fw.files.Get(ctx, paths, dest, progress)
		}, fw.local)
}

// runTransfer runs a transfer with its progress shown and Abort Transfer
// the only action, then says how it ended and shows the destination
// folder again (what arrived, or what was kept).
func (u *ui) runTransfer(fw *filesWindow, t transfer, heading, first string,
	run func(context.Context, func(filetransfer.Progress)) (filetransfer.Result, error), destPane *filesPane) {
	ctx, abort := context.WithCancelCause(fw.ctx)
	pp := &progressPump{complete: map[string]bool{}, do: u.do}
	pp.show = func(p filetransfer.Progress) {
		if !fw.closed && fw.pump == pp {
			fw.view.SetProgress(p)
		}
	}
	fw.busy, fw.abort, fw.aborted, fw.pump = true, abort, false, pp
	fw.view.SetBusy(true)
	fw.view.StartTransfer(heading, first)
	fw.view.SetStatus(heading+"…", false)
	u.goDo(func() {
		start := time.Now()
		res, err := run(ctx, pp.report)
		took := time.Since(start)
		abort(nil)
		u.do(func() {
			if fw.closed {
				return
			}
			aborted := fw.aborted
			fw.busy, fw.abort, fw.pump = false, nil, nil
			fw.view.EndTransfer()
			fw.view.SetBusy(false)
			msg, bad := transferSentence(t, res, err, took, aborted, pp.completed())
			fw.view.SetStatus(msg, bad)
			u.listFiles(fw, destPane)
		})
	})
}

// abortTransfer is Abort Transfer: the engine tells the other side and
// deletes the partial file.
func (u *ui) abortTransfer(fw *filesWindow) {
	if fw.abort == nil || fw.aborted {
		return
	}
	fw.aborted = true
	fw.view.Aborting()
	fw.abort(errAbortPressed)
}

// transferSentence says how a transfer ended: what arrived where and how
// fast, or why not, as a sentence. bad marks a failure.
func transferSentence(t transfer, res filetransfer.Result, err error, took time.Duration, abortPressed bool, completed int) (msg string, bad bool) {
	if err == nil {
		verb, prep := "Received", "into"
		if t.put {
			verb, prep = "Sent", "to"
		}
		what := countWords(res.Files, "file", "files")
		if res.Dirs > 0 {
			what += " in " + countWords(res.Dirs, "folder", "folders")
		}
		msg = fmt.Sprintf("%s %s (%s) %s %s in %s.", verb, what, byteSize(res.Total), prep, t.dest, durationShort(took))
		if res.Resumed > 0 {
			msg += fmt.Sprintf(" Already there and not sent again: %s.", byteSize(res.Resumed))
		}
		if n := len(res.Skipped); n > 0 {
			sk := res.Skipped[0]
			msg += fmt.Sprintf(" Left out %s, such as “%s”: %s.", countWords(n, "item", "items"), sk.Path, strings.TrimSuffix(sk.Reason, "."))
		}
		return msg, false
	}
	notDone := "Nothing was received"
	if t.put {
		notDone = "Nothing was sent"
	}
	var tl *tooLargeError
	var pe *filetransfer.PathError
	var re *filetransfer.RemoteError
	switch {
	case errors.As(err, &tl):
		return "Refused: " + tl.Error() + ".", true
	case errors.Is(err, filetransfer.ErrAborted) && abortPressed:
		switch {
		case completed == 0 && t.folders:
			// The engine creates the folders before the first byte.
			return "Aborted; no file was kept, only the empty folders the transfer had created.", false
		case completed == 0:
			return "Aborted; nothing was kept.", false
		case completed == 1:
			return "Aborted; the file that had arrived whole was kept, the partial one was deleted.", false
		}
		return fmt.Sprintf("Aborted; the %d files that had arrived whole were kept, the partial one was deleted.", completed), false
	case abortPressed && errors.Is(err, context.Canceled):
		return "Aborted; nothing was sent.", false
	case errors.Is(err, filetransfer.ErrAborted):
		return "The customer stopped the transfer; partial files were deleted.", true
	case errors.Is(err, filetransfer.ErrDenied):
		return "The customer did not allow this transfer.", true
	case errors.Is(err, filetransfer.ErrTooLarge):
		return "Refused: " + engineReason(err) + ".", true
	case errors.Is(err, filetransfer.ErrExists):
		name := conflictName(err)
		if name == "" {
			return notDone + ": " + engineReason(err) + ".", true
		}
		return fmt.Sprintf("%s: “%s” is already in %s. Delete or rename it there, or choose another folder.", notDone, name, t.dest), true
	case errors.Is(err, filetransfer.ErrUnsafePath):
		name, why := "", engineReason(err)
		if errors.As(err, &pe) {
			name, why = pe.Path, pe.Reason
		} else if errors.As(err, &re) {
			name = re.Path
			why = strings.TrimPrefix(why, "refused "+strconv.Quote(re.Path)+": ")
		}
		return fmt.Sprintf("%s: the name “%s” was refused, %s.", notDone, name, strings.TrimSuffix(why, ".")), true
	case errors.Is(err, filetransfer.ErrInterrupted):
		return "The connection to the customer's computer was lost during the transfer. Files that arrived whole were kept; " +
			"start the same transfer again to go on where it stopped.", true
	case errors.Is(err, filetransfer.ErrChecksum):
		return "A file arrived damaged (its SHA-256 did not match) and was deleted; start the transfer again.", true
	case errors.Is(err, filetransfer.ErrNotFound):
		return notDone + ": " + engineReason(err) + ". Refresh the folder.", true
	}
	return "The transfer failed: " + engineReason(err) + ".", true
}

// reasonWords says why a New Folder, Rename, Delete or listing failed,
// as the end of a sentence. remote: the customer's side.
func reasonWords(err error, remote bool) string {
	var pe *filetransfer.PathError
	switch {
	case remote && errors.Is(err, filetransfer.ErrDenied):
		return "the customer did not allow it"
	case errors.Is(err, filetransfer.ErrExists):
		return "something with that name is already there"
	case errors.Is(err, filetransfer.ErrNotFound):
		return "it is no longer there; refresh the folder"
	case errors.Is(err, filetransfer.ErrNotEmpty):
		return "the folder is not empty"
	case errors.As(err, &pe):
		return "the name was refused: " + strings.TrimSuffix(pe.Reason, ".")
	case errors.Is(err, filetransfer.ErrInterrupted), errors.Is(err, filetransfer.ErrClosed):
		return "the connection to the customer's computer was lost"
	case errors.Is(err, context.DeadlineExceeded):
		if remote {
			return "the customer's computer did not answer in time"
		}
		return "it took too long"
	}
	return engineReason(err)
}

// engineReason is the human part of an engine error: the other side's
// message for its refusals (shown, never interpreted), without the
// sentinels' prefixes.
func engineReason(err error) string {
	msg := err.Error()
	var re *filetransfer.RemoteError
	if errors.As(err, &re) && re.Msg != "" {
		msg = re.Msg
	}
	for _, s := range []error{filetransfer.ErrUnsafePath, filetransfer.ErrTooLarge, filetransfer.ErrExists,
		filetransfer.ErrNotFound, filetransfer.ErrNotEmpty, filetransfer.ErrChecksum, filetransfer.ErrDenied,
		filetransfer.ErrAborted, filetransfer.ErrInterrupted, filetransfer.ErrProtocol, filetransfer.ErrCorrupt,
		filetransfer.ErrVersion, filetransfer.ErrIO} {
		if i := strings.Index(msg, s.Error()+": "); i >= 0 {
			msg = msg[i+len(s.Error())+2:]
		}
	}
	msg = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(msg), "."))
	if msg == "" {
		return "no reason was given"
	}
	return msg
}

// conflictName is the name an ErrExists refusal is about: the other
// side's path, or the name the engine quotes first in its message.
func conflictName(err error) string {
	var re *filetransfer.RemoteError
	if errors.As(err, &re) && re.Path != "" {
		return re.Path
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '"'); i >= 0 {
		if q, err := strconv.QuotedPrefix(msg[i:]); err == nil {
			if s, err := strconv.Unquote(q); err == nil {
				return s
			}
		}
	}
	return ""
}

// durationShort says how long a transfer took: "0.4 s", "12 s", "2 min 5 s".
func durationShort(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second).Seconds()))
	}
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}
