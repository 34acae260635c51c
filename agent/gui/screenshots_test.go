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
// a request, screen sharing, Stop and sharing again, leaving) and runs
// ImageMagick's `import -window root` at each step, writing agent-*.png.
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
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lifeline/agent/session"
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

func (d *demoAgent) Stop()       { d.ui.Show(session.Event{Kind: session.EventSharing}) }
func (d *demoAgent) Leave()      {}
func (d *demoAgent) Chat(string) {}

func screenshots(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
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

func play(u *ui, dir string) error {
	settle := func() { time.Sleep(900 * time.Millisecond) }
	shot := func(name string) error {
		settle()
		out, err := exec.Command("import", "-window", "root", filepath.Join(dir, name)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("import %s: %v: %s", name, err, out)
		}
		return nil
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
			u.leave.Confirm()
		}
	})
	return shot("agent-ended.png")
}
