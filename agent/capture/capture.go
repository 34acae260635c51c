// Package capture grabs the customer's screen for the agent: stage 1 of the
// screen pipeline (see DESIGN.md, "Screen pipeline").
//
// On Linux/X11 the X11 capturer keeps one X connection and one MIT-SHM
// segment for its whole life and asks the X server (XDamage) what changed,
// so an idle desktop costs no CPU and no copy:
//
//	c, err := capture.OpenX11("", image.Rectangle{}) // $DISPLAY, all monitors
//	frame := c.NewImage()
//	for {
//		if err := c.Wait(ctx); err != nil { ... }   // sleeps while nothing changes
//		damaged, err := c.Capture(frame)             // updates only what changed
//		...                                          // frame now holds the screen
//	}
//
// Elsewhere Generic uses github.com/kbinani/screenshot (a new connection and
// a full grab per frame, so it polls). Open picks the right one.
package capture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"
)

// Source is a screen capturer: X11 on Linux, Generic elsewhere.
type Source interface {
	// Bounds is the captured area in the screen's coordinates (for X11 the
	// root window's: all monitors form one virtual screen).
	Bounds() image.Rectangle
	// NewImage allocates an image of the right size for Capture, with
	// Bounds (0,0)-(w,h).
	NewImage() *image.RGBA
	// Capture brings dst up to date with the screen and returns the
	// rectangles (in dst's coordinates) that changed since the previous
	// Capture into the same dst. No rectangles means nothing changed. The
	// first Capture, and any Capture into a different image than the last
	// one, is a full frame. dst must be Bounds().Size() big; pixels outside
	// the returned rectangles are left untouched, so keep passing the same
	// image, which then always holds the whole current screen.
	Capture(dst *image.RGBA) (damaged []image.Rectangle, err error)
	// Wait blocks until the screen has (probably) changed since the last
	// Capture, ctx is done (returning ctx.Err()) or the source fails.
	Wait(ctx context.Context) error
	// Close releases the connection and the shared memory.
	Close() error
}

// Monitor is one physical (or RandR-declared) monitor.
type Monitor struct {
	// Index is the position in the list Monitors returns; 0 is the primary
	// monitor.
	Index int
	// Bounds in the screen's coordinates; pass it to OpenX11 to capture
	// only this monitor.
	Bounds image.Rectangle
	// Primary marks the monitor the desktop calls primary (on X11, RandR's
	// primary output; the first Xinerama screen when RandR is missing).
	Primary bool
}

// Errors returned by the capturers.
var (
	// ErrNoDisplay is returned (wrapped) when DISPLAY is not set and no
	// display name was given.
	ErrNoDisplay = errors.New("no X display: DISPLAY is not set")
	// ErrScreenChanged is returned by Capture and Wait when the screen was
	// resized (RandR): the capturer must be reopened.
	ErrScreenChanged = errors.New("capture: the screen size changed; reopen the capturer")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("capture: capturer is closed")
)

// pollInterval is how often Wait wakes up when the source cannot tell when
// the screen changes (no XDamage, Generic).
const pollInterval = 50 * time.Millisecond

// checkDst verifies that dst can hold a frame of the given size.
func checkDst(dst *image.RGBA, size image.Point) error {
	if dst == nil {
		return errors.New("capture: nil destination image")
	}
	if got := dst.Rect.Size(); got != size {
		return fmt.Errorf("capture: destination is %dx%d, the captured area is %dx%d", got.X, got.Y, size.X, size.Y)
	}
	return nil
}

// sleep waits for d or ctx.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
