package cli

import (
	"errors"
	"fmt"
	"image"

	"lifeline/agent/input"
	"lifeline/agent/session"
	"lifeline/shared/transport"
)

// inputFor opens input injection on display, on first use.
func inputFor(display string) func() (session.Injector, error) {
	return func() (session.Injector, error) {
		x, err := input.OpenX11(display, image.Rectangle{})
		if err != nil {
			return nil, err
		}
		return injector{x}, nil
	}
}

// injector adapts the X11 injector to the session's interface.
type injector struct{ x *input.X11 }

func (i injector) Apply(ev transport.Input) error {
	err := i.x.Apply(ev)
	if errors.Is(err, input.ErrPaused) {
		return fmt.Errorf("%w (%v)", session.ErrPaused, err)
	}
	return err
}

func (i injector) SetRegion(r image.Rectangle) { _ = i.x.SetRegion(r) }
func (i injector) Close() error                { return i.x.Close() }
