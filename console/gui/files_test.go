package gui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/consent"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
)

// ---- The customer's side, in process ----------------------------------------

// pipeRemote is the customer's side as the window sees it, played by the
// real transfer engine: a filetransfer.Server on a temporary folder over
// filetransfer.Pipe, the way *controller.Files wraps a Client on a data
// channel.
type pipeRemote struct {
	dir    string // the customer's folder, shown as Root
	shown  string // else this is shown as Root (a screenshot's "/home/ana")
	max    int64
	client *filetransfer.Client
	conns  [2]*slowConn // the console's end, the customer's end
	mu     sync.Mutex   // one request at a time, as the Client wants
	done   chan struct{}
	once   sync.Once
	err    error
	closed atomic.Bool
	puts   atomic.Int32
}

// slowConn delays every message it sends, for transfers slow enough to
// watch and abort.
type slowConn struct {
	filetransfer.Conn
	delay atomic.Int64 // nanoseconds per message
}

func (c *slowConn) Send(b []byte) error {
	if d := c.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	return c.Conn.Send(b)
}

var quiet = slog.New(slog.DiscardHandler)

// mb is x megabytes of 1 << 20 bytes, the site's unit.
func mb(x float64) int64 { return int64(x * (1 << 20)) }

func newPipeRemote(t testing.TB, dir string, max int64, allow func(context.Context, filetransfer.Request) error) *pipeRemote {
	t.Helper()
	a, b := filetransfer.Pipe()
	r := &pipeRemote{dir: dir, max: max, done: make(chan struct{}),
		conns: [2]*slowConn{{Conn: a}, {Conn: b}}}
	r.client = &filetransfer.Client{Conn: r.conns[0],
		Sender:   filetransfer.Sender{Log: quiet},
		Receiver: filetransfer.Receiver{Log: quiet, Limits: filetransfer.Limits{MaxTotalBytes: max}}}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &filetransfer.Server{Root: root, Allow: allow, Log: quiet,
		Receiver: filetransfer.Receiver{Log: quiet, Limits: filetransfer.Limits{MaxTotalBytes: max}},
		Sender:   filetransfer.Sender{Log: quiet}}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ctx, r.conns[1])
	}()
	t.Cleanup(func() {
		cancel()
		a.Close()
		<-served
		root.Close()
	})
	return r
}

func (r *pipeRemote) Root() string    { return orDefault(r.shown, r.dir) }
func (r *pipeRemote) MaxBytes() int64 { return r.max }

func (r *pipeRemote) List(ctx context.Context, dir string) (filetransfer.Listing, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.client.List(ctx, dir)
}

func (r *pipeRemote) Mkdir(ctx context.Context, p string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.client.Mkdir(ctx, p)
}

func (r *pipeRemote) Rename(ctx context.Context, p, newName string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.client.Rename(ctx, p, newName)
}

func (r *pipeRemote) Remove(ctx context.Context, p string, recursive bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.client.Remove(ctx, p, recursive)
}

func (r *pipeRemote) Put(ctx context.Context, paths []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	r.puts.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	plan, err := filetransfer.PlanPaths(paths, filetransfer.Limits{MaxTotalBytes: r.max})
	if err != nil {
		return filetransfer.Result{}, err
	}
	defer plan.Close()
	r.client.Sender.Progress = progress
	return r.client.Put(ctx, plan, dir)
}

func (r *pipeRemote) Get(ctx context.Context, paths []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.client.Receiver.Progress = progress
	return r.client.Get(ctx, paths, dir)
}

func (r *pipeRemote) Done() <-chan struct{} { return r.done }
func (r *pipeRemote) Err() error            { return r.err }

func (r *pipeRemote) Close() error {
	r.closed.Store(true)
	r.stop(nil)
	return nil
}

// stop ends the file transfer as the customer's Stop does.
func (r *pipeRemote) stop(err error) {
	r.once.Do(func() {
		r.err = err
		close(r.done)
		r.conns[0].Conn.(*filetransfer.PipeConn).Close()
	})
}

var _ remoteFiles = (*pipeRemote)(nil)

// ---- Harness ----------------------------------------------------------------

// filesHarness is a console (no server: the window needs none) with the
// file transfer window open on a pipeRemote.
type filesHarness struct {
	*harness
	fw          *filesWindow
	su          *sessionUI
	remote      *pipeRemote
	local, cust string // the CSR's home folder and the customer's folder
}

type filesOptions struct {
	max   int64
	allow func(context.Context, filetransfer.Request) error
	local []string // files (content: their name) and folders/ in the CSR's home
	cust  []string // the same in the customer's folder
}

// makeTree makes files and folders (ending in /) in dir; a file's content
// is its path unless size says otherwise.
func makeTree(t *testing.T, dir string, items ...string) {
	t.Helper()
	for _, it := range items {
		p := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(it, "/")))
		if strings.HasSuffix(it, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(it), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newFilesHarness(t *testing.T, o filesOptions) *filesHarness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &harness{t: t, q: make(chan func(), 4096), done: make(chan struct{}), dir: t.TempDir()}
	h.u = newUI(a, Config{ProfileDir: h.dir})
	h.u.do = func(f func()) {
		select {
		case h.q <- f:
		case <-h.done:
		}
	}
	t.Cleanup(func() {
		close(h.done)
		h.u.shutdown()
	})
	fh := &filesHarness{harness: h, local: t.TempDir(), cust: t.TempDir()}
	t.Setenv("HOME", fh.local)
	makeTree(t, fh.local, o.local...)
	makeTree(t, fh.cust, o.cust...)
	if o.max == 0 {
		o.max = filetransfer.DefaultMaxTotalBytes
	}
	fh.remote = newPipeRemote(t, fh.cust, o.max, o.allow)
	fh.su = &sessionUI{}
	fh.fw = h.u.showFileTransfer(fh.su, "File Transfer — session 482 913 077", fh.remote)
	fh.idle("the first listings")
	return fh
}

// idle waits until no action runs and both panes show their folders.
func (h *filesHarness) idle(what string) {
	h.t.Helper()
	v := h.fw.view
	h.eventually(what, func() bool {
		return !h.fw.busy && !v.local.loading && (!v.remote.loading || v.remote.off) &&
			h.fw.local.listing == 0 && h.fw.remote.listing == 0 && len(h.q) == 0
	})
}

func entryNames(p *filePane) []string {
	var out []string
	for _, e := range p.Entries() {
		out = append(out, e.Name)
	}
	return out
}

func selectedNames(p *filePane) []string {
	var out []string
	for _, e := range p.Selected() {
		out = append(out, e.Name)
	}
	return out
}

// walk visits o and everything it draws, through the renderers the
// canvas uses (test.LaidOutObjects would make new ones, and a List then
// forgets its rows).
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch c := o.(type) {
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(c).Objects() {
			walk(ch, f)
		}
	case *fyne.Container:
		for _, ch := range c.Objects {
			walk(ch, f)
		}
	}
}

// row is the row on screen that shows name in pane p.
func (h *filesHarness) row(p *filePane, name string) *fileRow {
	h.t.Helper()
	i := slices.Index(entryNames(p), name)
	if i < 0 {
		h.t.Fatalf("%q is not listed: %v", name, entryNames(p))
	}
	var found *fileRow
	walk(h.fw.win.Content(), func(o fyne.CanvasObject) {
		if r, ok := o.(*fileRow); ok && r.pane == p && r.id == i && r.Visible() {
			found = r
		}
	})
	if found == nil {
		h.t.Fatalf("no row on screen for %q", name)
	}
	return found
}

// click clicks a row with the modifier keys mods held.
func (h *filesHarness) click(p *filePane, name string, mods fyne.KeyModifier) {
	h.t.Helper()
	r := h.row(p, name)
	r.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary, Modifier: mods})
	r.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary, Modifier: mods})
	test.Tap(r)
}

// pick selects exactly names in p: a click, then Ctrl-clicks.
func (h *filesHarness) pick(p *filePane, names ...string) {
	h.t.Helper()
	for i, n := range names {
		mods := fyne.KeyModifier(0)
		if i > 0 {
			mods = fyne.KeyModifierControl
		}
		h.click(p, n, mods)
	}
	if got := selectedNames(p); !sameSet(got, names) {
		h.t.Fatalf("selected %v, want %v", got, names)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// top is the window's top overlay (a dialog or a menu).
func (h *filesHarness) top() fyne.CanvasObject {
	h.t.Helper()
	top := h.fw.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatal("no dialog or menu is open")
	}
	return top
}

// button taps the button labelled text in the top dialog.
func (h *filesHarness) button(text string) {
	h.t.Helper()
	for _, o := range test.LaidOutObjects(h.top()) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	h.t.Fatalf("the dialog has no %q button", text)
}

// dialogText is everything the top dialog says.
func (h *filesHarness) dialogText() string {
	var b strings.Builder
	for _, o := range test.LaidOutObjects(h.top()) {
		switch l := o.(type) {
		case *widget.Label:
			b.WriteString(l.Text + "\n")
		case *widget.RichText:
			b.WriteString(l.String() + "\n")
		}
	}
	return b.String()
}

// typeName replaces the text of the top dialog's entry.
func (h *filesHarness) typeName(name string) {
	h.t.Helper()
	for _, o := range test.LaidOutObjects(h.top()) {
		if e, ok := o.(*widget.Entry); ok {
			e.SetText(name)
			return
		}
	}
	h.t.Fatal("the dialog has no entry")
}

// menu right-clicks a row (or the space under the rows when name is "")
// and taps the menu item label, the way a mouse would.
func (h *filesHarness) menu(p *filePane, name, label string) {
	h.t.Helper()
	if name == "" {
		test.TapSecondaryAt(p.list, fyne.NewPos(20, p.list.Size().Height-5))
	} else {
		test.TapSecondary(h.row(p, name))
	}
	menu := h.top()
	var at *fyne.Position
	var labels []string
	walk(menu, func(o fyne.CanvasObject) {
		if txt, ok := o.(*canvas.Text); ok && txt.Visible() {
			labels = append(labels, txt.Text)
			if txt.Text == label {
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(txt).AddXY(2, 2)
				at = &pos
			}
		}
	})
	if at == nil {
		h.t.Fatalf("the menu has no %q: %v", label, labels)
	}
	test.TapCanvas(h.fw.win.Canvas(), *at)
}

func (h *filesHarness) status() string { return h.fw.view.status.Text }

// statusMatches waits for the status line to match re.
func (h *filesHarness) statusMatches(re string) {
	h.t.Helper()
	h.idle("the action")
	if !regexp.MustCompile(re).MatchString(h.status()) {
		h.t.Fatalf("status line %q, want %s", h.status(), re)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- Browsing ---------------------------------------------------------------

func TestFilesBrowse(t *testing.T) {
	h := newFilesHarness(t, filesOptions{
		max:   150 << 20,
		local: []string{"notes.txt", "Projects/", "Projects/plan.md", "archive/"},
		cust:  []string{"Documents/", "Documents/Old/", "Documents/letter.odt", "zeta.log", "Alpha.txt", "bad?name.txt"},
	})
	v := h.fw.view
	if v.limit.Text != "Up to 150 MB per transfer" {
		t.Errorf("limit = %q", v.limit.Text)
	}
	// Folders first, then by name regardless of case.
	if got := entryNames(v.local); !slices.Equal(got, []string{"archive", "Projects", "notes.txt"}) {
		t.Errorf("local = %v", got)
	}
	if got := entryNames(v.remote); !slices.Equal(got, []string{"Documents", "Alpha.txt", "zeta.log"}) {
		t.Errorf("remote = %v", got)
	}
	if v.local.path.Text != h.local || v.remote.path.Text != h.cust {
		t.Errorf("paths %q %q, want %q %q", v.local.path.Text, v.remote.path.Text, h.local, h.cust)
	}
	// A name the engine refuses to handle is left out, and said so.
	if want := "3 items (1 item not shown: the name cannot be transferred)"; v.remote.footer.Text != want {
		t.Errorf("remote footer %q, want %q", v.remote.footer.Text, want)
	}
	if !v.remote.upBtn.Disabled() {
		t.Error("Up is enabled at the customer's folder")
	}
	if !v.sendBtn.Disabled() || !v.getBtn.Disabled() {
		t.Error("an arrow is enabled with nothing selected")
	}

	// Double-click opens a folder on the customer's side.
	test.DoubleTap(h.row(v.remote, "Documents"))
	h.idle("Documents")
	if got := entryNames(v.remote); !slices.Equal(got, []string{"Old", "letter.odt"}) {
		t.Errorf("Documents = %v", got)
	}
	if want := h.cust + "/Documents"; v.remote.path.Text != want {
		t.Errorf("path %q, want %q", v.remote.path.Text, want)
	}
	test.DoubleTap(h.row(v.remote, "letter.odt")) // a file does not open
	h.idle("nothing")
	if h.fw.remote.dir != "Documents" {
		t.Errorf("a double-click on a file opened %q", h.fw.remote.dir)
	}
	test.Tap(v.remote.upBtn)
	h.idle("the customer's folder again")
	if h.fw.remote.dir != "" || !v.remote.upBtn.Disabled() {
		t.Errorf("Up went to %q", h.fw.remote.dir)
	}

	// The keyboard on the CSR's side: arrows, Enter opens, Backspace goes up.
	v.local.focus()
	v.local.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyHome})
	v.local.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if got := selectedNames(v.local); !slices.Equal(got, []string{"Projects"}) {
		t.Fatalf("after Home, Down: %v", got)
	}
	if v.sendBtn.Disabled() {
		t.Error("Send is disabled with a selection")
	}
	v.local.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.idle("Projects")
	if want := filepath.Join(h.local, "Projects"); v.local.path.Text != want || !slices.Equal(entryNames(v.local), []string{"plan.md"}) {
		t.Errorf("Enter opened %q: %v", v.local.path.Text, entryNames(v.local))
	}
	v.local.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	h.idle("home")
	if v.local.path.Text != h.local {
		t.Errorf("Backspace went to %q", v.local.path.Text)
	}

	// Refresh shows what changed meanwhile and keeps the selection.
	h.pick(v.remote, "zeta.log")
	makeTree(t, h.cust, "new.txt")
	test.Tap(v.remote.refreshBtn)
	h.idle("the refresh")
	if got := entryNames(v.remote); !slices.Equal(got, []string{"Documents", "Alpha.txt", "new.txt", "zeta.log"}) {
		t.Errorf("after refresh: %v", got)
	}
	if got := selectedNames(v.remote); !slices.Equal(got, []string{"zeta.log"}) {
		t.Errorf("selection after refresh: %v", got)
	}

	// A folder that cannot be read says why.
	if err := os.Chmod(filepath.Join(h.local, "archive"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(h.local, "archive"), 0o755)
	if os.Geteuid() != 0 { // root reads anything
		test.DoubleTap(h.row(v.local, "archive"))
		h.idle("archive")
		if !strings.HasPrefix(v.local.message.Text, "This folder cannot be shown: ") || !v.local.message.Visible() {
			t.Errorf("unreadable folder: %q", v.local.message.Text)
		}
	}
}

// The selection works as in a file manager.
func TestFilesSelection(t *testing.T) {
	test.NewTempApp(t)
	p := newFilePane("My Computer", "Send", func() {})
	var es []filetransfer.DirEntry
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		es = append(es, filetransfer.DirEntry{Name: n, Size: 1})
	}
	p.SetEntries(es, 0)
	const ctrl, shift = fyne.KeyModifierControl, fyne.KeyModifierShift
	for _, c := range []struct {
		what  string
		do    func()
		want  string
		after string // the footer
	}{
		{"a click selects one", func() { p.click(1, 0) }, "b", "1 of 5 items selected: 1 file (1 byte)"},
		{"another click selects another", func() { p.click(3, 0) }, "d", ""},
		{"Ctrl-click adds", func() { p.click(0, ctrl) }, "ad", "2 of 5 items selected: 2 files (2 bytes)"},
		{"Ctrl-click again removes", func() { p.click(3, ctrl) }, "a", ""},
		// As in Explorer, a Ctrl-click moves the anchor even when it removes.
		{"Shift-click selects from the last click", func() { p.click(2, shift) }, "cd", ""},
		{"Shift-click again moves the end", func() { p.click(1, shift) }, "bcd", ""},
		{"Ctrl-Shift adds a range", func() { p.click(4, 0); p.click(0, ctrl); p.click(1, ctrl|shift) }, "abe", ""},
		{"Down moves and selects", func() { p.moveCursor(p.cursor+1, false) }, "c", ""},
		{"Shift-Down extends", func() { p.moveCursor(p.cursor+1, true); p.moveCursor(p.cursor+1, true) }, "cde", ""},
		{"Down at the end stays", func() { p.moveCursor(p.cursor+1, false) }, "e", ""},
		{"Space toggles", func() { p.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace}) }, "", "5 items"},
		{"Ctrl+A selects all", func() { p.list.TypedShortcut(&fyne.ShortcutSelectAll{}) }, "abcde", ""},
		{"Escape clears", func() { p.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) }, "", ""},
		{"Shift held on the keyboard extends", func() {
			p.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyHome})
			p.list.KeyDown(&fyne.KeyEvent{Name: "LeftShift"})
			p.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
			p.list.KeyUp(&fyne.KeyEvent{Name: "LeftShift"})
		}, "ab", ""},
	} {
		c.do()
		if got := strings.Join(selectedNames(p), ""); got != c.want {
			t.Errorf("%s: selected %q, want %q", c.what, got, c.want)
		}
		if c.after != "" && p.footer.Text != c.after {
			t.Errorf("%s: footer %q, want %q", c.what, p.footer.Text, c.after)
		}
	}
	// A refresh keeps what is still there selected.
	p.SetEntries(es[1:], 0)
	if got := strings.Join(selectedNames(p), ""); got != "b" {
		t.Errorf("after a refresh without a: %q", got)
	}
}

// ---- New Folder, Rename, Delete ---------------------------------------------

func TestFilesNewRenameDelete(t *testing.T) {
	h := newFilesHarness(t, filesOptions{
		local: []string{"draft.txt", "old/", "old/a.txt", "old/b/c.txt"},
		cust:  []string{"report.txt", "Logs/", "Logs/app.log", "Logs/2026/x.log", "keep.txt"},
	})
	v := h.fw.view
	for _, side := range []struct {
		name string
		pane *filePane
		dir  string
		// what sits in each side's folder
		file, folder string
		// the question for deleting folder
		where string
	}{
		{"mine", v.local, h.local, "draft.txt", "old", "your computer"},
		{"the customer's", v.remote, h.cust, "report.txt", "Logs", "the customer's computer"},
	} {
		p, dir := side.pane, side.dir
		// New Folder with the button.
		test.Tap(p.newBtn)
		h.typeName("Invoices")
		h.button("Create")
		h.statusMatches(`^Created the folder “Invoices” in .+\.$`)
		if fi, err := os.Stat(filepath.Join(dir, "Invoices")); err != nil || !fi.IsDir() {
			t.Fatalf("%s: no folder Invoices: %v", side.name, err)
		}
		if got := selectedNames(p); !slices.Equal(got, []string{"Invoices"}) {
			t.Errorf("%s: the new folder is not selected: %v", side.name, got)
		}
		// New Folder from the menu under the rows, with a name taken.
		h.menu(p, "", "New Folder…")
		h.typeName(side.file)
		h.button("Create")
		h.statusMatches(fmt.Sprintf(`^The folder “%s” was not created: something with that name is already there\.$`, regexp.QuoteMeta(side.file)))

		// Rename with the button.
		h.pick(p, side.file)
		test.Tap(p.renameBtn)
		h.typeName("renamed.txt")
		h.button("Rename")
		h.statusMatches(fmt.Sprintf(`^Renamed “%s” to “renamed\.txt” in .+\.$`, regexp.QuoteMeta(side.file)))
		if !exists(filepath.Join(dir, "renamed.txt")) || exists(filepath.Join(dir, side.file)) {
			t.Errorf("%s: not renamed on disk", side.name)
		}
		if got := selectedNames(p); !slices.Equal(got, []string{"renamed.txt"}) {
			t.Errorf("%s: the renamed file is not selected: %v", side.name, got)
		}
		// Rename from the right-click menu; and a name that would move is
		// refused in the dialog, before anything is asked.
		h.menu(p, "Invoices", "Rename…")
		h.typeName("a/b")
		h.button("Rename")
		if h.fw.busy || exists(filepath.Join(dir, "a")) {
			t.Fatalf("%s: a name with a slash was tried", side.name)
		}
		h.typeName("Paid")
		h.button("Rename")
		h.statusMatches(`^Renamed “Invoices” to “Paid” in .+\.$`)
		if !exists(filepath.Join(dir, "Paid")) {
			t.Errorf("%s: Paid is missing", side.name)
		}

		// Delete a folder with things in it from the menu: the question
		// says it is a folder, and Cancel keeps it.
		h.menu(p, side.folder, "Delete…")
		if q := h.dialogText(); !strings.Contains(q, fmt.Sprintf("Delete “%s” from %s? It is a folder: everything in it is deleted too. This cannot be undone.", side.folder, side.where)) {
			t.Errorf("%s: question %q", side.name, q)
		}
		h.button("Cancel")
		if !exists(filepath.Join(dir, side.folder)) {
			t.Fatalf("%s: cancelled delete deleted", side.name)
		}
		h.menu(p, side.folder, "Delete…")
		h.button("Delete")
		h.statusMatches(fmt.Sprintf(`^Deleted “%s” from .+\.$`, side.folder))
		if exists(filepath.Join(dir, side.folder)) {
			t.Errorf("%s: %s is still there", side.name, side.folder)
		}
		// Several at once with the button.
		h.pick(p, "Paid", "renamed.txt")
		test.Tap(p.deleteBtn)
		if q := h.dialogText(); !strings.Contains(q, "Delete these 2 items from "+side.where+"? One of them is a folder") {
			t.Errorf("%s: question %q", side.name, q)
		}
		h.button("Delete")
		h.statusMatches(`^Deleted 2 items from .+\.$`)
		if exists(filepath.Join(dir, "Paid")) || exists(filepath.Join(dir, "renamed.txt")) {
			t.Errorf("%s: not deleted", side.name)
		}
	}
	if got := entryNames(v.remote); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("the customer's folder shows %v", got)
	}
}

// The customer may refuse a change; the window says so.
func TestFilesCustomerRefuses(t *testing.T) {
	h := newFilesHarness(t, filesOptions{
		local: []string{"patch.bin"},
		cust:  []string{"precious.doc"},
		allow: func(_ context.Context, r filetransfer.Request) error {
			return fmt.Errorf("%w: the customer clicked No", filetransfer.ErrDenied)
		},
	})
	v := h.fw.view
	h.pick(v.remote, "precious.doc")
	test.Tap(v.remote.deleteBtn)
	h.button("Delete")
	h.statusMatches(`^“precious\.doc” was not deleted: the customer did not allow it\.$`)
	if !exists(filepath.Join(h.cust, "precious.doc")) {
		t.Fatal("deleted anyway")
	}
	h.pick(v.local, "patch.bin")
	test.Tap(v.sendBtn)
	h.statusMatches(`^The customer did not allow this transfer\.$`)
	if exists(filepath.Join(h.cust, "patch.bin")) {
		t.Fatal("sent anyway")
	}
	if v.status.Importance != widget.DangerImportance {
		t.Error("a refusal is not shown as one")
	}
}

// ---- Transfers --------------------------------------------------------------

func TestFilesPutAndGet(t *testing.T) {
	h := newFilesHarness(t, filesOptions{
		local: []string{"one.txt", "two.txt", "three.txt", "tree/", "tree/a.txt", "tree/sub/b.txt", "tree/empty/"},
		cust:  []string{"Inbox/", "logs/", "logs/app.log", "logs/old/app.1.log", "crash.dmp"},
	})
	v := h.fw.view
	test.DoubleTap(h.row(v.remote, "Inbox"))
	h.idle("Inbox")
	// Ctrl-click and Shift-click: one.txt, three.txt (Ctrl), and tree.
	h.click(v.local, "tree", 0)
	h.click(v.local, "one.txt", fyne.KeyModifierControl)
	h.click(v.local, "three.txt", fyne.KeyModifierControl)
	if got := selectedNames(v.local); !sameSet(got, []string{"tree", "one.txt", "three.txt"}) {
		t.Fatalf("selected %v", got)
	}
	test.Tap(v.sendBtn)
	if !v.sendBtn.Disabled() || !v.local.newBtn.Disabled() || !v.remote.deleteBtn.Disabled() || !v.endBtn.Disabled() {
		t.Error("actions stay enabled during the transfer")
	}
	if !v.progress.Visible() || v.abortBtn.Disabled() {
		t.Error("no progress with Abort Transfer")
	}
	h.statusMatches(`^Sent 4 files in 3 folders \(\d+ bytes\) to ` + regexp.QuoteMeta(h.cust+"/Inbox") + ` in \d+\.\d s\.$`)
	for _, f := range []string{"one.txt", "three.txt", "tree/a.txt", "tree/sub/b.txt"} {
		if got := readFile(t, filepath.Join(h.cust, "Inbox", f)); got != f {
			t.Errorf("Inbox/%s = %q", f, got)
		}
	}
	if fi, err := os.Stat(filepath.Join(h.cust, "Inbox", "tree", "empty")); err != nil || !fi.IsDir() {
		t.Errorf("the empty folder did not arrive: %v", err)
	}
	if exists(filepath.Join(h.cust, "Inbox", "two.txt")) {
		t.Error("an unselected file was sent")
	}
	if got := entryNames(v.remote); !slices.Equal(got, []string{"tree", "one.txt", "three.txt"}) {
		t.Errorf("the customer's pane shows %v after the transfer", got)
	}
	if v.progress.Visible() {
		t.Error("the progress stays after the transfer")
	}

	// Get: a folder tree and a file (Shift-click, then Ctrl-click one
	// off), from the right-click menu.
	test.Tap(v.remote.upBtn)
	h.idle("up")
	h.click(v.remote, "Inbox", 0)
	h.click(v.remote, "crash.dmp", fyne.KeyModifierShift)
	if got := selectedNames(v.remote); !sameSet(got, []string{"logs", "Inbox", "crash.dmp"}) {
		t.Fatalf("Shift-click selected %v", got)
	}
	h.click(v.remote, "Inbox", fyne.KeyModifierControl)
	h.menu(v.remote, "crash.dmp", "Get to My Computer")
	h.statusMatches(`^Received 3 files in 2 folders \(\d+ bytes\) into ` + regexp.QuoteMeta(h.local) + ` in \d+\.\d s\.$`)
	for _, f := range []string{"crash.dmp", "logs/app.log", "logs/old/app.1.log"} {
		if got := readFile(t, filepath.Join(h.local, f)); got != f {
			t.Errorf("%s = %q", f, got)
		}
	}
	if exists(filepath.Join(h.local, "Inbox")) {
		t.Error("an unselected folder arrived")
	}
	if !slices.Contains(entryNames(v.local), "crash.dmp") {
		t.Errorf("the CSR's pane shows %v after the transfer", entryNames(v.local))
	}
}

// The bars follow the engine's progress, file by file and overall.
func TestFilesProgress(t *testing.T) {
	h := newFilesHarness(t, filesOptions{})
	big := bytes.Repeat([]byte("lifeline"), 512<<10) // 4 MiB
	for _, n := range []string{"a.bin", "b.bin"} {
		if err := os.WriteFile(filepath.Join(h.local, n), big, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test.Tap(h.fw.view.local.refreshBtn)
	h.idle("refresh")
	h.remote.conns[0].delay.Store(int64(2 * time.Millisecond)) // 16 KiB chunks: about 1 s per file
	v := h.fw.view
	h.pick(v.local, "a.bin", "b.bin")
	test.Tap(v.sendBtn)
	var seen []string // the file lines shown while the first file was on its way
	h.eventually("the second file under way", func() bool {
		if v.fileBar.Value > 0 && v.fileBar.Value < 1 && v.overallBar.Value < 0.5 {
			seen = append(seen, v.fileText)
		}
		return strings.HasPrefix(v.fileText, "b.bin") && v.overallBar.Value > 0.5 && v.overallBar.Value < 1
	})
	if !slices.ContainsFunc(seen, regexp.MustCompile(`^a\.bin — [\d.]+ [KM]B of 4 MB \(\d+%\)$`).MatchString) {
		t.Errorf("the first file's progress was not shown: %q", seen)
	}
	if !regexp.MustCompile(`^[\d.]+ MB of 8 MB \(\d+%\)$`).MatchString(v.overallText) {
		t.Errorf("overall %q", v.overallText)
	}
	h.remote.conns[0].delay.Store(0)
	h.statusMatches(`^Sent 2 files \(8 MB\) to .+ in \d+\.\d s\.$`)
}

// Abort Transfer stops the engine, which deletes the partial file.
func TestFilesAbort(t *testing.T) {
	h := newFilesHarness(t, filesOptions{cust: []string{"big/"}})
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	if err := os.WriteFile(filepath.Join(h.local, "disk.img"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.cust, "big", "huge.iso"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.fw.view.local.refreshBtn)
	h.idle("refresh")
	v := h.fw.view
	for _, c := range []struct {
		what    string
		slow    *slowConn
		pane    *filePane
		name    string
		arrow   *widget.Button
		dest    string
		partial string
		want    string
	}{
		{"put", h.remote.conns[0], v.local, "disk.img", v.sendBtn, h.cust, "disk.img", `^Aborted; nothing was kept\.$`},
		{"get", h.remote.conns[1], v.remote, "big", v.getBtn, h.local, "big/huge.iso",
			`^Aborted; no file was kept, only the empty folders the transfer had created\.$`},
	} {
		c.slow.delay.Store(int64(2 * time.Millisecond))
		h.pick(c.pane, c.name)
		test.Tap(c.arrow)
		h.eventually(c.what+" under way", func() bool { return v.fileBar.Value > 0.05 })
		test.Tap(v.abortBtn)
		if !v.abortBtn.Disabled() || !strings.HasPrefix(v.fileText, "Aborting") {
			t.Errorf("%s: Abort Transfer was not taken: %q", c.what, v.fileText)
		}
		h.statusMatches(c.want)
		c.slow.delay.Store(0)
		for _, p := range []string{c.partial, c.partial + ".lifeline-part", c.partial + ".lifeline-state"} {
			if exists(filepath.Join(c.dest, p)) {
				t.Errorf("%s: %s was kept", c.what, p)
			}
		}
		if v.progress.Visible() || v.sendBtn.Disabled() == (len(v.local.sel) > 0) {
			t.Errorf("%s: the window did not come back from the abort", c.what)
		}
	}
}

// A selection over the limit is refused before anything is sent.
func TestFilesTooLarge(t *testing.T) {
	h := newFilesHarness(t, filesOptions{max: 2 << 20, cust: []string{"dump/"}})
	if err := os.WriteFile(filepath.Join(h.local, "video.mp4"), make([]byte, mb(2.1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.cust, "dump", "core"), make([]byte, mb(2.5)), 0o644); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.fw.view.local.refreshBtn)
	h.idle("refresh")
	v := h.fw.view
	if v.limit.Text != "Up to 2 MB per transfer" {
		t.Errorf("limit %q", v.limit.Text)
	}
	h.pick(v.local, "video.mp4")
	test.Tap(v.sendBtn)
	h.statusMatches(`^Refused: the transfer is 2\.1 MB, more than the 2 MB allowed\.$`)
	if n := h.remote.puts.Load(); n != 0 {
		t.Errorf("Put was called %d times", n)
	}
	// The customer's side refuses a folder too large to fetch.
	h.pick(v.remote, "dump")
	test.Tap(v.getBtn)
	h.statusMatches(`^Refused: the transfer is 2\.5 MB; at most 2\.0 MB are allowed per transfer\.$`)
	if exists(filepath.Join(h.local, "dump")) {
		t.Error("the refused folder was created")
	}
}

// What exists is not replaced, and an unsafe name is refused, each with
// its sentence.
func TestFilesRefusedNames(t *testing.T) {
	h := newFilesHarness(t, filesOptions{
		local: []string{"same.txt", "clash.txt", "trailing-dot."},
		cust:  []string{"same.txt", "clash.txt/", "conflict.log"},
	})
	v := h.fw.view
	// Different content under the same name on the other side.
	if err := os.WriteFile(filepath.Join(h.local, "conflict.log"), []byte("the CSR's own"), 0o644); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.local.refreshBtn)
	h.idle("refresh")
	for _, c := range []struct {
		what  string
		pane  *filePane
		pick  string
		arrow *widget.Button
		want  string
	}{
		{"a folder in the way", v.local, "clash.txt", v.sendBtn,
			`^Nothing was sent: “clash\.txt” is already in ` + regexp.QuoteMeta(h.cust) + `\. Delete or rename it there, or choose another folder\.$`},
		{"a different file", v.remote, "conflict.log", v.getBtn,
			`^Nothing was received: “conflict\.log” is already in ` + regexp.QuoteMeta(h.local) + `\. Delete or rename it there, or choose another folder\.$`},
		{"a name Windows cannot hold", v.local, "trailing-dot.", v.sendBtn,
			`^Nothing was sent: the name “trailing-dot\.” was refused, .+\.$`},
	} {
		h.pick(c.pane, c.pick)
		test.Tap(c.arrow)
		h.statusMatches(c.want)
		if v.status.Importance != widget.DangerImportance {
			t.Errorf("%s: not shown as a failure", c.what)
		}
	}
	if got := readFile(t, filepath.Join(h.local, "conflict.log")); got != "the CSR's own" {
		t.Errorf("the CSR's file was replaced: %q", got)
	}
	// The same file on both sides is no conflict: nothing is resent.
	h.pick(v.local, "same.txt")
	test.Tap(v.sendBtn)
	h.statusMatches(`^Sent 1 file \(8 bytes\) to .+\. Already there and not sent again: 8 bytes\.$`)
}

// The customer pressing Stop ends the file transfer: the window says so
// and the customer's side is disabled; closing the window ends file
// transfer on the customer's side.
func TestFilesCustomerStops(t *testing.T) {
	h := newFilesHarness(t, filesOptions{local: []string{"a.txt"}, cust: []string{"b.txt"}})
	v := h.fw.view
	h.pick(v.local, "a.txt")
	h.pick(v.remote, "b.txt")
	h.remote.stop(errors.New("the customer pressed Stop"))
	h.eventually("the end", func() bool { return v.remote.off })
	want := "File transfer has ended: the customer pressed Stop."
	if !strings.HasPrefix(v.remote.message.Text, want) || !v.remote.message.Visible() || h.status() != want {
		t.Errorf("pane %q, status %q", v.remote.message.Text, h.status())
	}
	for _, b := range []*widget.Button{v.sendBtn, v.getBtn, v.remote.newBtn, v.remote.refreshBtn, v.remote.upBtn, v.remote.renameBtn, v.remote.deleteBtn} {
		if !b.Disabled() {
			t.Errorf("%q is enabled after the end", b.Text)
		}
	}
	if len(v.remote.Entries()) != 0 {
		t.Error("the customer's files are still shown")
	}
	// The CSR's side still works.
	if v.local.newBtn.Disabled() || v.endBtn.Disabled() {
		t.Error("the CSR's side is disabled")
	}
	test.Tap(v.endBtn)
	h.eventually("the window closed", func() bool { return filesWindowOf(h.su) == nil && h.fw.closed })
	h.background("Files.Close", func() error {
		for !h.remote.closed.Load() {
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	})
}

// When the session ends, its window closes without a question and file
// transfer ends on the customer's side too.
func TestFilesSessionEnds(t *testing.T) {
	h := newFilesHarness(t, filesOptions{local: []string{"a.txt"}})
	h.u.closeFileTransfer(h.su)
	if !h.fw.closed || filesWindowOf(h.su) != nil {
		t.Fatal("the window stays open")
	}
	h.background("Files.Close", func() error {
		for !h.remote.closed.Load() {
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	})
	h.u.closeFileTransfer(h.su) // nothing left to close
}

// Closing the window during a transfer asks first, then aborts it and
// ends file transfer.
func TestFilesCloseDuringTransfer(t *testing.T) {
	h := newFilesHarness(t, filesOptions{})
	if err := os.WriteFile(filepath.Join(h.local, "disk.img"), make([]byte, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.fw.view.local.refreshBtn)
	h.idle("refresh")
	h.remote.conns[0].delay.Store(int64(2 * time.Millisecond))
	v := h.fw.view
	h.pick(v.local, "disk.img")
	test.Tap(v.sendBtn)
	h.eventually("under way", func() bool { return v.fileBar.Value > 0 })
	h.u.endFileTransfer(h.fw) // as the window's close button does
	if q := h.dialogText(); !strings.Contains(q, "A transfer is running. End file transfer and abort it?") {
		t.Fatalf("question %q", q)
	}
	h.button("Abort and End")
	h.background("the abort and Files.Close", func() error {
		for !h.remote.closed.Load() {
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	})
	h.remote.conns[0].delay.Store(0)
	// The engine deletes the partial file once it hears of the abort (or
	// the connection drops, and the engine keeps it for a resume — but
	// then no whole file is there either).
	h.background("no file", func() error {
		if exists(filepath.Join(h.cust, "disk.img")) {
			return errors.New("disk.img arrived although the transfer was aborted")
		}
		return nil
	})
}

// ---- Through the controller, with a real agent ------------------------------

// The window on a real session: the customer is asked (a no is said as
// such), then files go both ways through the controller, the server and
// the agent, and the customer's Stop disables their side.
func TestFilesRealAgent(t *testing.T) {
	h := newHarness(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	makeTree(t, home, "patch.txt", "tools/", "tools/fix.sh")
	su := h.started()
	cust := testcustomer.Join(t, h.ts, su.s.Number())
	makeTree(t, cust.Home, "from-ann.log", "Documents/")
	h.eventually("the customer", func() bool { return !su.view.viewBtn.Disabled() })

	// No answer from the customer's list is a no.
	h.u.openFileTransfer(su)
	h.eventually("the refusal", func() bool {
		return overlayHas(h.u.win.Canvas().Overlays().Top(), "The customer did not allow file transfer.")
	})
	if got := cust.LastAsked(); got.Action != protocol.ActionFiles {
		t.Fatalf("the customer was asked %+v", got)
	}
	test.Tap(h.dialogButton("OK"))
	if filesWindowOf(su) != nil {
		t.Fatal("a window opened although the customer said no")
	}

	cust.Answer(consent.AllowOnce)
	h.u.openFileTransfer(su)
	h.eventually("the window", func() bool { return filesWindowOf(su) != nil })
	fh := &filesHarness{harness: h, fw: filesWindowOf(su), su: su, local: home, cust: cust.Home}
	fh.idle("the listings")
	v := fh.fw.view
	if !strings.HasPrefix(fh.fw.win.Title(), "File Transfer — "+spaced(su.s.Number())) {
		t.Errorf("title %q", fh.fw.win.Title())
	}
	if v.remote.path.Text != cust.Home || !slices.Equal(entryNames(v.remote), []string{"Documents", "from-ann.log"}) {
		t.Fatalf("the customer's side shows %q: %v", v.remote.path.Text, entryNames(v.remote))
	}
	if v.limit.Text != "Up to "+byteSize(filetransfer.DefaultMaxTotalBytes)+" per transfer" {
		t.Errorf("limit %q", v.limit.Text)
	}
	// Opening again brings the same window forward.
	h.u.openFileTransfer(su)
	if filesWindowOf(su) != fh.fw {
		t.Fatal("a second window")
	}

	test.DoubleTap(fh.row(v.remote, "Documents"))
	fh.idle("Documents")
	fh.pick(v.local, "patch.txt", "tools")
	test.Tap(v.sendBtn)
	fh.statusMatches(`^Sent 2 files in 1 folder \(\d+ bytes\) to ` + regexp.QuoteMeta(filepath.Join(cust.Home, "Documents")) + ` in [\d.]+ s\.$`)
	for _, f := range []string{"patch.txt", "tools/fix.sh"} {
		if got := readFile(t, filepath.Join(cust.Home, "Documents", f)); got != f {
			t.Errorf("the customer's %s = %q", f, got)
		}
	}
	test.Tap(v.remote.upBtn)
	fh.idle("up")
	fh.pick(v.remote, "from-ann.log")
	test.Tap(v.getBtn)
	fh.statusMatches(`^Received 1 file \(12 bytes\) into ` + regexp.QuoteMeta(home) + ` in [\d.]+ s\.$`)
	if got := readFile(t, filepath.Join(home, "from-ann.log")); got != "from-ann.log" {
		t.Errorf("fetched %q", got)
	}
	fh.menu(v.remote, "", "New Folder…")
	fh.typeName("Logs for Carol")
	fh.button("Create")
	fh.statusMatches(`^Created the folder “Logs for Carol” in ` + regexp.QuoteMeta(cust.Home) + `\.$`)
	if fi, err := os.Stat(filepath.Join(cust.Home, "Logs for Carol")); err != nil || !fi.IsDir() {
		t.Errorf("no folder on the customer's computer: %v", err)
	}

	// The customer presses Stop.
	cust.Agent.Stop()
	h.eventually("the end of file transfer", func() bool { return v.remote.off })
	if !strings.HasPrefix(v.remote.message.Text, "File transfer has ended: ") || !v.getBtn.Disabled() || !v.remote.newBtn.Disabled() {
		t.Errorf("after Stop: %q", v.remote.message.Text)
	}
	test.Tap(v.endBtn)
	h.eventually("the window closed", func() bool { return filesWindowOf(su) == nil })
}

// ---- The screenshot ---------------------------------------------------------

// filesScene stages the File Transfer window for the documentation
// (docs/screenshots/console-files.png): a customer's home, the CSR's
// Downloads with two files selected, and their transfer under way; then
// shoot takes the picture. on runs f on the UI thread and waits; until
// waits there for cond. The screenshots' play runs it on a real display
// with su a live session; TestFilesScene keeps it working.
func filesScene(u *ui, su *sessionUI, tb testing.TB, on func(func()), until func(string, func() bool) error, shoot func(string) error) error {
	home, cust := tb.TempDir(), tb.TempDir()
	for _, f := range []struct {
		dir, name string
		size      int
	}{
		{home, "Downloads/printer-driver-5.2.deb", int(mb(12.4))},
		{home, "Downloads/fix-spooler.sh", 1_843},
		{home, "Downloads/network-check.ps1", 6_120},
		{home, "Downloads/Support Tools/readme.txt", 900},
		{cust, "Documents/letter.odt", 31_000},
		{cust, "Pictures/scan-0001.png", int(mb(2.3))},
		{cust, "Desktop/todo.txt", 120},
		{cust, "cups-error.log", 48_210},
		{cust, "printer-setup.pdf", int(mb(1.2))},
	} {
		p := filepath.Join(f.dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, f.size), 0o644); err != nil {
			return err
		}
	}
	r := newPipeRemote(tb, cust, filetransfer.DefaultMaxTotalBytes, nil)
	r.shown = "/home/ana"
	title := "File Transfer — 482 913 077 — Ann Smith"
	if su.s != nil {
		title = "File Transfer — " + tabTitle(su.s.State(), 0)
	}
	var fw *filesWindow
	on(func() {
		fw = u.showFileTransfer(su, title, r)
		u.browse(fw, fw.local, filepath.Join(home, "Downloads"))
	})
	if err := until("the listings", func() bool {
		return len(fw.view.local.Entries()) == 4 && len(fw.view.remote.Entries()) == 5
	}); err != nil {
		return err
	}
	on(func() {
		fw.view.local.click(slices.IndexFunc(fw.view.local.Entries(), func(e filetransfer.DirEntry) bool { return e.Name == "fix-spooler.sh" }), 0)
		fw.view.local.click(slices.IndexFunc(fw.view.local.Entries(), func(e filetransfer.DirEntry) bool { return e.Name == "printer-driver-5.2.deb" }), fyne.KeyModifierControl)
		r.conns[0].delay.Store(int64(3 * time.Millisecond)) // about 2 s for the 12.4 MB
		fw.view.OnSend()
	})
	if err := until("the transfer under way", func() bool { return fw.view.overallBar.Value > 0.3 }); err != nil {
		return err
	}
	if err := shoot("console-files.png"); err != nil {
		return err
	}
	r.conns[0].delay.Store(0)
	if err := until("the transfer done", func() bool { return !fw.busy }); err != nil {
		return err
	}
	on(func() { u.closeFiles(fw) })
	return nil
}

func TestFilesScene(t *testing.T) {
	h := newFilesHarness(t, filesOptions{})
	h.u.closeFiles(h.fw) // the scene opens its own
	su := &sessionUI{}
	var shot []string
	err := filesScene(h.u, su, t, func(f func()) { f() }, func(what string, cond func() bool) error {
		h.eventually(what, cond)
		return nil
	}, func(name string) error {
		v := filesWindowOf(su).view
		if !v.progress.Visible() || !strings.HasPrefix(v.fileText, "printer-driver-5.2.deb — ") || len(v.local.sel) != 2 {
			t.Errorf("the scene shows %q, %d selected", v.fileText, len(v.local.sel))
		}
		shot = append(shot, name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shot, []string{"console-files.png"}) {
		t.Fatalf("shots %v", shot)
	}
	if filesWindowOf(su) != nil {
		t.Error("the scene left its window open")
	}
}

// ---- Sentences --------------------------------------------------------------

func TestTransferSentences(t *testing.T) {
	put := transfer{put: true, dest: "/home/ana/Documents"}
	get := transfer{dest: "/home/carol/Downloads"}
	ok := filetransfer.Result{Files: 3, Total: mb(12.4)}
	for _, c := range []struct {
		what      string
		t         transfer
		res       filetransfer.Result
		err       error
		took      time.Duration
		pressed   bool
		completed int
		want      string
		bad       bool
	}{
		{"sent", put, ok, nil, 2100 * time.Millisecond, false, 3, "Sent 3 files (12.4 MB) to /home/ana/Documents in 2.1 s.", false},
		{"received with folders", get, filetransfer.Result{Files: 1, Dirs: 2, Total: 999}, nil, 75 * time.Second, false, 0,
			"Received 1 file in 2 folders (999 bytes) into /home/carol/Downloads in 1 min 15 s.", false},
		{"resumed and skipped", put, filetransfer.Result{Files: 2, Total: 3 << 20, Resumed: 1 << 20,
			Skipped: []filetransfer.Skip{{Path: "tree/link", Reason: "it is a symbolic link, and links are never followed"}}}, nil, 12 * time.Second, false, 0,
			"Sent 2 files (3 MB) to /home/ana/Documents in 12 s. Already there and not sent again: 1 MB. " +
				"Left out 1 item, such as “tree/link”: it is a symbolic link, and links are never followed.", false},
		{"aborted", put, filetransfer.Result{}, fmt.Errorf("%w: %v", filetransfer.ErrAborted, errAbortPressed), time.Second, true, 0,
			"Aborted; nothing was kept.", false},
		{"aborted with folders", transfer{dest: "/tmp", folders: true}, filetransfer.Result{}, fmt.Errorf("%w: x", filetransfer.ErrAborted), time.Second, true, 0,
			"Aborted; no file was kept, only the empty folders the transfer had created.", false},
		{"aborted after two files", get, filetransfer.Result{}, fmt.Errorf("%w: x", filetransfer.ErrAborted), time.Second, true, 2,
			"Aborted; the 2 files that had arrived whole were kept, the partial one was deleted.", false},
		{"aborted while measuring", put, filetransfer.Result{}, context.Canceled, time.Second, true, 0, "Aborted; nothing was sent.", false},
		{"the customer aborted", put, filetransfer.Result{}, &filetransfer.RemoteError{Code: filetransfer.CodeAborted, Msg: "stop"}, time.Second, false, 0,
			"The customer stopped the transfer; partial files were deleted.", true},
		{"too large here", put, filetransfer.Result{}, &tooLargeError{size: 210 << 20, limit: 150 << 20}, 0, false, 0,
			"Refused: the transfer is 210 MB, more than the 150 MB allowed.", true},
		{"too large there", get, filetransfer.Result{}, &filetransfer.RemoteError{Code: filetransfer.CodeTooLarge,
			Msg: "transfer too large: the transfer is 210.0 MB; at most 150.0 MB are allowed per transfer"}, 0, false, 0,
			"Refused: the transfer is 210.0 MB; at most 150.0 MB are allowed per transfer.", true},
		{"denied", put, filetransfer.Result{}, &filetransfer.RemoteError{Code: filetransfer.CodeDenied, Msg: "denied: no"}, 0, false, 0,
			"The customer did not allow this transfer.", true},
		{"exists there", put, filetransfer.Result{}, &filetransfer.RemoteError{Code: filetransfer.CodeExists, Path: "a b.txt", Msg: "…"}, 0, false, 0,
			"Nothing was sent: “a b.txt” is already in /home/ana/Documents. Delete or rename it there, or choose another folder.", true},
		{"exists here", get, filetransfer.Result{}, fmt.Errorf("files: %w", fmt.Errorf("%w: %q already exists in the destination folder", filetransfer.ErrExists, "logs/app.log")), 0, false, 0,
			"Nothing was received: “logs/app.log” is already in /home/carol/Downloads. Delete or rename it there, or choose another folder.", true},
		{"unsafe here", put, filetransfer.Result{}, &filetransfer.PathError{Path: "CON.txt", Reason: "it is a reserved device name on Windows"}, 0, false, 0,
			"Nothing was sent: the name “CON.txt” was refused, it is a reserved device name on Windows.", true},
		{"unsafe there", get, filetransfer.Result{}, &filetransfer.RemoteError{Code: filetransfer.CodeUnsafePath, Path: "x:y",
			Msg: `refused "x:y": the character ':' is not allowed`}, 0, false, 0,
			"Nothing was received: the name “x:y” was refused, the character ':' is not allowed.", true},
		{"interrupted", put, filetransfer.Result{}, fmt.Errorf("%w: closed", filetransfer.ErrInterrupted), 0, false, 0,
			"The connection to the customer's computer was lost during the transfer. Files that arrived whole were kept; " +
				"start the same transfer again to go on where it stopped.", true},
		{"damaged", get, filetransfer.Result{}, fmt.Errorf("%w: a.txt", filetransfer.ErrChecksum), 0, false, 0,
			"A file arrived damaged (its SHA-256 did not match) and was deleted; start the transfer again.", true},
		{"gone", get, filetransfer.Result{}, &filetransfer.RemoteError{Code: filetransfer.CodeNotFound, Msg: `"old.log" does not exist`}, 0, false, 0,
			`Nothing was received: "old.log" does not exist. Refresh the folder.`, true},
		{"disk full", get, filetransfer.Result{}, fmt.Errorf("%w: could not write \"a\": no space left on device", filetransfer.ErrIO), 0, false, 0,
			`The transfer failed: could not write "a": no space left on device.`, true},
	} {
		msg, bad := transferSentence(c.t, c.res, c.err, c.took, c.pressed, c.completed)
		if msg != c.want || bad != c.bad {
			t.Errorf("%s:\n got %q (failure %v)\nwant %q (failure %v)", c.what, msg, bad, c.want, c.bad)
		}
	}
}

// The customer's side's refusals (code, path and message are its own,
// untrusted) always come out as a sentence, without a panic.
func FuzzTransferSentence(f *testing.F) {
	f.Add(uint8(filetransfer.CodeExists), "a.txt", "\"a.txt\" already exists", true)
	f.Add(uint8(filetransfer.CodeUnsafePath), "x:y", `refused "x:y": no`, false)
	f.Add(uint8(filetransfer.CodeTooLarge), "", "transfer too large: too large: ", true)
	f.Add(uint8(0), "", "\"", false)
	f.Add(uint8(filetransfer.CodeIO), "", ". ", false)
	f.Add(uint8(200), "\x00", "\xff\xfe", true)
	f.Fuzz(func(t *testing.T, code uint8, path, msg string, put bool) {
		err := fmt.Errorf("files: %w", &filetransfer.RemoteError{Code: filetransfer.Code(code), Path: path, Msg: msg})
		got, bad := transferSentence(transfer{put: put, dest: "/home/ana"}, filetransfer.Result{}, err, time.Second, false, 0)
		if !bad || !strings.HasSuffix(got, ".") {
			t.Fatalf("%q (failure %v)", got, bad)
		}
		if reasonWords(err, true) == "" || reasonWords(err, false) == "" {
			t.Fatalf("no reason for %q", msg)
		}
		conflictName(err)
	})
}

func TestFileWords(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 bytes"}, {1, "1 byte"}, {1023, "1023 bytes"}, {1024, "1 KB"}, {1843, "1.8 KB"}, {mb(12.4), "12.4 MB"},
		{150 << 20, "150 MB"}, {5 << 29, "2.5 GB"}} {
		if got := byteSize(c.n); got != c.want {
			t.Errorf("byteSize(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	for _, c := range []struct{ root, rel, want string }{
		{"/home/alice", "", "/home/alice"},
		{"/home/alice", "Documents/Old", "/home/alice/Documents/Old"},
		{"/", "etc", "/etc"},
		{`C:\Users\alice`, "Documents/Old", `C:\Users\alice\Documents\Old`},
		{`C:\`, "Temp", `C:\Temp`},
	} {
		if got := remoteDisplay(c.root, c.rel); got != c.want {
			t.Errorf("remoteDisplay(%q, %q) = %q, want %q", c.root, c.rel, got, c.want)
		}
	}
	one := []filetransfer.DirEntry{{Name: "a.txt"}}
	if q := deleteQuestion(one, "your computer"); q != "Delete “a.txt” from your computer? This cannot be undone." {
		t.Errorf("file: %q", q)
	}
	dirs := []filetransfer.DirEntry{{Name: "a", Kind: filetransfer.KindDir}, {Name: "b", Kind: filetransfer.KindDir}, {Name: "c"}}
	if q := deleteQuestion(dirs, "the customer's computer"); q != "Delete these 3 items from the customer's computer? 2 of them are folders: everything in them is deleted too. This cannot be undone." {
		t.Errorf("folders: %q", q)
	}
}

// ---- Goldens ----------------------------------------------------------------

func TestFilesViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newFilesView()
	v.local.loc, v.remote.loc = time.UTC, time.UTC
	v.SetLimit(150 << 20)
	size := fyne.NewSize(1100, 680)
	v.local.SetFolder("/home/carol", false)
	v.remote.SetFolder("/home/ana", true)
	v.local.SetEntries(nil, 0)
	v.remote.SetEntries(nil, 0)
	render(t, "files_empty.xml", v.content, size)

	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 5, 0, 0, time.UTC) }
	v.local.SetFolder("/home/carol/Downloads", false)
	v.local.SetEntries([]filetransfer.DirEntry{
		{Name: "printer-driver-5.2.deb", Size: mb(12.4), ModTime: at(21, 9)},
		{Name: "Tools", Kind: filetransfer.KindDir, ModTime: at(2, 14)},
		{Name: "fix-spooler.sh", Size: 1_843, ModTime: at(20, 16)},
	}, 0)
	v.remote.SetFolder("/home/ana/Documents", false)
	v.remote.SetEntries([]filetransfer.DirEntry{
		{Name: "cups-error.log", Size: 48_210, ModTime: at(22, 8)},
		{Name: "Scans", Kind: filetransfer.KindDir, ModTime: at(12, 11)},
		{Name: "budget.ods", Size: 88_000, ModTime: at(18, 10)},
	}, 1)
	v.local.click(1, 0)
	v.local.click(2, fyne.KeyModifierControl)
	render(t, "files_browsing.xml", v.content, size)

	v.SetBusy(true)
	v.StartTransfer("Sending 2 items to /home/ana/Documents", "Measuring the selection…")
	v.SetProgress(filetransfer.Progress{Path: "printer-driver-5.2.deb", FileDone: mb(5.1), FileSize: mb(12.4),
		Done: mb(5.1) + 1_843, Total: mb(12.4) + 1_843})
	v.SetStatus("Sending 2 items to /home/ana/Documents…", false)
	render(t, "files_transferring.xml", v.content, size)

	v.EndTransfer()
	v.SetBusy(false)
	v.SetStatus("Sent 2 files (12.4 MB) to /home/ana/Documents in 2.1 s.", false)
	render(t, "files_done.xml", v.content, size)

	v.SetRemoteEnded("File transfer has ended: the customer stopped it, or the connection was lost. " +
		"Close this window, or start file transfer again from the session.")
	v.SetStatus("File transfer has ended: the customer stopped it, or the connection was lost.", true)
	render(t, "files_ended.xml", v.content, size)
}
