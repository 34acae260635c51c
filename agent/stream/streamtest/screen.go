// Package streamtest provides a synthetic screen for tests of the stream
// and of the agent: a stream.Source whose content the test paints.
package streamtest

import (
	"context"
	"image"
	"image/color"
	"sync"
)

// Screen is an opaque synthetic screen. Capture reports the whole screen
// as changed after every Paint, and nothing otherwise.
type Screen struct {
	mu      sync.Mutex
	img     *image.RGBA
	dirty   bool
	changed chan struct{}
	closed  chan struct{}
	once    sync.Once
}

// New returns a w×h screen with a fixed pattern.
func New(w, h int) *Screen {
	s := &Screen{img: image.NewRGBA(image.Rect(0, 0, w, h)), dirty: true, changed: make(chan struct{}, 1), closed: make(chan struct{})}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s.img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return s
}

// Paint fills r with c.
func (s *Screen) Paint(r image.Rectangle, c color.RGBA) {
	s.mu.Lock()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			s.img.SetRGBA(x, y, c)
		}
	}
	s.dirty = true
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Snapshot returns a copy of the screen.
func (s *Screen) Snapshot() *image.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *s.img
	c.Pix = append([]byte(nil), s.img.Pix...)
	return &c
}

// Bounds is the screen's rectangle.
func (s *Screen) Bounds() image.Rectangle { return s.img.Rect }

// Closed is closed when the stream has closed the source.
func (s *Screen) Closed() <-chan struct{} { return s.closed }

// Size implements stream.Source.
func (s *Screen) Size() image.Point { return s.img.Rect.Size() }

// Capture implements stream.Source.
func (s *Screen) Capture(dst *image.RGBA) ([]image.Rectangle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil, nil
	}
	s.dirty = false
	copy(dst.Pix, s.img.Pix)
	return []image.Rectangle{s.img.Rect}, nil
}

// Wait implements stream.Source.
func (s *Screen) Wait(ctx context.Context) error {
	select {
	case <-s.changed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close implements stream.Source.
func (s *Screen) Close() error { s.once.Do(func() { close(s.closed) }); return nil }
