package e2e

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"lifeline/shared/xvfbtest"
)

// rootImage is the X server's own capture of the whole screen.
func rootImage(t *testing.T, display string) *image.RGBA {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	scr := xproto.Setup(c).DefaultScreen(c)
	w, h := int(scr.WidthInPixels), int(scr.HeightInPixels)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// In bands, to stay under the maximum request length.
	for y := 0; y < h; y += 64 {
		bh := min(64, h-y)
		rep, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(scr.Root), 0, int16(y), uint16(w), uint16(bh), 0xffffffff).Reply()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < w*bh; i++ {
			o := (y*w + i) * 4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = rep.Data[i*4+2], rep.Data[i*4+1], rep.Data[i*4], 255
		}
	}
	return img
}

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if rgba, ok := m.(*image.RGBA); ok {
		return rgba
	}
	b := m.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, m.At(x, y))
		}
	}
	return out
}

func diffPixels(a, b *image.RGBA) (int, string) {
	if a.Rect.Size() != b.Rect.Size() {
		return -1, fmt.Sprintf("sizes differ: %v vs %v", a.Rect.Size(), b.Rect.Size())
	}
	n, first := 0, ""
	for i := 0; i < len(a.Pix); i += 4 {
		if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] {
			if n == 0 {
				p := i / 4
				first = fmt.Sprintf("first at %d,%d: %v vs %v", p%a.Rect.Dx(), p/a.Rect.Dx(), a.Pix[i:i+3], b.Pix[i:i+3])
			}
			n++
		}
	}
	return n, first
}

// TestScreenPath: a CSR views and controls a customer's real X desktop.
func TestScreenPath(t *testing.T) {
	if _, err := exec.LookPath("xterm"); err != nil {
		xvfbtest.Unavailable(t, "xterm is not installed (apt-get install -y xterm)")
	}
	d := xvfbtest.Start(t, 1024, 768)

	// The customer's desktop: one xterm that writes the line typed into it.
	out := filepath.Join(t.TempDir(), "typed.txt")
	xterm := d.Command("xterm", "-geometry", "80x20+40+40", "-fa", "", "-e", "sh", "-c", `printf 'type here> '; IFS= read -r line; printf %s "$line" > "$0"; sleep 30`, out)
	if err := xterm.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xterm.Process.Kill(); xterm.Wait() })

	console, agent := supportSession(t, d, "Ann Customer")

	// A denied request: granted false, and no frame.
	if grant(t, console, agent, "view", "n") {
		t.Fatal("granted after the customer said no")
	}
	if r := do(console, "stats"); !r.ok() || r.num("frames") != 0 {
		t.Fatalf("frames after a denial: %v", r)
	}

	// Allowed: the decoded screen equals the X server's, pixel for pixel.
	time.Sleep(500 * time.Millisecond) // let xterm settle (its prompt is drawn)
	if !grant(t, console, agent, "view", "y") {
		t.Fatal("view denied")
	}
	agent.Expect(`^SHARING Carol CSR is viewing your screen`, 10*time.Second)
	snap := filepath.Join(t.TempDir(), "snap.png")
	var n int
	var first string
	for try := 0; try < 20; try++ { // the newest frame may still be on its way
		r := do(console, "snapshot "+snap)
		if !r.ok() || r.num("width") != 1024 || r.num("height") != 768 {
			t.Fatalf("snapshot: %v", r)
		}
		if n, first = diffPixels(readPNG(t, snap), rootImage(t, d.Name)); n == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n != 0 {
		t.Fatalf("snapshot differs from the X server's capture in %d pixels (%s)", n, first)
	}

	// Control: a click and typed text change a real X client.
	if !grant(t, console, agent, "control", "y") {
		t.Fatal("control denied")
	}
	for _, c := range []string{"click 300 150", "type hello wörld ✓", "key Return"} {
		if r := do(console, c); !r.ok() {
			t.Fatalf("%s: %v", c, r)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if string(b) == "hello wörld ✓" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("xterm got %q", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := do(console, "stats"); !r.ok() || r.num("frames") < 1 || r["live"] != true {
		t.Fatalf("stats: %v", r)
	}

	// The customer's Stop ends the stream.
	agent.Send("stop")
	agent.Expect(`^SHARING nobody is viewing your screen`, 5*time.Second)
	if r := do(console, "wait-stopped 10"); !r.ok() {
		t.Fatalf("stream still live after Stop: %v", r)
	}
	if r := do(console, "end Fixed the printer."); !r.ok() {
		t.Fatalf("end: %v", r)
	}
	agent.Expect(`^ENDED`, 10*time.Second)
}
