//go:build linux

package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"lifeline/shared/client"
	"lifeline/shared/e2etest"
	"lifeline/shared/protocol"
	"lifeline/shared/xvfbtest"
)

// TestMain removes the programs built for the run.
func TestMain(m *testing.M) {
	// xgb logs every connection made without an .Xauthority file, which
	// Xvfb does not need.
	xgb.Logger = log.New(io.Discard, "", 0)
	code := m.Run()
	e2etest.RemoveBinaries()
	os.Exit(code)
}

// rig is a running rendezvous server with one CSR account, logged in over
// the REST API.
type rig struct {
	bin         string
	url         string
	fingerprint string
	email, name string
	api         *client.Client // logged in as the CSR
}

// startServer starts lifeline-rendezvous (self-signed TLS, loopback only)
// with a CSR account, and logs that CSR in.
func startServer(t *testing.T, bin string) *rig {
	t.Helper()
	srv := e2etest.StartServer(t, bin)
	return &rig{bin: bin, url: srv.URL, fingerprint: srv.Fingerprint, email: srv.Email, name: srv.Name, api: srv.Login(t)}
}

// poll calls f every 100 ms until it reports done, and fails the test
// with what it last said after timeout.
func poll(t *testing.T, what string, timeout time.Duration, f func(ctx context.Context) (done bool, last string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done, last := f(ctx)
		cancel()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (last: %s)", what, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// primaryConnected reports whether the session's sharing customer is in.
func primaryConnected(st protocol.State) bool {
	for _, p := range st.Participants {
		if p.Role == protocol.RolePrimary && p.Connected {
			return true
		}
	}
	return false
}

// xtool runs an X client (xdotool, xsetroot) on a display, bounded by a
// timeout so that a hung X server cannot hang the test.
func xtool(d *xvfbtest.Display, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.Env()
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return string(out), fmt.Errorf("%s %s: %w %s", name, strings.Join(args, " "), err, stderr)
	}
	return string(out), nil
}

// window is a mapped top-level window and where it is on the screen.
type window struct {
	id   string
	name string
	rect image.Rectangle
}

// findWindow waits for a visible window whose name matches pattern (a
// POSIX extended regular expression for xdotool; ASCII only, since
// xdotool matches bytes in the C locale) and returns the only one.
func findWindow(t *testing.T, d *xvfbtest.Display, pattern string, timeout time.Duration, alive *e2etest.Proc) window {
	t.Helper()
	var w window
	poll(t, "a window named like "+strconv.Quote(pattern)+" on "+d.Name, timeout, func(context.Context) (bool, string) {
		if alive.Exited() {
			t.Fatalf("%s exited before its window %q appeared", alive.Name, pattern)
		}
		out, err := xtool(d, "xdotool", "search", "--onlyvisible", "--name", pattern)
		ids := strings.Fields(out)
		if err != nil || len(ids) == 0 {
			return false, "none"
		}
		if len(ids) > 1 {
			return false, fmt.Sprintf("%d windows: %v", len(ids), ids)
		}
		w.id = ids[0]
		name, err := xtool(d, "xdotool", "getwindowname", w.id)
		if err != nil {
			return false, err.Error()
		}
		w.name = strings.TrimSpace(name)
		geo, err := xtool(d, "xdotool", "getwindowgeometry", "--shell", w.id)
		if err != nil {
			return false, err.Error()
		}
		v := map[string]int{}
		for _, l := range strings.Fields(geo) {
			k, s, _ := strings.Cut(l, "=")
			v[k], _ = strconv.Atoi(s)
		}
		w.rect = image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
		return !w.rect.Empty(), fmt.Sprintf("geometry %q", geo)
	})
	return w
}

// press sends a key combination (xdotool's syntax, e.g. ctrl+shift+c) to
// a window through XTEST, as a keyboard would. Without a window manager X
// delivers keys to the focused window, so the window is focused first; the
// pointer is moved over it too, so that the default PointerRoot focus
// agrees should anything reset the focus.
func press(t *testing.T, d *xvfbtest.Display, w window, combo string) {
	t.Helper()
	c := w.rect.Min.Add(w.rect.Size().Div(2))
	steps := [][]string{
		{"mousemove", strconv.Itoa(c.X), strconv.Itoa(c.Y)},
		{"windowfocus", "--sync", w.id},
		{"key", "--clearmodifiers", combo},
	}
	for _, s := range steps {
		if _, err := xtool(d, "xdotool", s...); err != nil {
			t.Fatalf("press %s in %q: %v", combo, w.name, err)
		}
	}
}

// screenshot is the X server's own picture of the whole screen, as
// `import -window root` would take it, without ImageMagick's round trip
// through a file.
func screenshot(t *testing.T, d *xvfbtest.Display) *image.RGBA {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, d.Width, d.Height))
	raw := grab(t, d, img.Rect)
	// BGRX to RGBA, two pixels per step: under -race every slice access
	// is checked, and pixel by pixel a 1080p screenshot takes half a second.
	for o := 0; o+8 <= len(raw); o += 8 {
		v := binary.LittleEndian.Uint64(raw[o:])
		v = v&0x0000ff000000ff00 | (v&0x000000ff000000ff)<<16 | (v>>16)&0x000000ff000000ff | 0xff000000ff000000
		binary.LittleEndian.PutUint64(img.Pix[o:], v)
	}
	return img
}

// grab returns the pixels of r on the screen as the X server keeps them:
// depth 24 is 32 bits per pixel, blue first.
func grab(t *testing.T, d *xvfbtest.Display, r image.Rectangle) []byte {
	t.Helper()
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatalf("screenshot of %s: connect: %v", d.Name, err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	w := r.Dx()
	out := make([]byte, 0, w*r.Dy()*4)
	// In bands, to stay under the maximum request length.
	for y := r.Min.Y; y < r.Max.Y; y += 64 {
		bh := min(64, r.Max.Y-y)
		rep, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root), int16(r.Min.X), int16(y), uint16(w), uint16(bh), 0xffffffff).Reply()
		if err != nil {
			t.Fatalf("screenshot of %v on %s: %v", r, d.Name, err)
		}
		if len(rep.Data) != w*bh*4 {
			t.Fatalf("screenshot of %s: %d bytes for %d×%d pixels; not 32 bits per pixel", d.Name, len(rep.Data), w, bh)
		}
		out = append(out, rep.Data...)
	}
	return out
}

// shotsEnv names the folder the screenshots are kept in.
const shotsEnv = "LIFELINE_CONSOLE_E2E_SHOTS"

// savePNG writes a screenshot as name in $LIFELINE_CONSOLE_E2E_SHOTS, or
// in dir when that is not set.
func savePNG(t *testing.T, dir, name string, img image.Image) {
	t.Helper()
	if d := os.Getenv(shotsEnv); d != "" {
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	// The best compression saves 4 % and takes seconds under -race.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		t.Fatalf("encode %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("save %s: %v", path, err)
	}
	t.Logf("screenshot: %s", path)
}
