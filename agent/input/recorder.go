package input

import (
	"image"
	"sync"

	"lifeline/shared/transport"
)

// Recorder is an Injector that injects nothing and records the events it
// would have applied, for tests of other packages. It follows the same
// pause rules as X11 (SimulateLocal plays the customer taking back
// control), so the agent's handling of ErrPaused and of the callbacks can be
// tested without an X server. It is safe for concurrent use.
type Recorder struct {
	gate
	mu     sync.Mutex
	events []transport.Input
	region image.Rectangle
	closed bool
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// Apply records ev, or returns ErrPaused / ErrClosed like X11 does.
func (r *Recorder) Apply(ev transport.Input) error {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if err := r.admit(ev); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Mods != nil {
		ev.Mods = append([]string(nil), ev.Mods...)
	}
	r.events = append(r.events, ev)
	return nil
}

// Events returns a copy of the events applied so far.
func (r *Recorder) Events() []transport.Input {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]transport.Input(nil), r.events...)
}

// Reset forgets the recorded events.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

// SetRegion records the region (an empty one is accepted: whole screen).
func (r *Recorder) SetRegion(region image.Rectangle) error {
	r.mu.Lock()
	r.region = region.Canon()
	r.mu.Unlock()
	return nil
}

// Region returns the last region set.
func (r *Recorder) Region() image.Rectangle {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.region
}

// SimulateLocal pauses as if the customer had moved their mouse: it calls
// the OnLocal function if input was not already paused.
func (r *Recorder) SimulateLocal() { r.pause(true) }

// Close makes further Apply calls return ErrClosed.
func (r *Recorder) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return nil
}

var _ Controller = (*Recorder)(nil)
