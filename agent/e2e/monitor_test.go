package e2e

import (
	"image"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"lifeline/shared/xvfbtest"
)

// TestMonitorChoice: the CSR picks one of two monitors; the stream shows
// exactly that monitor and the pointer lands on it.
func TestMonitorChoice(t *testing.T) {
	for _, tool := range []string{"xrandr", "xterm"} {
		if _, err := exec.LookPath(tool); err != nil {
			xvfbtest.Unavailable(t, tool+" is not installed")
		}
	}
	d := xvfbtest.Start(t, 1024, 768)
	for _, args := range [][]string{
		{"--setmonitor", "left", "512/135x768/203+0+0", "none"},
		{"--setmonitor", "right", "512/135x768/203+512+0", "none"},
	} {
		if out, err := d.Command("xrandr", args...).CombinedOutput(); err != nil {
			t.Fatalf("xrandr %v: %v %s", args, err, out)
		}
	}
	xterm := d.Command("xterm", "-geometry", "40x10+600+100", "-e", "sh", "-c", "echo right monitor; sleep 60")
	if err := xterm.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xterm.Process.Kill(); xterm.Wait() })

	console, agent := supportSession(t, d, "Ann")
	if !grant(t, console, agent, "control", "y") {
		t.Fatal("control denied")
	}
	// Monitors are listed primary first: the screen's own output, then
	// the two halves.
	if r := do(console, "monitor 2"); !r.ok() {
		t.Fatalf("monitor: %v", r)
	}
	deadline := time.Now().Add(15 * time.Second)
	for do(console, "stats").num("width") != 512 {
		if time.Now().After(deadline) {
			t.Fatal("the stream did not switch to the 512-pixel-wide monitor")
		}
		time.Sleep(100 * time.Millisecond)
	}
	snap := filepath.Join(t.TempDir(), "right.png")
	right := rootImage(t, d.Name).SubImage(image.Rect(512, 0, 1024, 768)).(*image.RGBA)
	want := image.NewRGBA(image.Rect(0, 0, 512, 768))
	for y := 0; y < 768; y++ {
		copy(want.Pix[y*want.Stride:(y+1)*want.Stride], right.Pix[right.PixOffset(512, y):right.PixOffset(1024, y)])
	}
	var n int
	var first string
	for try := 0; try < 20; try++ {
		if r := do(console, "snapshot "+snap); !r.ok() || r.num("width") != 512 {
			t.Fatalf("snapshot: %v", r)
		}
		if n, first = diffPixels(readPNG(t, snap), want); n == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond) // the newest frame may be on its way
	}
	if n != 0 {
		t.Fatalf("the stream differs from the right monitor in %d pixels (%s)", n, first)
	}
	// A position on the chosen monitor is a position on that monitor.
	if r := do(console, "move 100 50"); !r.ok() {
		t.Fatalf("move: %v", r)
	}
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	deadline = time.Now().Add(5 * time.Second)
	for {
		p, err := xproto.QueryPointer(c, root).Reply()
		if err != nil {
			t.Fatal(err)
		}
		if p.RootX == 612 && p.RootY == 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pointer at %d,%d, want 612,50", p.RootX, p.RootY)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
