//go:build !linux || !cgo

package input

import (
	"errors"
	"image"

	"lifeline/shared/transport"
)

var errNoX11 = errors.New("input: X11 injection needs Linux and cgo (robotgo)")

// X11 is the X11 injector; on this platform or without cgo it cannot be
// opened.
type X11 struct{ gate }

// NewX11 fails: X11 injection needs Linux and a cgo build.
func NewX11(display string, region image.Rectangle) (Injector, error) { return nil, errNoX11 }

// OpenX11 fails: X11 injection needs Linux and a cgo build.
func OpenX11(display string, region image.Rectangle) (*X11, error) { return nil, errNoX11 }

func (x *X11) Apply(ev transport.Input) error    { return ErrClosed }
func (x *X11) Close() error                      { return nil }
func (x *X11) SetRegion(r image.Rectangle) error { return errNoX11 }
func (x *X11) Region() image.Rectangle           { return image.Rectangle{} }
func (x *X11) Watcher() *LocalActivity           { return nil }

var _ Controller = (*X11)(nil)
