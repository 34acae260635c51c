package input

import (
	"errors"
	"fmt"
	"image"
	"sync"

	"lifeline/shared/transport"
)

// Injector applies the viewer's input events to the customer's desktop.
type Injector interface {
	// Apply injects one event. It returns ErrPaused (and injects nothing)
	// while the customer has taken back control, except for "down" and
	// "click", which resume and are applied.
	Apply(ev transport.Input) error
	// Close releases what the injector holds (buttons it pressed included).
	Close() error
}

// Controller is an Injector the customer can take control back from, whose
// shared region can change. *X11 and *Recorder implement it.
type Controller interface {
	Injector
	// SetRegion changes the part of the screen the viewer sees (monitor
	// switch). An empty rectangle means the whole screen.
	SetRegion(r image.Rectangle) error
	// Paused reports whether remote input is paused because the customer
	// used their own mouse or keyboard.
	Paused() bool
	// Resume lets remote input flow again. Apply calls it when a "down" or
	// "click" event arrives while paused.
	Resume()
	// OnLocal sets the function called (once per pause, from the watcher's
	// goroutine) when local input pauses remote input; nil removes it.
	OnLocal(f func())
	// OnResume sets the function called when input is resumed; nil removes
	// it.
	OnResume(f func())
}

var (
	// ErrPaused is returned by Apply for events dropped because the
	// customer took back control. The viewer resumes by clicking.
	ErrPaused = errors.New("input: paused: the customer is using the mouse or keyboard")
	// ErrClosed is returned by Apply after Close.
	ErrClosed = errors.New("input: injector closed")
)

// Mapper maps the viewer's coordinates to the X screen.
//
// The viewer sends pixels of the image it decoded, and that image has the
// size of the shared region (the capturer sends the region at 1:1), so no
// scaling happens here: (x, y) becomes region.Min + (x, y), clamped to the
// region so that a stale event from before a monitor switch can never
// reach another monitor. When the shared region changes (the viewer picks
// another monitor, or all of them), call SetRegion with the new one.
//
// A Mapper is safe for concurrent use.
type Mapper struct {
	mu     sync.Mutex
	region image.Rectangle
}

// NewMapper returns a Mapper for region, which must not be empty.
func NewMapper(region image.Rectangle) (*Mapper, error) {
	m := &Mapper{}
	if err := m.SetRegion(region); err != nil {
		return nil, err
	}
	return m, nil
}

// SetRegion sets the shared region, in screen coordinates.
func (m *Mapper) SetRegion(r image.Rectangle) error {
	r = r.Canon()
	if r.Empty() {
		return fmt.Errorf("input: empty region %v", r)
	}
	m.mu.Lock()
	m.region = r
	m.mu.Unlock()
	return nil
}

// Region returns the shared region.
func (m *Mapper) Region() image.Rectangle {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.region
}

// Map returns the screen position of the viewer's pixel (x, y).
func (m *Mapper) Map(x, y int) image.Point {
	r := m.Region()
	return image.Pt(clamp(r.Min.X+x, r.Min.X, r.Max.X-1), clamp(r.Min.Y+y, r.Min.Y, r.Max.Y-1))
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// gate holds the paused state shared by the injectors.
type gate struct {
	mu       sync.Mutex
	paused   bool
	onLocal  func()
	onResume func()
}

func (g *gate) Paused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}

func (g *gate) OnLocal(f func()) {
	g.mu.Lock()
	g.onLocal = f
	g.mu.Unlock()
}

func (g *gate) OnResume(f func()) {
	g.mu.Lock()
	g.onResume = f
	g.mu.Unlock()
}

// pause sets the paused state; it reports whether it was running, and calls
// onLocal if local is true and it was.
func (g *gate) pause(local bool) bool {
	g.mu.Lock()
	was := !g.paused
	g.paused = true
	f := g.onLocal
	g.mu.Unlock()
	if was && local && f != nil {
		f()
	}
	return was
}

// Resume clears the paused state and calls onResume if it was paused.
func (g *gate) Resume() {
	g.mu.Lock()
	was := g.paused
	g.paused = false
	f := g.onResume
	g.mu.Unlock()
	if was && f != nil {
		f()
	}
}

// admit decides whether ev may be applied: while paused only "down" and
// "click" pass, and they resume.
func (g *gate) admit(ev transport.Input) error {
	if !g.Paused() {
		return nil
	}
	if ev.Kind == transport.InputDown || ev.Kind == transport.InputClick {
		g.Resume()
		return nil
	}
	return ErrPaused
}
