//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lifeline/console/profile"
	"lifeline/shared/e2etest"
	"lifeline/shared/protocol"
	"lifeline/shared/xvfbtest"
)

// The customer's desktop is painted in colours the console's themes do not
// use, so that its picture can be found in a screenshot of the console.
var (
	desktopColour = color.RGBA{0x2a, 0x9d, 0x8f, 255} // teal
	termColour    = color.RGBA{0xfd, 0xf6, 0xe3, 255} // a light terminal
)

// What the customer's terminal shows: something a CSR would be called for.
const customerText = `$ lpstat -p
printer office-laser disabled since Mon 09:12 -
	Paused by user
$ lp -d office-laser invoice-0423.pdf
lp: The printer or class is not accepting jobs.
$ `

// customer is the customer's X display with a terminal on it.
type customer struct {
	d      *xvfbtest.Display
	screen *image.RGBA     // the display as it looks, for comparison
	term   image.Rectangle // where the terminal is on it
}

// customerDesktop starts the customer's display: a teal desktop with a
// terminal showing some text, and waits until the terminal has drawn it.
func customerDesktop(t *testing.T) *customer {
	t.Helper()
	c := &customer{d: xvfbtest.Start(t, 1600, 900)}
	if _, err := xtool(c.d, "xsetroot", "-solid", "#2a9d8f"); err != nil {
		t.Fatalf("paint the customer's desktop: %v", err)
	}
	// A core font from xfonts-base, large enough to read when the picture
	// is scaled down into the sharing window.
	xterm := c.d.Command("xterm", "-geometry", "64x16+160+120", "-fn", "10x20", "-bg", "#fdf6e3", "-fg", "#073642",
		"-cr", "#073642", "-bw", "0", "-e", "sh", "-c", `printf '%s' "$0"; exec sleep 600`, customerText)
	xterm.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := xterm.Start(); err != nil {
		t.Fatalf("start xterm: %v", err)
	}
	t.Cleanup(func() { _ = xterm.Process.Kill(); _ = xterm.Wait() })

	// Drawn when the terminal's background is up with dark text on it, and
	// two screenshots in a row agree.
	var prev *image.RGBA
	poll(t, "the customer's terminal drawn", 15*time.Second, func(context.Context) (bool, string) {
		img := screenshot(t, c.d)
		c.term = colourBox(img, img.Rect, termColour, 0, 8)
		if c.term.Dx() < 300 || colours(img, c.term, 2) < 2 {
			prev = nil
			return false, fmt.Sprintf("terminal at %v", c.term)
		}
		same := prev != nil && string(prev.Pix) == string(img.Pix)
		prev, c.screen = img, img
		return same, "still drawing"
	})
	return c
}

// TestConsoleSharingWindow runs the desktop console as a CSR would at two
// common screen sizes: logged in (with a kept login), a session started
// with Ctrl+N, a customer joining with the agent, control requested with
// Ctrl+Shift+C and allowed by the customer, and the sharing window showing
// the customer's screen. It keeps a screenshot of each step.
func TestConsoleSharingWindow(t *testing.T) {
	for _, tool := range []string{"xterm", "xdotool", "xsetroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			xvfbtest.Unavailable(t, tool+" is not installed (apt-get install -y xterm xdotool x11-xserver-utils)")
		}
	}
	if testing.Short() {
		t.Skip("starts three programs and two X servers; not with -short")
	}
	t0 := time.Now()
	bin := e2etest.Binaries(t)
	t.Logf("%4.1fs: binaries built", time.Since(t0).Seconds())
	srv := startServer(t, bin)
	cust := customerDesktop(t)
	t.Logf("%4.1fs: server and customer's display ready", time.Since(t0).Seconds())
	shots := t.TempDir()

	for _, size := range []struct {
		name          string
		width, height int
	}{
		{"1920", 1920, 1080},
		{"1366", 1366, 768},
	} {
		t.Run(size.name, func(t *testing.T) {
			sharingSession(t, srv, cust, size.width, size.height, shots, "console-e2e-"+size.name)
		})
	}
}

// sharingSession is one run of the console on a width×height display.
func sharingSession(t *testing.T, srv *rig, cust *customer, width, height int, shots, prefix string) {
	t0 := time.Now()
	step := func(what string, args ...any) {
		t.Helper()
		t.Logf("%4.1fs: %s", time.Since(t0).Seconds(), fmt.Sprintf(what, args...))
	}
	screen := xvfbtest.Start(t, width, height)

	// The console starts logged in: the CSR trusted the server and kept
	// the login on an earlier run. Typing into the login form would need
	// the fields' positions, and keys reach the right field reliably only
	// with a window manager.
	config := t.TempDir()
	dir := filepath.Join(config, "lifeline", "console")
	if _, err := profile.NewKnownServers(dir).Remember(srv.url, srv.fingerprint); err != nil {
		t.Fatalf("trust the server in the console's profile: %v", err)
	}
	login := profile.Login{Server: srv.url, Email: srv.email, Token: srv.api.Token, Fingerprint: srv.fingerprint}
	if err := profile.NewSaved(dir).Save(login); err != nil {
		t.Fatalf("keep the login in the console's profile: %v", err)
	}

	console := e2etest.Start(t, "console", []string{
		"DISPLAY=" + screen.Name,
		"XDG_CONFIG_HOME=" + config,
		// The tray talks D-Bus; a bus that is not there keeps the console
		// from starting (or joining) the desktop's session bus.
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(config, "no-bus"),
	}, filepath.Join(srv.bin, "console"), "--server", srv.url, "--email", srv.email, "--loopback-only", "--verbose")

	// Logged in: the window's title names the CSR.
	mainWin := findWindow(t, screen, "^Lifeline Console .", 30*time.Second, console)
	step("logged in: %q at %v", mainWin.name, mainWin.rect)
	if want := "Lifeline Console — " + srv.name; mainWin.name != want {
		t.Errorf("console window %q, want %q", mainWin.name, want)
	}
	fits(t, "the console window", mainWin.rect, screen)

	// Ctrl+N starts a session; the server has it at once.
	press(t, screen, mainWin, "ctrl+n")
	var st protocol.State
	ended := false
	poll(t, "the session started with Ctrl+N", 15*time.Second, func(ctx context.Context) (bool, string) {
		live, err := srv.api.LiveSessions(ctx)
		if err != nil {
			return false, err.Error()
		}
		if len(live) != 1 {
			return false, fmt.Sprintf("%d live sessions", len(live))
		}
		st = live[0]
		return true, ""
	})
	t.Cleanup(func() {
		// Before the programs stop (cleanups run last first): the customer
		// is told the session is over instead of waiting for a CSR.
		if ended {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.api.EndSession(ctx, st.ID, "Console end-to-end test."); err != nil {
			t.Errorf("end session %s: %v", st.Number, err)
		}
	})
	step("session %s started", st.Number)
	settle(t, screen, mainWin.rect)
	waiting := screenshot(t, screen)
	savePNG(t, shots, prefix+"-waiting.png", waiting)

	// The customer joins with the agent, answering in its terminal.
	agent := e2etest.Start(t, "agent", cust.d.Env(), filepath.Join(srv.bin, "agent"), "--no-gui",
		"--server", srv.url, "--server-fingerprint", srv.fingerprint, "--session", st.Number,
		"--name", "Ann Smith", "--display", cust.d.Name, "--loopback-only")
	agent.Expect(`^STATUS Connected to session`, 30*time.Second)
	step("the agent joined")
	poll(t, "the customer in the session", 15*time.Second, func(ctx context.Context) (bool, string) {
		s, err := srv.api.Session(ctx, st.ID)
		if err != nil {
			return false, err.Error()
		}
		st = s
		return primaryConnected(s), fmt.Sprintf("participants %+v", s.Participants)
	})
	settle(t, screen, mainWin.rect)
	joined := screenshot(t, screen)
	savePNG(t, shots, prefix+"-session.png", joined)
	if string(joined.Pix) == string(waiting.Pix) {
		t.Errorf("the console looks the same before and after the customer joined")
	}

	// Ctrl+Shift+C asks the customer for control; the customer allows it.
	// The console enables its Request buttons (and their shortcuts) when
	// its own copy of the session has the customer, which may be a moment
	// after the server's: pressing again is harmless, since the shortcut
	// does nothing while a request is on its way.
	for try := 1; ; try++ {
		press(t, screen, mainWin, "ctrl+shift+c")
		_, err := agent.Await(`^REQUEST \S+ control:`, 5*time.Second)
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatalf("Ctrl+Shift+C three times: %v", err)
		}
		step("no request after Ctrl+Shift+C; pressing it again")
	}
	agent.Send("y")
	step("the customer allowed control")
	poll(t, "control granted to the CSR", 15*time.Second, func(ctx context.Context) (bool, string) {
		s, err := srv.api.Session(ctx, st.ID)
		if err != nil {
			return false, err.Error()
		}
		return s.Controller != "" && s.Controller == s.You, fmt.Sprintf("controller %q, the CSR is %q", s.Controller, s.You)
	})
	share := findWindow(t, screen, "^Customer's screen", 20*time.Second, console)
	step("sharing window: %q at %v", share.name, share.rect)
	if want := "Customer's screen — session " + spaced(st.Number); share.name != want {
		t.Errorf("sharing window %q, want %q", share.name, want)
	}
	fits(t, "the sharing window", share.rect, screen)

	// The picture arrives over WebRTC and is drawn at up to 30 fps: wait
	// for it rather than for a fixed time.
	var shot *image.RGBA
	var pic image.Rectangle
	var err error
	poll(t, "the customer's screen in the sharing window", 20*time.Second, func(context.Context) (bool, string) {
		shot = screenshot(t, screen)
		pic, err = resembles(shot, share.rect, cust.screen, desktopColour, termColour, cust.term)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	settle(t, screen, share.rect)
	shot = screenshot(t, screen)
	if pic, err = resembles(shot, share.rect, cust.screen, desktopColour, termColour, cust.term); err != nil {
		t.Errorf("sharing window after it settled: %v", err)
	}
	savePNG(t, shots, prefix+"-sharing.png", shot)
	step("the customer's %v screen shown at %v (%.0f%%)",
		cust.screen.Rect.Size(), pic, 100*float64(pic.Dx())/float64(cust.screen.Rect.Dx()))

	if console.Exited() {
		t.Errorf("the console exited")
	}

	// The CSR's end reaches the customer.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.api.EndSession(ctx, st.ID, "Console end-to-end test."); err != nil {
		t.Fatalf("end session %s: %v", st.Number, err)
	}
	ended = true
	agent.Expect(`^ENDED`, 10*time.Second)
	step("session ended")
}

// fits checks that a window is wholly on the screen and not tiny: the
// console's windows must suit a 1366×768 laptop as well as a 1080p monitor.
func fits(t *testing.T, what string, r image.Rectangle, screen *xvfbtest.Display) {
	t.Helper()
	if !r.In(image.Rect(0, 0, screen.Width, screen.Height)) {
		t.Errorf("%s at %v does not fit on the %d×%d screen", what, r, screen.Width, screen.Height)
	}
	if r.Dx() < 640 || r.Dy() < 400 {
		t.Errorf("%s is only %d×%d", what, r.Dx(), r.Dy())
	}
}

// settle waits until the area r of the screen stops changing (the console
// redraws after each event; a screenshot mid-way would show half a layout),
// up to 5 s. The screen may keep changing (a live picture): then it goes on.
func settle(t *testing.T, d *xvfbtest.Display, r image.Rectangle) {
	t.Helper()
	var prev []byte
	stable := 0
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		cur := grab(t, d, r)
		if bytes.Equal(prev, cur) {
			if stable++; stable == 3 {
				return
			}
		} else {
			stable = 0
		}
		prev = cur
	}
}

// spaced writes a session number as the console shows it: 123 456 789.
func spaced(n string) string {
	if len(n) != 9 {
		return n
	}
	return strings.Join([]string{n[:3], n[3:6], n[6:]}, " ")
}
