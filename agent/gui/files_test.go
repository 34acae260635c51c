package gui

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
)

var published = []filetransfer.DirEntry{
	{Name: "report.pdf", Kind: filetransfer.KindFile, Size: 2_202_010}, // 2.1 MB
	{Name: "logs", Kind: filetransfer.KindDir},
	{Name: "gone.txt", Kind: filetransfer.KindOther},
}

// withHome gives the test a home folder with a Downloads folder, the
// default destination, and returns that.
func withHome(t *testing.T) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	dl := filepath.Join(home, "Downloads")
	if err := os.Mkdir(dl, 0o700); err != nil {
		t.Fatal(err)
	}
	return dl
}

// publishedUI is a joined window with published shown.
func publishedUI(t *testing.T) (*ui, *fakeAgent, *filesPanel) {
	t.Helper()
	withHome(t)
	u, ag := joinedUI(t)
	u.Show(session.Event{Kind: session.EventFiles, Files: published})
	if u.files == nil || !u.files.shown {
		t.Fatal("the File Transfer window did not open")
	}
	return u, ag, u.files
}

// rows is the list as shown: "[x] name (size)", with "(disabled)" for a
// box that cannot be ticked.
func rows(p *filesPanel) []string {
	var out []string
	for i, e := range p.entries {
		c := p.checks[i]
		box := "[ ]"
		if c.Checked {
			box = "[x]"
		}
		s := fmt.Sprintf("%s %s (%s)", box, e.Name, rowSize(p, i))
		if c.Disabled() {
			s += " (disabled)"
		}
		out = append(out, s)
	}
	return out
}

// rowSize is the size label of row i, read from the widgets.
func rowSize(p *filesPanel, i int) string {
	var labels []string
	for _, o := range test.LaidOutObjects(p.rows.Objects[i]) {
		if l, ok := o.(*widget.Label); ok {
			labels = append(labels, l.Text)
		}
	}
	return strings.Join(labels, ",")
}

// tapName taps the name of row i, which toggles its box.
func tapName(t *testing.T, p *filesPanel, i int) {
	t.Helper()
	for _, o := range test.LaidOutObjects(p.rows.Objects[i]) {
		if l, ok := o.(*tapLabel); ok {
			test.Tap(l)
			return
		}
	}
	t.Fatalf("row %d has no name to tap", i)
}

func setFolder(t *testing.T, p *filesPanel, dir string) {
	t.Helper()
	l, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	p.folderChosen(l, nil)
	if p.dest != dir || p.destLabel.Text != dir {
		t.Fatalf("folder %q, shown %q; want %q", p.dest, p.destLabel.Text, dir)
	}
}

func TestFilesWindowOpensWithTheList(t *testing.T) {
	downloads := withHome(t)
	u, _ := joinedUI(t)
	if u.filesBtn.Visible() {
		t.Fatal("File Transfer button shown before any file was published")
	}
	u.Show(session.Event{Kind: session.EventFiles, Files: []filetransfer.DirEntry{}})
	if u.files != nil {
		t.Fatal("an empty list opened the window")
	}
	u.Show(session.Event{Kind: session.EventFiles, From: "Carol", Files: append(slices.Clone(published),
		filetransfer.DirEntry{Name: "clear\x1b[2J", Kind: filetransfer.KindFile, Size: 1})})
	p := u.files
	if p == nil || !p.shown || p.win.Title() != "File Transfer — Lifeline" || !u.filesBtn.Visible() {
		t.Fatal("the File Transfer window is not on screen")
	}
	if p.intro.Text != "Carol shared these files with you. Select the ones you want, choose where to save them, and press Download." {
		t.Fatalf("intro %q", p.intro.Text)
	}
	want := []string{"[ ] report.pdf (2.1 MB)", "[ ] logs (folder)", "[ ] gone.txt (unavailable) (disabled)"}
	if got := rows(p); !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if !p.hiddenMsg.Visible() || p.hiddenMsg.String() != "1 published file is not shown because its name is not safe to use." {
		t.Fatalf("hidden names: %v %q", p.hiddenMsg.Visible(), p.hiddenMsg.String())
	}
	if p.dest != downloads || p.destLabel.Text != downloads {
		t.Fatalf("destination %q, want the Downloads folder %q", p.dest, downloads)
	}
	if p.summary.Text != "None of 3 selected" || !p.download.Disabled() || p.all.Checked {
		t.Fatalf("summary %q, Download disabled %v", p.summary.Text, p.download.Disabled())
	}
}

func TestFilesSelection(t *testing.T) {
	_, _, p := publishedUI(t)
	test.Tap(p.checks[0])
	if p.summary.Text != "1 of 3 selected (2.1 MB)" || !p.all.Partial || p.download.Disabled() {
		t.Fatalf("summary %q, partial %v, Download disabled %v", p.summary.Text, p.all.Partial, p.download.Disabled())
	}
	tapName(t, p, 1) // the name toggles its box too
	if got := rows(p); !slices.Equal(got, []string{"[x] report.pdf (2.1 MB)", "[x] logs (folder)", "[ ] gone.txt (unavailable) (disabled)"}) {
		t.Fatalf("rows %q", got)
	}
	// Everything that can be downloaded is selected: Select All is checked.
	if p.summary.Text != "2 of 3 selected (2.1 MB and 1 folder)" || !p.all.Checked || p.all.Partial {
		t.Fatalf("summary %q, all %v partial %v", p.summary.Text, p.all.Checked, p.all.Partial)
	}
	tapName(t, p, 2) // unavailable: nothing happens
	test.Tap(p.all)
	if got := p.names(); len(got) != 0 || !p.download.Disabled() || p.summary.Text != "None of 3 selected" {
		t.Fatalf("after Select All off: %q, %q", got, p.summary.Text)
	}
	test.Tap(p.all)
	if got := p.names(); !slices.Equal(got, []string{"report.pdf", "logs"}) {
		t.Fatalf("Select All selected %q", got)
	}
	test.Tap(p.checks[0])
	if p.summary.Text != "1 of 3 selected (1 folder)" {
		t.Fatalf("summary %q", p.summary.Text)
	}
}

func TestFilesDownload(t *testing.T) {
	u, ag, p := publishedUI(t)
	dir := t.TempDir()
	setFolder(t, p, dir)
	test.Tap(p.all)
	var during []string
	ag.download = func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
		progress(filetransfer.Progress{Path: "report.pdf", FileDone: 1_101_005, FileSize: 2_202_010, Done: 1_101_005, Total: 4_404_020})
		during = append(during,
			fmt.Sprintf("file %q %.2f", p.fileText.Text, p.fileBar.Value),
			fmt.Sprintf("total %q %.2f", p.totalText, p.totalBar.Value),
			fmt.Sprintf("download disabled %v, abort shown %v, folder disabled %v, boxes %q", p.download.Disabled(), p.abort.Visible(), p.choose.Disabled(), rows(p)))
		return filetransfer.Result{Files: 3, Dirs: 1, Bytes: 4_404_020, Total: 4_404_020}, nil
	}
	test.Tap(p.download)

	if want := []downloadCall{{[]string{"report.pdf", "logs"}, dir}}; !slices.EqualFunc(ag.downloads, want, sameCall) {
		t.Fatalf("downloads %q, want %q", ag.downloads, want)
	}
	wantDuring := []string{
		`file "report.pdf — 1.1 MB of 2.1 MB" 0.50`,
		`total "1.1 MB of 4.2 MB in all (25%)" 0.25`,
		`download disabled true, abort shown true, folder disabled true, boxes ["[x] report.pdf (2.1 MB) (disabled)" "[x] logs (folder) (disabled)" "[ ] gone.txt (unavailable) (disabled)"]`,
	}
	if !slices.Equal(during, wantDuring) {
		t.Fatalf("during the download:\n%q\nwant\n%q", during, wantDuring)
	}
	done := "Downloaded 3 files and 1 folder (4.2 MB) to " + dir + "."
	if !p.status.Visible() || p.status.Text != done || p.status.Importance != widget.SuccessImportance {
		t.Fatalf("status %v %q", p.status.Visible(), p.status.Text)
	}
	if h := u.historyText(); h[len(h)-1] != done {
		t.Fatalf("history %q", h)
	}
	if p.totalBar.Value != 1 || p.totalText != "4.2 MB in all (100%)" || p.fileBar.Visible() {
		t.Fatalf("progress at the end: %.2f %q, file bar shown %v", p.totalBar.Value, p.totalText, p.fileBar.Visible())
	}
	if p.download.Disabled() || p.abort.Visible() || p.checks[0].Disabled() {
		t.Fatal("the window is not ready for another download")
	}
}

func sameCall(a, b downloadCall) bool { return slices.Equal(a.names, b.names) && a.dir == b.dir }

func TestFilesDownloadErrors(t *testing.T) {
	cases := []struct {
		name     string
		existing string // a file already in the folder
		err      error
		want     string // $DIR is the folder
	}{
		{"a file exists already", "report.pdf", fmt.Errorf("download: %w", filetransfer.ErrExists),
			"“report.pdf” is already in $DIR and was kept as it is. Choose another folder, or move it away and try again."},
		{"not enough space", "", fmt.Errorf("%w: %w", filetransfer.ErrIO, &fs.PathError{Op: "write", Path: "report.pdf", Err: syscall.ENOSPC}),
			"There is not enough space in $DIR for these files. Free some space or choose another folder, then try again."},
		{"refused", "", &filetransfer.RemoteError{Code: filetransfer.CodeDenied},
			"The transfer was refused."},
		{"aborted by the CSR", "", &filetransfer.RemoteError{Code: filetransfer.CodeAborted, Msg: "Carol pressed Abort Transfer"},
			"Your support representative aborted the transfer. Files that were not complete were removed."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, ag, p := publishedUI(t)
			dir := t.TempDir()
			if c.existing != "" {
				if err := os.WriteFile(filepath.Join(dir, c.existing), []byte("mine"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			setFolder(t, p, dir)
			test.Tap(p.checks[0])
			ag.download = func(context.Context, func(filetransfer.Progress)) (filetransfer.Result, error) {
				return filetransfer.Result{}, c.err
			}
			test.Tap(p.download)
			want := strings.ReplaceAll(c.want, "$DIR", dir)
			if !p.status.Visible() || p.status.Text != want || p.status.Importance != widget.DangerImportance {
				t.Fatalf("status %v %q\nwant %q", p.status.Visible(), p.status.Text, want)
			}
			if p.progress.Visible() || p.download.Disabled() {
				t.Fatal("progress still shown, or Download not available again")
			}
			if h := u.historyText(); h[len(h)-1] != want {
				t.Fatalf("history %q", h)
			}
			if c.existing != "" {
				if b, _ := os.ReadFile(filepath.Join(dir, c.existing)); string(b) != "mine" {
					t.Fatal("the existing file changed")
				}
			}
		})
	}
}

func TestFilesFolderThatIsGone(t *testing.T) {
	_, ag, p := publishedUI(t)
	dir := filepath.Join(t.TempDir(), "usb")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	setFolder(t, p, dir)
	if err := os.Remove(dir); err != nil { // the stick was pulled out
		t.Fatal(err)
	}
	test.Tap(p.checks[0])
	test.Tap(p.download)
	if len(ag.downloads) != 0 {
		t.Fatal("Download was called for a folder that is gone")
	}
	if want := "The folder " + dir + " does not exist. Choose another folder."; p.status.Text != want || !p.status.Visible() {
		t.Fatalf("status %q, want %q", p.status.Text, want)
	}
}

func TestFilesAbortTransfer(t *testing.T) {
	u, ag, p := publishedUI(t)
	dir := t.TempDir()
	setFolder(t, p, dir)
	test.Tap(p.checks[1])
	ag.download = func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
		test.Tap(p.abort)
		<-ctx.Done()
		return filetransfer.Result{}, fmt.Errorf("%w: %v", filetransfer.ErrAborted, context.Cause(ctx))
	}
	test.Tap(p.download)
	want := "You aborted the download. Files that were not complete were removed from " + dir + "."
	if p.status.Text != want || p.abort.Visible() || p.download.Disabled() {
		t.Fatalf("status %q", p.status.Text)
	}
	if h := u.historyText(); h[len(h)-1] != want {
		t.Fatalf("history %q", h)
	}
}

func TestFilesChooseFolder(t *testing.T) {
	_, _, p := publishedUI(t)
	test.Tap(p.choose)
	if p.folderDialog == nil || p.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Choose Folder… showed no folder dialog")
	}
	before := p.dest
	p.folderChosen(nil, nil) // Cancel
	if p.dest != before {
		t.Fatalf("cancelling changed the folder to %q", p.dest)
	}
	other := t.TempDir()
	setFolder(t, p, other)
	p.folderChosen(nil, os.ErrPermission)
	if !p.status.Visible() || p.status.Text != "The folder could not be opened: permission denied." {
		t.Fatalf("status %q", p.status.Text)
	}
}

func TestFilesListUpdateKeepsSelection(t *testing.T) {
	_, _, p := publishedUI(t)
	test.Tap(p.all) // report.pdf and logs
	p.hideWindow()  // the customer closed the window
	p.u.Show(session.Event{Kind: session.EventFiles, Files: []filetransfer.DirEntry{
		{Name: "logs", Kind: filetransfer.KindDir},
		{Name: "new.txt", Kind: filetransfer.KindFile, Size: 10},
	}})
	if got := rows(p); !slices.Equal(got, []string{"[x] logs (folder)", "[ ] new.txt (10 bytes)"}) {
		t.Fatalf("rows %q", got)
	}
	if !p.shown || p.summary.Text != "1 of 2 selected (1 folder)" || !p.all.Partial {
		t.Fatalf("shown %v, summary %q", p.shown, p.summary.Text)
	}
	// Nothing left: the window says so and stays open.
	p.u.Show(session.Event{Kind: session.EventFiles, Files: []filetransfer.DirEntry{}})
	if !p.open || len(p.names()) != 0 || !p.download.Disabled() || p.summary.Text != "" {
		t.Fatal("an empty list left something to download")
	}
	if rt, ok := p.rows.Objects[0].(*widget.RichText); !ok || rt.String() != "No files are published right now." {
		t.Fatal("the empty list does not say so")
	}
}

func TestFilesClosedByTheCSR(t *testing.T) {
	u, _, p := publishedUI(t)
	u.Show(session.Event{Kind: session.EventFiles, Text: "Carol ended file transfer."})
	if p.shown || p.open || u.filesBtn.Visible() {
		t.Fatal("the window stayed open")
	}
	u.Show(session.Event{Kind: session.EventFiles, Text: "Carol ended file transfer."})
	if h := u.historyText(); !slices.Equal(h, []string{"Carol ended file transfer."}) {
		t.Fatalf("history %q", h)
	}
	// Published again: a fresh list, nothing selected.
	u.Show(session.Event{Kind: session.EventFiles, Files: published})
	if !p.shown || len(p.names()) != 0 {
		t.Fatal("the window did not open again with a fresh list")
	}
}

func TestFilesClosedDuringADownload(t *testing.T) {
	u, ag, p := publishedUI(t)
	setFolder(t, p, t.TempDir())
	test.Tap(p.checks[0])
	ag.download = func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
		u.Show(session.Event{Kind: session.EventFiles, Text: "Carol ended file transfer."})
		<-ctx.Done() // the window aborts the download
		return filetransfer.Result{}, fmt.Errorf("%w: %v", filetransfer.ErrAborted, context.Cause(ctx))
	}
	test.Tap(p.download)
	if p.shown || p.running != nil {
		t.Fatal("the window stayed open")
	}
	if h := u.historyText(); !slices.Equal(h, []string{"Carol ended file transfer."}) {
		t.Fatalf("history %q", h) // and no word of the aborted download
	}
}

func TestEndFileTransfer(t *testing.T) {
	u, ag, p := publishedUI(t)
	test.Tap(p.end)
	ag.waitCall(t, "end-files")
	if p.shown || p.open || u.filesBtn.Visible() {
		t.Fatal("End File Transfer left the window open")
	}
	// The agent's own word that the list closed adds nothing.
	u.Show(session.Event{Kind: session.EventFiles, Text: "You ended file transfer."})
	if h := u.historyText(); !slices.Equal(h, []string{"You ended file transfer."}) {
		t.Fatalf("history %q", h)
	}
}

func TestEndFileTransferDuringADownloadAsksFirst(t *testing.T) {
	u, ag, p := publishedUI(t)
	setFolder(t, p, t.TempDir())
	test.Tap(p.checks[0])
	ag.download = func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
		test.Tap(p.end)
		if p.confirmEnd == nil {
			t.Error("no question before aborting the download")
			return filetransfer.Result{}, nil
		}
		p.confirmEnd.Hide() // Keep Downloading
		if !p.open || ctx.Err() != nil {
			t.Error("Keep Downloading ended file transfer")
		}
		test.Tap(p.end)
		p.confirmEnd.(*dialog.ConfirmDialog).Confirm()
		<-ctx.Done()
		return filetransfer.Result{}, fmt.Errorf("%w: %v", filetransfer.ErrAborted, context.Cause(ctx))
	}
	test.Tap(p.download)
	ag.waitCall(t, "end-files")
	if p.shown || p.open {
		t.Fatal("the window stayed open")
	}
	if h := u.historyText(); !slices.Equal(h, []string{"You ended file transfer."}) {
		t.Fatalf("history %q", h)
	}
}

func TestFilesWindowHidesAndComesBack(t *testing.T) {
	u, _, p := publishedUI(t)
	p.hideWindow() // the window's close button (the test driver has none to press)
	if p.shown || !p.open || !u.filesBtn.Visible() {
		t.Fatal("closing the window ended file transfer, or left no way back")
	}
	test.Tap(u.filesBtn)
	if !p.shown {
		t.Fatal("the main window's File Transfer button did not show it again")
	}
}

func TestFilesSessionEndCloses(t *testing.T) {
	u, _, p := publishedUI(t)
	u.Show(session.Event{Kind: session.EventEnded, Text: "The session has ended."})
	if p.shown || p.open || u.filesBtn.Visible() {
		t.Fatal("the window outlived the session")
	}
	u.Show(session.Event{Kind: session.EventFiles, Files: published})
	if p.shown {
		t.Fatal("a late list opened the window after the end")
	}
}

func TestDownloadsFolder(t *testing.T) {
	for _, c := range []struct {
		name     string
		dirs     []string // made under home
		userDirs string   // .config/user-dirs.dirs
		want     string   // under home
	}{
		{"Downloads", []string{"Downloads"}, "", "Downloads"},
		{"none: home", nil, "", ""},
		{"the desktop's name for it", []string{"Downloads", "Téléchargements"},
			"# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Bureau\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n", "Téléchargements"},
		{"the desktop's is gone", []string{"Downloads"}, "XDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n", "Downloads"},
		{"not set up", nil, "XDG_DOWNLOAD_DIR=\"$HOME\"\n", ""},
		{"absolute", []string{"elsewhere/dl"}, "XDG_DOWNLOAD_DIR=\"$ABS/elsewhere/dl\"\n", "elsewhere/dl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			for _, d := range c.dirs {
				if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			config := filepath.Join(home, ".config")
			if c.userDirs != "" {
				if err := os.MkdirAll(config, 0o700); err != nil {
					t.Fatal(err)
				}
				text := strings.ReplaceAll(c.userDirs, "$ABS", home)
				if err := os.WriteFile(filepath.Join(config, "user-dirs.dirs"), []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := downloadsFolder(home, config), filepath.Join(home, c.want); got != want {
				t.Fatalf("downloadsFolder = %q, want %q", got, want)
			}
		})
	}
}
