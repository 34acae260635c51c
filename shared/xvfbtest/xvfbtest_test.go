//go:build unix

package xvfbtest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartAnswersAndStops(t *testing.T) {
	var d *Display
	t.Run("server", func(t *testing.T) {
		d = Start(t, 1366, 768)
		if d.Name != ":"+strconv.Itoa(d.Number) || d.Number < firstDisplay || d.Number > lastDisplay {
			t.Fatalf("bad display %q (%d)", d.Name, d.Number)
		}
		if d.Width != 1366 || d.Height != 768 {
			t.Fatalf("size %dx%d", d.Width, d.Height)
		}
		if _, err := exec.LookPath("xdpyinfo"); err != nil {
			Unavailable(t, "xdpyinfo is not installed")
		}
		out, err := exec.Command("xdpyinfo", "-display", d.Name).Output()
		if err != nil {
			t.Fatalf("xdpyinfo: %v", err)
		}
		if !strings.Contains(string(out), "dimensions:    1366x768 pixels") {
			t.Fatalf("xdpyinfo does not show the screen size:\n%.600s", out)
		}
		if !strings.Contains(string(out), "depth of root window:    24 planes") {
			t.Fatalf("xdpyinfo does not show depth 24")
		}
		// Command and Env point clients at this server.
		env := strings.Join(d.Command("true").Env, "\n")
		if !strings.Contains(env, "DISPLAY="+d.Name) {
			t.Fatalf("Command env lacks DISPLAY=%s", d.Name)
		}
	})
	if d == nil {
		return
	}
	// The subtest's cleanup has stopped the server: its process group is gone
	// and its lock removed. (Not "no lock": another test process may already
	// have started a server on the freed number.)
	pid := d.cmd.Process.Pid
	if err := syscall.Kill(-pid, 0); err == nil {
		t.Fatalf("process group %d still alive after cleanup", pid)
	}
	if d.ownsLock() {
		t.Errorf("%s left behind", lockPath(d.Number))
	}
}

// Servers started at once (as parallel tests and parallel test binaries do)
// get different display numbers.
func TestConcurrentServers(t *testing.T) {
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		Unavailable(t, "Xvfb is not installed")
	}
	const n = 3
	type result struct {
		d   *Display
		err error
	}
	results := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			d, err := startAny(xvfb, 320, 200)
			results <- result{d, err}
		}()
	}
	names := map[string]bool{}
	for i := 0; i < n; i++ {
		r := <-results
		if r.err != nil {
			t.Error(r.err)
			continue
		}
		t.Cleanup(r.d.Stop)
		if names[r.d.Name] {
			t.Errorf("display %s handed out twice", r.d.Name)
		}
		names[r.d.Name] = true
	}
}

// A number whose lock file belongs to a live process is skipped.
func TestInUse(t *testing.T) {
	n := lastDisplay
	if inUse(n) {
		t.Skipf("display :%d is really in use", n)
	}
	if err := os.WriteFile(lockPath(n), []byte("      "+strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Skip(err)
	}
	defer os.Remove(lockPath(n))
	if !inUse(n) {
		t.Fatal("lock of a live process not seen as in use")
	}
	// A stale lock (dead pid) is left to Xvfb to clean up.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(lockPath(n), []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644)
	if inUse(n) {
		t.Fatal("stale lock seen as in use")
	}
}

// Without Xvfb the test is skipped with the install line; with
// LIFELINE_REQUIRE_X=1 it fails instead (checked in a child process, since a
// failing subtest would fail this test).
func TestMissingXvfb(t *testing.T) {
	if os.Getenv("XVFBTEST_CHILD") == "1" {
		Start(t, 100, 100)
		t.Fatal("Start returned without Xvfb")
	}
	t.Setenv("PATH", t.TempDir())
	t.Setenv(RequireEnv, "")
	var sub *testing.T
	t.Run("skip", func(t *testing.T) {
		sub = t
		Start(t, 100, 100)
		t.Fatal("Start returned without Xvfb")
	})
	if !sub.Skipped() {
		t.Fatal("not skipped")
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingXvfb$", "-test.v")
	cmd.Env = append(os.Environ(), "XVFBTEST_CHILD=1", RequireEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child passed with %s=1:\n%s", RequireEnv, out)
	}
	for _, want := range []string{"--- FAIL", "Xvfb is not installed", InstallHint} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("child output lacks %q:\n%s", want, out)
		}
	}
}
