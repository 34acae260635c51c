//go:build linux

package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"log"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"

	"lifeline/shared/xvfbtest"
)

func TestMain(m *testing.M) {
	// xgb logs "Could not get authority info" for every connection to an
	// Xvfb started without -auth.
	xgb.Logger = log.New(io.Discard, "", 0)
	os.Exit(m.Run())
}

// painter is a second X client that draws on the root window like an
// application would, so the capturer sees real server-side damage.
type painter struct {
	t    testing.TB
	conn *xgb.Conn
	root xproto.Window
	gc   xproto.Gcontext
}

func newPainter(t testing.TB, d *xvfbtest.Display) *painter {
	t.Helper()
	conn, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatalf("painter connect: %v", err)
	}
	t.Cleanup(conn.Close)
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	gc, err := xproto.NewGcontextId(conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := xproto.CreateGCChecked(conn, gc, xproto.Drawable(root), 0, nil).Check(); err != nil {
		t.Fatal(err)
	}
	return &painter{t: t, conn: conn, root: root, gc: gc}
}

func pixelOf(c color.RGBA) uint32 { return uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B) }

// fill paints r in c and waits until the server has done it.
func (p *painter) fill(r image.Rectangle, c color.RGBA) {
	p.t.Helper()
	xproto.ChangeGC(p.conn, p.gc, xproto.GcForeground, []uint32{pixelOf(c)})
	err := xproto.PolyFillRectangleChecked(p.conn, xproto.Drawable(p.root), p.gc,
		[]xproto.Rectangle{{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}}).Check()
	if err != nil {
		p.t.Fatalf("fill %v: %v", r, err)
	}
}

// noise puts random pixels (every channel value occurs) into r.
func (p *painter) noise(r image.Rectangle, seed int64) {
	p.t.Helper()
	rnd := rand.New(rand.NewSource(seed))
	w := r.Dx()
	rows := 16384 / w // stay far below the 256 KiB request limit
	if rows < 1 {
		rows = 1
	}
	for y := r.Min.Y; y < r.Max.Y; y += rows {
		h := min(rows, r.Max.Y-y)
		data := make([]byte, w*h*4)
		rnd.Read(data)
		err := xproto.PutImageChecked(p.conn, xproto.ImageFormatZPixmap, xproto.Drawable(p.root), p.gc,
			uint16(w), uint16(h), int16(r.Min.X), int16(y), 0, 24, data).Check()
		if err != nil {
			p.t.Fatalf("PutImage: %v", err)
		}
	}
}

// scene draws a deterministic picture over the whole screen: bands of
// colours, noise, and rectangles at odd positions.
func (p *painter) scene(w, h int) {
	p.t.Helper()
	cols := []color.RGBA{{0x12, 0x34, 0x56, 255}, {0xff, 0, 0, 255}, {0, 0xff, 0, 255}, {0, 0, 0xff, 255}, {0xfe, 0xdc, 0xba, 255}, {0, 0, 0, 255}, {0xff, 0xff, 0xff, 255}}
	band := h/len(cols) + 1
	for i, c := range cols {
		p.fill(image.Rect(0, i*band, w, min(h, (i+1)*band)), c)
	}
	p.noise(image.Rect(w/5+1, h/4+3, w/5+1+257, h/4+3+131), 1)
	p.fill(image.Rect(w-37, h-11, w, h), color.RGBA{0x01, 0x80, 0xff, 255})
	p.fill(image.Rect(0, 0, 1, 1), color.RGBA{0xaa, 0xbb, 0xcc, 255})
}

// reference returns the root window as the X server gives it to a plain
// GetImage, decoded byte by byte (no shared code with the capturer).
func reference(t testing.TB, d *xvfbtest.Display) *image.RGBA {
	t.Helper()
	conn, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	setup := xproto.Setup(conn)
	if setup.ImageByteOrder != xproto.ImageOrderLSBFirst {
		t.Skip("reference decoder assumes an LSB-first server")
	}
	root := setup.DefaultScreen(conn).Root
	img := image.NewRGBA(image.Rect(0, 0, d.Width, d.Height))
	const strip = 64
	for y := 0; y < d.Height; y += strip {
		h := min(strip, d.Height-y)
		reply, err := xproto.GetImage(conn, xproto.ImageFormatZPixmap, xproto.Drawable(root), 0, int16(y), uint16(d.Width), uint16(h), 0xffffffff).Reply()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < d.Width*h; i++ {
			b := reply.Data[i*4:]
			img.SetRGBA(i%d.Width, y+i/d.Width, color.RGBA{b[2], b[1], b[0], 255})
		}
	}
	return img
}

// xwdCapture returns the root window as xwd (x11-apps) dumps it, decoded
// from the XWD file format.
func xwdCapture(t testing.TB, d *xvfbtest.Display) *image.RGBA {
	t.Helper()
	if _, err := exec.LookPath("xwd"); err != nil {
		xvfbtest.Unavailable(t, "xwd is not installed")
	}
	out, err := d.Command("xwd", "-root", "-silent").Output()
	if err != nil {
		t.Fatalf("xwd: %v", err)
	}
	img, err := decodeXWD(out)
	if err != nil {
		t.Fatalf("decode xwd: %v", err)
	}
	return img
}

func decodeXWD(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, errors.New("short file")
	}
	f := func(i int) uint32 { return binary.BigEndian.Uint32(b[i*4:]) }
	headerSize, version := int(f(0)), f(1)
	w, h := int(f(4)), int(f(5))
	byteOrder, bpp, bpl := f(7), f(11), int(f(12))
	rMask, gMask, bMask := f(14), f(15), f(16)
	ncolors := int(f(19))
	if version != 7 || bpp != 32 {
		return nil, fmt.Errorf("unsupported xwd: version %d, %d bpp", version, bpp)
	}
	data := b[headerSize+ncolors*12:]
	if len(data) < bpl*h {
		return nil, fmt.Errorf("short image data: %d < %d", len(data), bpl*h)
	}
	pf := pixelFormat{bpp: 32, pad: 32, msbFirst: byteOrder == 1, rMask: rMask, gMask: gMask, bMask: bMask}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		pf.rowGeneric(img.Pix[y*img.Stride:], data[y*bpl:], w)
	}
	return img, nil
}

// sameImage fails with the first differing pixel.
func sameImage(t testing.TB, what string, got, want *image.RGBA) {
	t.Helper()
	if got.Rect.Size() != want.Rect.Size() {
		t.Fatalf("%s: size %v, want %v", what, got.Rect.Size(), want.Rect.Size())
	}
	for y := 0; y < got.Rect.Dy(); y++ {
		g := got.Pix[(y)*got.Stride : y*got.Stride+got.Rect.Dx()*4]
		w := want.Pix[(y)*want.Stride : y*want.Stride+want.Rect.Dx()*4]
		if !bytes.Equal(g, w) {
			for x := 0; x < got.Rect.Dx(); x++ {
				if !bytes.Equal(g[x*4:x*4+4], w[x*4:x*4+4]) {
					t.Fatalf("%s: pixel (%d,%d) is %v, want %v", what, x, y, g[x*4:x*4+4], w[x*4:x*4+4])
				}
			}
		}
	}
}

func openT(t testing.TB, d *xvfbtest.Display, region image.Rectangle) *X11 {
	t.Helper()
	x, err := OpenX11(d.Name, region)
	if err != nil {
		t.Fatalf("OpenX11: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// One Xvfb at an odd size for the pixel tests; the damage tests draw on it
// too, so they run in sequence in this one test.
func TestX11(t *testing.T) {
	d := xvfbtest.Start(t, 1366, 768)
	p := newPainter(t, d)
	p.scene(d.Width, d.Height)

	t.Run("FullFrameMatchesServer", func(t *testing.T) {
		x := openT(t, d, image.Rectangle{})
		if !x.UsesShm() || !x.UsesDamage() {
			t.Fatalf("Xvfb should offer MIT-SHM (%v) and DAMAGE (%v)", x.UsesShm(), x.UsesDamage())
		}
		if x.Bounds() != image.Rect(0, 0, 1366, 768) {
			t.Fatalf("bounds %v", x.Bounds())
		}
		img := x.NewImage()
		rects, err := x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if len(rects) != 1 || rects[0] != img.Rect {
			t.Fatalf("first capture reported %v, want the whole frame", rects)
		}
		sameImage(t, "capture vs GetImage", img, reference(t, d))
		sameImage(t, "capture vs xwd", img, xwdCapture(t, d))
	})

	t.Run("PlainGetImageFallback", func(t *testing.T) {
		x := openT(t, d, image.Rectangle{})
		x.dropShm()
		img := x.NewImage()
		if _, err := x.Capture(img); err != nil {
			t.Fatal(err)
		}
		sameImage(t, "GetImage fallback", img, reference(t, d))
	})

	t.Run("Region", func(t *testing.T) {
		region := image.Rect(273, 191, 273+333, 191+211) // odd width, odd origin
		x := openT(t, d, region)
		if x.Bounds() != region {
			t.Fatalf("bounds %v", x.Bounds())
		}
		// A destination whose origin is not (0,0).
		img := image.NewRGBA(image.Rect(10, 20, 10+333, 20+211))
		rects, err := x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if len(rects) != 1 || rects[0] != img.Rect {
			t.Fatalf("reported %v, want %v", rects, img.Rect)
		}
		want := reference(t, d).SubImage(region).(*image.RGBA)
		sameImage(t, "region", img, want)

		// A region reaching past the screen is clipped to it.
		x2 := openT(t, d, image.Rect(1300, 700, 1500, 900))
		if x2.Bounds() != image.Rect(1300, 700, 1366, 768) {
			t.Fatalf("clipped bounds %v", x2.Bounds())
		}
		if _, err := OpenX11(d.Name, image.Rect(2000, 0, 2100, 100)); err == nil {
			t.Fatal("region outside the screen accepted")
		}
	})

	t.Run("Damage", func(t *testing.T) {
		x := openT(t, d, image.Rectangle{})
		img := x.NewImage()
		ctx := context.Background()
		if err := x.Wait(ctx); err != nil { // first frame is always due
			t.Fatal(err)
		}
		if _, err := x.Capture(img); err != nil {
			t.Fatal(err)
		}
		settle(t, x, img)

		// Unchanged screen: nothing reported, no GetImage sent.
		grabs := x.grabs.Load()
		for i := 0; i < 100; i++ {
			rects, err := x.Capture(img)
			if err != nil || len(rects) != 0 {
				t.Fatalf("idle capture %d: %v, %v", i, rects, err)
			}
		}
		if n := x.grabs.Load() - grabs; n != 0 {
			t.Fatalf("idle captures sent %d GetImage requests", n)
		}

		// Wait blocks on an idle screen until the context ends, without
		// spinning: the process uses a small fraction of the CPU meanwhile.
		cpu0 := cpuTime()
		start := time.Now()
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err := x.Wait(wctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 190*time.Millisecond {
			t.Fatalf("Wait on an idle screen: %v after %v", err, time.Since(start))
		}
		if used := cpuTime() - cpu0; used > 50*time.Millisecond {
			t.Fatalf("Wait on an idle screen used %v of CPU in %v", used, time.Since(start))
		}

		// Wait returns soon after a drawing, Capture reports it.
		drawn := image.Rect(101, 57, 101+45, 57+33)
		done := make(chan error, 1)
		go func() {
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			done <- x.Wait(wctx)
		}()
		time.Sleep(20 * time.Millisecond)
		drewAt := time.Now()
		p.fill(drawn, color.RGBA{0xde, 0xad, 0xbe, 255})
		if err := <-done; err != nil {
			t.Fatalf("Wait after drawing: %v", err)
		}
		if lat := time.Since(drewAt); lat > time.Second {
			t.Fatalf("Wait returned %v after the drawing", lat)
		}
		grabs = x.grabs.Load()
		rects, err := x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if !covers(rects, drawn) {
			t.Fatalf("damage %v does not cover %v", rects, drawn)
		}
		if area(rects) > 4*drawn.Dx()*drawn.Dy() {
			t.Fatalf("damage %v much larger than the drawing %v", rects, drawn)
		}
		if n := x.grabs.Load() - grabs; n < 1 || n > int64(len(rects)) {
			t.Fatalf("%d GetImage requests for %d rectangles", n, len(rects))
		}
		sameImage(t, "after damage", img, reference(t, d))
		if rects, _ := x.Capture(img); len(rects) != 0 {
			t.Fatalf("damage reported twice: %v", rects)
		}

		// Several separate drawings: each one reported, pixels right.
		a, b := image.Rect(5, 700, 17, 761), image.Rect(1300, 3, 1366, 9)
		p.fill(a, color.RGBA{1, 2, 3, 255})
		p.fill(b, color.RGBA{4, 5, 6, 255})
		p.noise(image.Rect(600, 300, 611, 377), 2)
		waitCtx(t, x)
		rects, err = x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if !covers(rects, a) || !covers(rects, b) || !covers(rects, image.Rect(600, 300, 611, 377)) {
			t.Fatalf("damage %v misses a drawing", rects)
		}
		sameImage(t, "after several drawings", img, reference(t, d))

		// A new top-level window drawn by its client damages the root too.
		win := p.window(image.Rect(400, 400, 480, 450), color.RGBA{0x22, 0x44, 0x66, 255})
		waitCtx(t, x)
		rects, err = x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if !covers(rects, win) {
			t.Fatalf("damage %v does not cover the new window %v", rects, win)
		}
		sameImage(t, "after a window appeared", img, reference(t, d))

		// A different destination image gets a full frame.
		img2 := x.NewImage()
		rects, err = x.Capture(img2)
		if err != nil || len(rects) != 1 || rects[0] != img2.Rect {
			t.Fatalf("capture into a new image: %v, %v", rects, err)
		}
		sameImage(t, "new destination", img2, img)
	})

	t.Run("RegionIgnoresDamageOutside", func(t *testing.T) {
		region := image.Rect(700, 100, 900, 300)
		x := openT(t, d, region)
		img := x.NewImage()
		if _, err := x.Capture(img); err != nil {
			t.Fatal(err)
		}
		settle(t, x, img)
		grabs := x.grabs.Load()
		p.fill(image.Rect(10, 10, 50, 50), color.RGBA{9, 9, 9, 255})
		waitCtx(t, x)
		rects, err := x.Capture(img)
		if err != nil || len(rects) != 0 || x.grabs.Load() != grabs {
			t.Fatalf("damage outside the region: %v, %v, %d grabs", rects, err, x.grabs.Load()-grabs)
		}
		// Straddling the edge: reported clipped, relative to the region.
		p.fill(image.Rect(650, 150, 720, 160), color.RGBA{7, 7, 7, 255})
		waitCtx(t, x)
		rects, err = x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if !covers(rects, image.Rect(0, 50, 20, 60)) || !bbox(rects).In(image.Rect(0, 0, 200, 200)) {
			t.Fatalf("straddling damage reported as %v", rects)
		}
		sameImage(t, "region after damage", img, reference(t, d).SubImage(region).(*image.RGBA))
	})

	t.Run("NoDamageExtension", func(t *testing.T) {
		x := openT(t, d, image.Rectangle{})
		x.dropDamage()
		img := x.NewImage()
		for i := 0; i < 2; i++ {
			rects, err := x.Capture(img)
			if err != nil || len(rects) != 1 {
				t.Fatalf("capture %d without damage: %v, %v", i, rects, err)
			}
		}
		start := time.Now()
		if err := x.Wait(context.Background()); err != nil || time.Since(start) < pollInterval/2 {
			t.Fatalf("Wait without damage: %v after %v", err, time.Since(start))
		}
	})

	t.Run("Generic", func(t *testing.T) {
		t.Setenv("DISPLAY", d.Name)
		t.Setenv("XDG_SESSION_TYPE", "x11")
		g, err := OpenGeneric(image.Rectangle{})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		if g.Bounds() != image.Rect(0, 0, d.Width, d.Height) {
			t.Fatalf("bounds %v", g.Bounds())
		}
		img := g.NewImage()
		rects, err := g.Capture(img)
		if err != nil || len(rects) != 1 || rects[0] != img.Rect {
			t.Fatalf("first generic capture: %v, %v", rects, err)
		}
		sameImage(t, "generic", img, reference(t, d))
		rects, err = g.Capture(img)
		if err != nil || len(rects) != 0 {
			t.Fatalf("idle generic capture: %v, %v", rects, err)
		}
		p.fill(image.Rect(0, 30, 10, 35), color.RGBA{0x31, 0x41, 0x59, 255})
		rects, err = g.Capture(img)
		if err != nil || len(rects) != 1 || rects[0] != image.Rect(0, 30, d.Width, 35) {
			t.Fatalf("generic damage: %v, %v", rects, err)
		}
	})

	t.Run("Monitors", func(t *testing.T) {
		mons, err := Monitors(d.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(mons) != 1 || mons[0] != (Monitor{Index: 0, Bounds: image.Rect(0, 0, 1366, 768), Primary: true}) {
			t.Fatalf("monitors %+v", mons)
		}
	})
}

// settle captures until a capture reports nothing: events for damage that
// was already grabbed may still be on their way.
func settle(t testing.TB, x *X11, img *image.RGBA) {
	t.Helper()
	time.Sleep(30 * time.Millisecond)
	for i := 0; i < 5; i++ {
		rects, err := x.Capture(img)
		if err != nil {
			t.Fatal(err)
		}
		if len(rects) == 0 {
			return
		}
	}
	t.Fatal("screen does not settle")
}

func waitCtx(t testing.TB, x *X11) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := x.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// window maps a top-level window of colour c at r and waits until it is
// drawn.
func (p *painter) window(r image.Rectangle, c color.RGBA) image.Rectangle {
	p.t.Helper()
	wid, err := xproto.NewWindowId(p.conn)
	if err != nil {
		p.t.Fatal(err)
	}
	err = xproto.CreateWindowChecked(p.conn, 0, wid, p.root, int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), 0,
		xproto.WindowClassInputOutput, 0, xproto.CwBackPixel|xproto.CwOverrideRedirect, []uint32{pixelOf(c), 1}).Check()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := xproto.MapWindowChecked(p.conn, wid).Check(); err != nil {
		p.t.Fatal(err)
	}
	xproto.GetInputFocus(p.conn).Reply() // round trip: mapped and painted
	return r
}

func covers(rects []image.Rectangle, r image.Rectangle) bool {
	// Every pixel of r is in some rectangle (rects may split r).
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			in := false
			for _, q := range rects {
				if (image.Point{x, y}).In(q) {
					in = true
					break
				}
			}
			if !in {
				return false
			}
		}
	}
	return true
}

func area(rects []image.Rectangle) int {
	n := 0
	for _, r := range rects {
		n += r.Dx() * r.Dy()
	}
	return n
}

func TestNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	_, err := OpenX11("", image.Rectangle{})
	if !errors.Is(err, ErrNoDisplay) || err.Error() != "no X display: DISPLAY is not set" {
		t.Fatalf("DISPLAY unset: %v", err)
	}
	if _, err := Monitors(""); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Monitors with DISPLAY unset: %v", err)
	}
	if _, err := Open("", image.Rectangle{}); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Open with DISPLAY unset: %v", err)
	}

	// A display number nobody serves.
	n := 4999
	for ; n < 5100; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err != nil {
			break
		}
	}
	name := fmt.Sprintf(":%d", n)
	_, err = OpenX11(name, image.Rectangle{})
	if err == nil || !strings.HasPrefix(err.Error(), "cannot connect to X display "+name+": ") {
		t.Fatalf("unreachable display: %v", err)
	}
	t.Setenv("DISPLAY", name)
	if _, err := OpenX11("", image.Rectangle{}); err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("unreachable $DISPLAY: %v", err)
	}
	for _, bad := range []string{"garbage", ":x", "/nonexistent/:0"} {
		if _, err := OpenX11(bad, image.Rectangle{}); err == nil {
			t.Fatalf("display %q accepted", bad)
		}
	}
}

// The X server going away (or the screen being resized) turns into errors,
// not hangs or panics.
func TestServerGone(t *testing.T) {
	d := xvfbtest.Start(t, 320, 240)
	x := openT(t, d, image.Rectangle{})
	img := x.NewImage()
	if _, err := x.Capture(img); err != nil {
		t.Fatal(err)
	}

	if _, err := exec.LookPath("xrandr"); err == nil {
		// xrandr exits with an error (the output no longer fits) but the
		// root window has been resized.
		d.Command("xrandr", "--fb", "200x100").Run()
		// Damage from the resize may wake Wait first (nil, and a capture
		// then takes it); the resize itself must come as ErrScreenChanged.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var err error
		for err == nil {
			if err = x.Wait(ctx); err == nil {
				_, err = x.Capture(img)
			}
		}
		cancel()
		if !errors.Is(err, ErrScreenChanged) {
			t.Fatalf("Wait after a resize: %v", err)
		}
		if _, err := x.Capture(img); !errors.Is(err, ErrScreenChanged) {
			t.Fatalf("Capture after a resize: %v", err)
		}
	}

	d.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := x.Wait(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait after the server died: %v", err)
	}
	if _, err := x.Capture(img); err == nil {
		t.Fatal("Capture after the server died succeeded")
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Capture(img); !errors.Is(err, ErrClosed) {
		t.Fatalf("Capture after Close: %v", err)
	}
}

// RandR 1.5 virtual monitors (xrandr --setmonitor) are listed with their
// bounds; the output's own monitor stays primary.
func TestMonitorsRandR(t *testing.T) {
	if _, err := exec.LookPath("xrandr"); err != nil {
		xvfbtest.Unavailable(t, "xrandr is not installed")
	}
	d := xvfbtest.Start(t, 1366, 768)
	for _, args := range [][]string{
		{"--setmonitor", "left", "683/180x768/200+0+0", "none"},
		{"--setmonitor", "right", "683/180x768/200+683+0", "none"},
	} {
		if out, err := d.Command("xrandr", args...).CombinedOutput(); err != nil {
			t.Skipf("xrandr %v: %v %s", args, err, out)
		}
	}
	mons, err := Monitors(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	want := []Monitor{
		{0, image.Rect(0, 0, 1366, 768), true},
		{1, image.Rect(0, 0, 683, 768), false},
		{2, image.Rect(683, 0, 1366, 768), false},
	}
	if fmt.Sprint(mons) != fmt.Sprint(want) {
		t.Fatalf("monitors %v, want %v", mons, want)
	}
	// An explicitly chosen primary ("*name") comes first.
	if out, err := d.Command("xrandr", "--setmonitor", "*top", "300/80x200/50+100+0", "none").CombinedOutput(); err != nil {
		t.Fatalf("xrandr: %v %s", err, out)
	}
	mons, err = Monitors(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(mons) != 4 || mons[0] != (Monitor{0, image.Rect(100, 0, 400, 200), true}) || mons[1].Primary || mons[2].Primary || mons[3].Primary {
		t.Fatalf("monitors with a primary: %v", mons)
	}
	// A monitor's bounds open a capturer of that monitor.
	x := openT(t, d, mons[2].Bounds)
	if x.Bounds() != mons[2].Bounds {
		t.Fatalf("bounds %v", x.Bounds())
	}
}

// dropShm switches x to the plain GetImage path, as on a remote X server.
func (x *X11) dropShm() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.useShm {
		shm.Detach(x.conn, x.seg)
		unix.SysvShmDetach(x.shmData)
		x.useShm, x.shmData = false, nil
	}
}

// dropDamage makes x behave as on a server without XDamage.
func (x *X11) dropDamage() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.useDamage {
		damage.Destroy(x.conn, x.dmg)
		x.useDamage = false
	}
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
