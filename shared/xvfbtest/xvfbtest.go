//go:build unix

// Package xvfbtest starts a private X server (Xvfb) for a test, so that code
// talking X11 (screen capture, input injection) can be tested on a machine
// without a desktop, in CI included.
//
//	d := xvfbtest.Start(t, 1366, 768)
//	c, err := capture.OpenX11(d.Name, image.Rectangle{})
//
// Each call starts its own server on a free display number from :90 upward,
// in its own process group, and stops it when the test ends (on Linux also
// when the test binary is killed or times out without running cleanups). The server has
// one screen of the given size, depth 24 (32 bits per pixel, TrueColor),
// with MIT-SHM, DAMAGE, XFIXES, RANDR and XTEST available.
//
// Multi-monitor layouts cannot be made with a single Xvfb screen; RandR 1.5
// "virtual monitors" can be declared on it though (xrandr --setmonitor),
// which is enough to test monitor enumeration but not separate outputs.
//
// When Xvfb is not installed the test is skipped with the apt-get line that
// installs what the tests need, unless LIFELINE_REQUIRE_X=1 is set (as in CI),
// which turns the skip into a failure.
package xvfbtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallHint is the command that installs the X tools the tests use (Xvfb,
// xdpyinfo, xwd, xrandr, xsetroot, ImageMagick) on Debian and Ubuntu.
const InstallHint = "apt-get update && apt-get install -y xvfb xauth x11-utils x11-xserver-utils imagemagick x11-apps"

// RequireEnv is the environment variable that turns a missing Xvfb from a
// skip into a test failure.
const RequireEnv = "LIFELINE_REQUIRE_X"

const (
	firstDisplay = 90
	lastDisplay  = 189
	readyTimeout = 10 * time.Second
	stopTimeout  = 3 * time.Second
)

// Display is a running Xvfb server.
type Display struct {
	// Name is the display name to connect to, e.g. ":93".
	Name string
	// Number is the display number, e.g. 93.
	Number int
	// Width and Height are the size of screen 0 in pixels.
	Width, Height int

	cmd    *exec.Cmd
	done   chan struct{} // closed when Xvfb has exited
	stderr *lockedBuffer
	once   sync.Once
}

// Start starts Xvfb with one screen of width×height at depth 24, waits until
// it answers, and stops it when the test ends (t.Cleanup). It skips the test
// if Xvfb is not installed (fails instead with LIFELINE_REQUIRE_X=1).
func Start(t testing.TB, width, height int) *Display {
	t.Helper()
	if width <= 0 || height <= 0 {
		t.Fatalf("xvfbtest: invalid screen size %dx%d", width, height)
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		Unavailable(t, "Xvfb is not installed")
	}

	d, err := startAny(xvfb, width, height)
	if err != nil {
		t.Fatalf("xvfbtest: %v", err)
	}
	t.Cleanup(d.Stop)
	return d
}

// startLock serialises server start-up between the tests of one process
// (startFile between test processes, e.g. go test ./... running packages in
// parallel): two Xvfb racing for one number make the loser sleep 2 s in its
// lock-file code before it gives up.
var startLock sync.Mutex

// startAny starts a server on the first free display number.
func startAny(xvfb string, width, height int) (*Display, error) {
	startLock.Lock()
	defer startLock.Unlock()
	if f, err := os.OpenFile(filepath.Join(os.TempDir(), "lifeline-xvfbtest.lock"), os.O_CREATE|os.O_RDWR, 0o666); err == nil {
		defer f.Close() // releases the flock
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	}

	var lastErr error
	failures := 0
	for n := firstDisplay; n <= lastDisplay; n++ {
		if inUse(n) {
			continue
		}
		d, err := start(xvfb, n, width, height)
		if errors.Is(err, errTaken) {
			continue // lost a race with another test process; try the next number
		}
		if err != nil {
			// Racing servers can also fail on the lock file in other ways;
			// a server that cannot start at all (bad size, missing fonts)
			// fails on every number: give up after a few.
			lastErr = err
			if failures++; failures == 3 {
				break
			}
			continue
		}
		return d, nil
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("no free display number in :%d..:%d", firstDisplay, lastDisplay)
	}
	return nil, lastErr
}

// Unavailable skips the test because the X tools are missing, or fails it if
// LIFELINE_REQUIRE_X=1. Tests that need another X tool (xwd, xrandr) call it
// too, so that every skip carries the same install line.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	msg := fmt.Sprintf("xvfbtest: %s; install with: %s", why, InstallHint)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + " (" + RequireEnv + "=1)")
	}
	t.Skip(msg)
}

var errTaken = errors.New("display number taken")

func lockPath(n int) string   { return fmt.Sprintf("/tmp/.X%d-lock", n) }
func socketPath(n int) string { return fmt.Sprintf("/tmp/.X11-unix/X%d", n) }

// inUse reports whether display n looks taken. A lock file whose process is
// gone is stale; Xvfb removes it itself, so that number is still tried.
func inUse(n int) bool {
	if b, err := os.ReadFile(lockPath(n)); err == nil {
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			return true
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			return true
		}
		return false
	} else if !errors.Is(err, os.ErrNotExist) {
		return true
	}
	_, err := os.Stat(socketPath(n))
	return err == nil
}

func start(xvfb string, n, width, height int) (*Display, error) {
	name := ":" + strconv.Itoa(n)
	cmd := exec.Command(xvfb, name,
		"-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-noreset", "-nolisten", "tcp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	orphanSignal(cmd.SysProcAttr)
	stderr := &lockedBuffer{}
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	d := &Display{Name: name, Number: n, Width: width, Height: height,
		cmd: cmd, done: make(chan struct{}), stderr: stderr}
	go func() {
		_ = cmd.Wait()
		close(d.done)
	}()

	xdpyinfo, _ := exec.LookPath("xdpyinfo")
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-d.done:
			out := stderr.String()
			if strings.Contains(out, "already active") || strings.Contains(out, "Cannot establish any listening sockets") {
				return nil, errTaken
			}
			return nil, fmt.Errorf("xvfbtest: Xvfb %s exited before it was ready (%v): %s", name, cmd.ProcessState, tail(out))
		case <-deadline.C:
			d.Stop()
			return nil, fmt.Errorf("xvfbtest: Xvfb %s did not answer within %v: %s", name, readyTimeout, tail(stderr.String()))
		case <-tick.C:
			if d.answers(xdpyinfo) {
				return d, nil
			}
		}
	}
}

// answers reports whether the server accepts clients: xdpyinfo when it is
// installed, otherwise a connection to the server's socket.
// The display's lock file must name our process: if another server holds
// the number, the socket answers but it is not ours (ours will exit with
// "Server is already active").
func (d *Display) answers(xdpyinfo string) bool {
	if !d.ownsLock() {
		return false
	}
	if _, err := os.Stat(socketPath(d.Number)); err != nil {
		return false // not listening yet; don't spend a process on it
	}
	if xdpyinfo != "" {
		c := exec.Command(xdpyinfo, "-display", d.Name)
		// The output lists every visual; it is only the exit status we want.
		return c.Run() == nil
	}
	conn, err := net.DialTimeout("unix", socketPath(d.Number), time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func (d *Display) ownsLock() bool {
	b, err := os.ReadFile(lockPath(d.Number))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && pid == d.cmd.Process.Pid
}

// Stop kills the server's process group and waits for it to exit. It is
// called by the test's cleanup; calling it earlier (to test what happens
// when the X server goes away) is allowed.
func (d *Display) Stop() {
	d.once.Do(func() {
		pgid := d.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-d.done
		}
	})
}

// Env returns the current environment with DISPLAY set to this server, for
// running X clients (xwd, xsetroot, ...) against it.
func (d *Display) Env() []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") {
			env = append(env, kv)
		}
	}
	return append(env, "DISPLAY="+d.Name)
}

// Command is exec.Command with DISPLAY set to this server.
func (d *Display) Command(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = d.Env()
	return c
}

// Log returns what Xvfb has written to stdout and stderr so far.
func (d *Display) Log() string { return d.stderr.String() }

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	if s == "" {
		s = "(no output)"
	}
	return s
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
