package gui

// The screenshots of docs/screenshots/agent-*.png come from the real window
// on a real X display, made by this test binary's TestMain when
// LIFELINE_GUI_SCREENSHOTS names the folder to write them to:
//
//	Xvfb :57 -screen 0 1366x768x24 -noreset &
//	DISPLAY=:57 LIFELINE_GUI_SCREENSHOTS=$PWD/docs/screenshots \
//	    go test -tags x11 -run '^$' ./agent/gui/
//
// It plays a session with a fake agent (a failed and a good join, a chat,
// files published for download, a download, a request, screen sharing,
// Stop and sharing again, leaving; then a second customer watching the
// screen the first shares) and runs ImageMagick's
// `import -window root` at each step, writing agent-*.png. The download
// goes to a Downloads folder in a temporary home folder.
// Fyne needs the main thread, which only TestMain has (the GLFW driver
// locks it in its init). The pictures in docs/screenshots were taken with
// a window manager running on the display (`DISPLAY=:57 openbox &`, from
// Debian's openbox package), so that the window has its title bar; on a
// bare Xvfb the same steps work, without frames.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"

	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("LIFELINE_GUI_SCREENSHOTS"); dir != "" {
		if err := screenshots(dir); err != nil {
			fmt.Fprintln(os.Stderr, "screenshots:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// demoAgent plays the agent core: Stop ends sharing as the core would.
type demoAgent struct{ ui session.UI }

func (d *demoAgent) Stop()            { d.ui.Show(session.Event{Kind: session.EventSharing}) }
func (d *demoAgent) Leave()           {}
func (d *demoAgent) Chat(string)      {}
func (d *demoAgent) EndFileTransfer() {}

// demoFiles is what Carol publishes in the screenshots.
var demoFiles = []filetransfer.DirEntry{
	{Name: "printer-driver-4.2.1.tar.gz", Kind: filetransfer.KindFile, Size: 18_400_000},
	{Name: "Printer setup guide.pdf", Kind: filetransfer.KindFile, Size: 2_150_000},
	{Name: "network-check.sh", Kind: filetransfer.KindFile, Size: 4_300},
	{Name: "drivers", Kind: filetransfer.KindDir},
}

// Download writes the names into dir over about four seconds, each file
// filled to its published size, reporting progress as the engine would.
func (d *demoAgent) Download(ctx context.Context, names []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	var files []filetransfer.DirEntry
	var total int64
	for _, e := range demoFiles {
		if slices.Contains(names, e.Name) && e.Kind == filetransfer.KindFile {
			files = append(files, e)
			total += e.Size
		}
	}
	var done int64
	const steps = 20
	for _, f := range files {
		for i := int64(1); i <= steps; i++ {
			select {
			case <-ctx.Done():
				return filetransfer.Result{}, fmt.Errorf("%w: %v", filetransfer.ErrAborted, context.Cause(ctx))
			case <-time.After(4 * time.Second / steps / time.Duration(len(files))):
			}
			progress(filetransfer.Progress{Path: f.Name, FileDone: f.Size * i / steps, FileSize: f.Size, Done: done + f.Size*i/steps, Total: total})
		}
		done += f.Size
		if err := os.WriteFile(filepath.Join(dir, f.Name), make([]byte, f.Size), 0o600); err != nil {
			return filetransfer.Result{}, fmt.Errorf("%w: %w", filetransfer.ErrIO, err)
		}
	}
	return filetransfer.Result{Files: len(files), Bytes: total, Total: total}, nil
}

func screenshots(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	home, err := os.MkdirTemp("", "ana-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	if err := os.Mkdir(filepath.Join(home, "Downloads"), 0o700); err != nil {
		return err
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	a := app.NewWithID(AppID)
	//lint:ignore S1021 the Start closure below refers to u
	var u *ui
	u = newUI(a, Config{Number: "482 913 077", Name: "Ann Smith", Email: "ann@example.com",
		Start: func(number, name, email string, ui session.UI) (Agent, error) {
			if number != "482913077" {
				time.Sleep(300 * time.Millisecond)
				return nil, errors.New("There is no support session with this number. Please check the number with your support representative.")
			}
			ui.Show(session.Event{Kind: session.EventStatus, Text: "Joining session 482 913 077…"})
			time.Sleep(300 * time.Millisecond)
			ui.Show(session.Event{Kind: session.EventStatus, Text: "Connected to session 482 913 077. Your support representative is Carol."})
			return &demoAgent{ui: ui}, nil
		}})
	u.win.Show()
	errc := make(chan error, 1)
	go func() {
		defer fyne.Do(a.Quit)
		errc <- play(u, dir)
	}()
	a.Run()
	u.shutdown()
	return <-errc
}

// shotNow takes a screenshot at once.
func shotNow(dir, name string) error {
	out, err := exec.Command("import", "-window", "root", filepath.Join(dir, name)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("import %s: %v: %s", name, err, out)
	}
	return nil
}

func play(u *ui, dir string) error {
	settle := func() { time.Sleep(900 * time.Millisecond) }
	shot := func(name string) error {
		settle()
		return shotNow(dir, name)
	}
	settle()
	if err := shot("agent-join.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		u.number.SetText("482 913 078")
		u.join()
	})
	time.Sleep(500 * time.Millisecond)
	if err := shot("agent-join-error.png"); err != nil {
		return err
	}

	fyne.DoAndWait(func() {
		u.number.SetText("482 913 077")
		u.join()
	})
	time.Sleep(time.Second) // Start's own pause
	u.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "Hi Ann, I'm Carol from the help desk. I'll ask to see your screen so we can look at the printer error together."})
	fyne.DoAndWait(func() {
		u.chatEntry.SetText("Sure, thank you!")
		u.send()
	})
	u.Show(session.Event{Kind: session.EventChat, From: "Carol", Private: true, Text: "Please close any documents you don't want me to see first."})
	u.Show(session.Event{Kind: session.EventNotice, Text: "Dave joined the session as an observer"})
	fyne.DoAndWait(func() { u.chatEntry.SetText("Done, only the printer settings are open.") })
	if err := shot("agent-chat.png"); err != nil {
		return err
	}

	// Basic file transfer: Carol publishes files, Ann downloads two.
	u.Show(session.Event{Kind: session.EventFiles, From: "Carol", Files: demoFiles[:3]})
	settle()
	u.Show(session.Event{Kind: session.EventFiles, From: "Carol", Files: demoFiles})
	fyne.DoAndWait(func() {
		u.files.toggle(demoFiles[0].Name, true)
		u.files.toggle(demoFiles[1].Name, true)
	})
	if err := shot("agent-files.png"); err != nil {
		return err
	}
	fyne.DoAndWait(u.files.startDownload)
	time.Sleep(1500 * time.Millisecond)
	if err := shotNow(dir, "agent-files-progress.png"); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	if err := shot("agent-files-done.png"); err != nil {
		return err
	}
	fyne.DoAndWait(u.files.chooseFolder)
	if err := shot("agent-files-folder.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		u.files.folderDialog.Hide()
		u.files.hideWindow() // closed with its title bar's button: the main window can show it again
	})
	if err := shot("agent-files-hidden.png"); err != nil {
		return err
	}
	u.Show(session.Event{Kind: session.EventFiles, Text: "Carol ended file transfer."})

	answered := make(chan struct{})
	go func() {
		u.Ask(context.Background(), session.Request{ID: "r1", Action: protocol.ActionView, From: "Carol"})
		close(answered)
	}()
	if err := shot("agent-consent.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		if u.ask != nil {
			u.ask.allow.OnTapped()
		}
	})
	<-answered

	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	if err := shot("agent-banner-viewing.png"); err != nil {
		return err
	}
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}, Controllers: []string{"Carol"}})
	if err := shot("agent-banner.png"); err != nil {
		return err
	}
	// Stop, then sharing again: the banner's window is mapped a second time.
	fyne.DoAndWait(u.stopSharing)
	settle()
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	if err := shot("agent-banner-again.png"); err != nil {
		return err
	}
	fyne.DoAndWait(u.confirmLeave)
	if err := shot("agent-leave.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		if u.leave != nil {
			u.leave.(*dialog.ConfirmDialog).Confirm()
		}
	})
	if err := shot("agent-ended.png"); err != nil {
		return err
	}
	return playWatch(u, shot) // screenshots_watch_test.go
}
