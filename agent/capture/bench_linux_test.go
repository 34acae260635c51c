//go:build linux

package capture

import (
	"image"
	"image/color"
	"testing"

	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"github.com/kbinani/screenshot"

	"lifeline/shared/xvfbtest"
)

func reportFrame(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkCapture1080p: a full-frame grab (MIT-SHM GetImage into the
// persistent segment) and conversion into the caller's RGBA image, as when
// the whole screen changes every frame.
func BenchmarkCapture1080p(b *testing.B) { benchFullFrames(b, true) }

// benchFullFrames captures full 1080p frames, with or without MIT-SHM.
func benchFullFrames(b *testing.B, useShm bool) {
	d := xvfbtest.Start(b, 1920, 1080)
	newPainter(b, d).scene(d.Width, d.Height)
	x := openT(b, d, image.Rectangle{})
	if !useShm {
		x.dropShm()
	}
	img := x.NewImage()
	b.SetBytes(1920 * 1080 * 4)
	for b.Loop() {
		x.setNeedFull()
		if _, err := x.Capture(img); err != nil {
			b.Fatal(err)
		}
	}
	reportFrame(b)
}

// BenchmarkShmGetImage1080p is the X server's share of a full frame: the
// MIT-SHM GetImage alone, without conversion.
func BenchmarkShmGetImage1080p(b *testing.B) {
	d := xvfbtest.Start(b, 1920, 1080)
	newPainter(b, d).scene(d.Width, d.Height)
	x := openT(b, d, image.Rectangle{})
	b.SetBytes(1920 * 1080 * 4)
	for b.Loop() {
		_, err := shm.GetImage(x.conn, xproto.Drawable(x.root), 0, 0, 1920, 1080, 0xffffffff,
			xproto.ImageFormatZPixmap, x.seg, 0).Reply()
		if err != nil {
			b.Fatal(err)
		}
	}
	reportFrame(b)
}

// BenchmarkCapture1080pNoShm is the fallback for remote X servers: the
// image travels through the socket and xgb allocates it twice.
func BenchmarkCapture1080pNoShm(b *testing.B) { benchFullFrames(b, false) }

// BenchmarkCaptureIdle1080p: the screen does not change; Capture answers
// from the damage state without a request.
func BenchmarkCaptureIdle1080p(b *testing.B) {
	d := xvfbtest.Start(b, 1920, 1080)
	x := openT(b, d, image.Rectangle{})
	img := x.NewImage()
	if _, err := x.Capture(img); err != nil {
		b.Fatal(err)
	}
	settle(b, x, img)
	for b.Loop() {
		if rects, err := x.Capture(img); err != nil || len(rects) != 0 {
			b.Fatal(rects, err)
		}
	}
}

// BenchmarkCaptureSmallDamage1080p: a 200×50 area changes each frame
// (typing, a blinking cursor): only that area is fetched and converted.
func BenchmarkCaptureSmallDamage1080p(b *testing.B) {
	d := xvfbtest.Start(b, 1920, 1080)
	p := newPainter(b, d)
	x := openT(b, d, image.Rectangle{})
	img := x.NewImage()
	if _, err := x.Capture(img); err != nil {
		b.Fatal(err)
	}
	r := image.Rect(800, 500, 1000, 550)
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		p.fill(r, color.RGBA{uint8(i), uint8(i >> 8), 0x40, 255})
		waitCtx(b, x)
		b.StartTimer()
		rects, err := x.Capture(img)
		if err != nil || len(rects) == 0 {
			b.Fatal(rects, err)
		}
	}
	reportFrame(b)
}

// BenchmarkKbinaniCapture1080p is the peer: screenshot.Capture as shipped
// connects, creates and removes a shared segment, and allocates a new image
// on every call.
func BenchmarkKbinaniCapture1080p(b *testing.B) {
	d := xvfbtest.Start(b, 1920, 1080)
	newPainter(b, d).scene(d.Width, d.Height)
	b.Setenv("DISPLAY", d.Name)
	b.Setenv("XDG_SESSION_TYPE", "x11")
	b.SetBytes(1920 * 1080 * 4)
	for b.Loop() {
		if _, err := screenshot.Capture(0, 0, 1920, 1080); err != nil {
			b.Fatal(err)
		}
	}
	reportFrame(b)
}
