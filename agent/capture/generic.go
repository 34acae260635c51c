package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/kbinani/screenshot"
)

// Generic captures through github.com/kbinani/screenshot: GDI on Windows,
// CoreGraphics on macOS, X11 (Xinerama and a new connection and MIT-SHM
// segment per frame) or the desktop portal on Wayland elsewhere. It cannot
// tell when the screen changes, so Wait polls and Capture grabs the whole
// area each time; it compares rows with dst to report only what changed.
//
// Coordinates are kbinani's: relative to the top-left corner of the primary
// display.
type Generic struct {
	region  image.Rectangle
	lastDst *image.RGBA
}

var _ Source = (*Generic)(nil)

// OpenGeneric captures region, or all displays when region is empty.
func OpenGeneric(region image.Rectangle) (g *Generic, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("capture: screenshot: %v", r)
		}
	}()
	if region.Empty() {
		n := screenshot.NumActiveDisplays()
		if n == 0 {
			return nil, errors.New("capture: no display found (screenshot: 0 active displays)")
		}
		for i := 0; i < n; i++ {
			region = region.Union(screenshot.GetDisplayBounds(i))
		}
		if region.Empty() {
			return nil, errors.New("capture: displays have no area")
		}
	}
	return &Generic{region: region}, nil
}

// Bounds returns the captured area.
func (g *Generic) Bounds() image.Rectangle { return g.region }

// NewImage returns an image the size of the captured area.
func (g *Generic) NewImage() *image.RGBA {
	return image.NewRGBA(image.Rect(0, 0, g.region.Dx(), g.region.Dy()))
}

// Capture grabs the area and copies into dst the rows that differ; the
// bands of changed rows (full width) are returned.
func (g *Generic) Capture(dst *image.RGBA) (damaged []image.Rectangle, err error) {
	if err := checkDst(dst, g.region.Size()); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			damaged, err = nil, fmt.Errorf("capture: screenshot: %v", r)
		}
	}()
	img, err := screenshot.CaptureRect(g.region)
	if err != nil {
		return nil, fmt.Errorf("capture: screenshot: %w", err)
	}
	full := dst != g.lastDst
	w, h := g.region.Dx(), g.region.Dy()
	n := w * 4
	start := -1
	for y := 0; y <= h; y++ {
		changed := false
		if y < h {
			s := img.Pix[y*img.Stride : y*img.Stride+n]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+n]
			if full || !bytes.Equal(s, d) {
				copy(d, s)
				changed = true
			}
		}
		if changed && start < 0 {
			start = y
		} else if !changed && start >= 0 {
			damaged = append(damaged, image.Rect(0, start, w, y).Add(dst.Rect.Min))
			start = -1
		}
	}
	g.lastDst = dst
	return damaged, nil
}

// Wait sleeps for the polling interval: screenshot cannot report changes.
func (g *Generic) Wait(ctx context.Context) error {
	if g.lastDst == nil {
		return ctx.Err()
	}
	return sleep(ctx, pollInterval)
}

// Close does nothing: screenshot holds no resources between calls.
func (g *Generic) Close() error { return nil }
