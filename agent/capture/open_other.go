//go:build !linux

package capture

import (
	"errors"
	"image"

	"github.com/kbinani/screenshot"
)

// Open returns the capturer for this platform: Generic (kbinani/screenshot)
// outside Linux. display is ignored.
func Open(display string, region image.Rectangle) (Source, error) {
	return OpenGeneric(region)
}

// X11 is only available on Linux.
type X11 struct{ Generic }

// OpenX11 fails outside Linux.
func OpenX11(display string, region image.Rectangle) (*X11, error) {
	return nil, errors.New("capture: X11 capture is only built on Linux")
}

// Monitors lists the displays through kbinani/screenshot (display is
// ignored); index 0 is the primary one.
func Monitors(display string) ([]Monitor, error) {
	n := screenshot.NumActiveDisplays()
	if n == 0 {
		return nil, errors.New("capture: no display found")
	}
	mons := make([]Monitor, n)
	for i := range mons {
		mons[i] = Monitor{Index: i, Bounds: screenshot.GetDisplayBounds(i), Primary: i == 0}
	}
	return mons, nil
}
