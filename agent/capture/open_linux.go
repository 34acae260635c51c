//go:build linux

package capture

import "image"

// Open returns the capturer for this platform: X11 on Linux. display is the
// X display name (empty for $DISPLAY).
func Open(display string, region image.Rectangle) (Source, error) {
	x, err := OpenX11(display, region)
	if err != nil {
		return nil, err
	}
	return x, nil
}
