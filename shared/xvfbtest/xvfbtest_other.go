//go:build !unix

package xvfbtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InstallHint is the command that installs the X tools the tests use (Xvfb,
// xdpyinfo, xwd, xrandr, xsetroot, ImageMagick) on Debian and Ubuntu.
const InstallHint = "apt-get update && apt-get install -y xvfb xauth x11-utils x11-xserver-utils imagemagick x11-apps"

// RequireEnv is the environment variable that turns a missing Xvfb from a
// skip into a test failure.
const RequireEnv = "LIFELINE_REQUIRE_X"

// Display is a running Xvfb server (never, on this platform).
type Display struct {
	Name          string
	Number        int
	Width, Height int
}

// Start skips the test: Xvfb only runs on Unix systems.
func Start(t testing.TB, width, height int) *Display {
	t.Helper()
	Unavailable(t, "Xvfb needs a Unix system")
	return nil
}

// Unavailable skips the test, or fails it if LIFELINE_REQUIRE_X=1.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	msg := fmt.Sprintf("xvfbtest: %s; install with: %s", why, InstallHint)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + " (" + RequireEnv + "=1)")
	}
	t.Skip(msg)
}

func (d *Display) Stop()                                         {}
func (d *Display) Env() []string                                 { return append(os.Environ(), "DISPLAY="+d.Name) }
func (d *Display) Command(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }
func (d *Display) Log() string                                   { return "" }
