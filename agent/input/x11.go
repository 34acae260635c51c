//go:build linux && cgo

package input

import (
	"errors"
	"fmt"
	"image"
	"os"
	"sync"
	"time"

	"github.com/go-vgo/robotgo"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"lifeline/shared/transport"
)

// X11 injects input into an X display: the mouse and named keys through
// robotgo (XTEST and XWarpPointer on its own Xlib connection), characters
// through XTEST on a pure-Go xgb connection (see keyboard). It pauses when
// the customer uses their own mouse or keyboard (see LocalActivity).
//
// Apply may be called from one goroutine while the watcher runs in
// another; every method is safe for concurrent use.
type X11 struct {
	gate
	display string
	mapper  *Mapper
	conn    *xgb.Conn
	root    xproto.Window
	kbd     *keyboard
	watch   *LocalActivity

	mu        sync.Mutex // serializes injection (robotgo's Xlib connection is not thread-safe)
	closed    bool
	held      map[string]bool // mouse buttons we pressed and not released
	closeOnce sync.Once

	st      sync.Mutex // state shared with the watcher
	busy    int
	gen     uint64
	last    image.Point // where our last move left the pointer
	warps   []warp      // positions of our moves RECORD has not reported yet
	pend    [2]int      // announced key and button presses
	pendTo  [2]time.Time
	lostErr error
}

type warp struct {
	p     image.Point
	until time.Time
}

// maxWarps bounds the announced moves (a warp to where the pointer already
// is makes no motion, so its entry waits for its deadline).
const maxWarps = 64

// pendingFor is how long announced presses wait for RECORD to report them.
const pendingFor = 2 * time.Second

// One process injects into one display: robotgo keeps a single Xlib
// connection in C globals.
var (
	openMu sync.Mutex
	openX  *X11
)

// NewX11 opens an injector on display ("" means $DISPLAY) for the shared
// region of the screen (empty: the whole screen). See OpenX11.
func NewX11(display string, region image.Rectangle) (Injector, error) {
	x, err := OpenX11(display, region)
	if err != nil {
		return nil, err
	}
	return x, nil
}

// OpenX11 is NewX11 returning the *X11, for SetRegion, Paused, Resume,
// OnLocal and OnResume.
//
// The display is first checked with a pure-Go connection: robotgo's C code
// segfaults when it cannot open a display, so without an answering X
// server OpenX11 returns an error starting with "input: no X display" and
// robotgo is never called. It then sets DISPLAY (os.Setenv, for the whole
// process) and robotgo's display name to display. Only one X11 may be open
// at a time in a process.
func OpenX11(display string, region image.Rectangle) (*X11, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return nil, errors.New("input: no X display: DISPLAY is not set")
	}
	conn, err := connectX(display, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("input: no X display: %s: %w", display, err)
	}
	openMu.Lock()
	defer openMu.Unlock()
	if openX != nil {
		conn.Close()
		return nil, fmt.Errorf("input: an X11 injector is already open on %s (one per process)", openX.display)
	}
	x := &X11{display: display, conn: conn, held: map[string]bool{},
		root: xproto.Setup(conn).DefaultScreen(conn).Root, mapper: &Mapper{}}
	go x.pump()
	fail := func(err error) (*X11, error) {
		x.closed = true
		conn.Close()
		return nil, err
	}
	if err := x.SetRegion(region); err != nil {
		return fail(err)
	}
	if x.kbd, err = newKeyboard(conn, x.root, func(n int) { x.expect(pressKey, n) }); err != nil {
		return fail(err)
	}
	x.kbd.stopped = x.Paused
	if err := os.Setenv("DISPLAY", display); err != nil {
		return fail(err)
	}
	if _, err := openRobotgo(display); err != nil {
		return fail(err)
	}
	x.watch = watchLocal(display, conn, x.root, x)
	openX = x
	return x, nil
}

// connectX opens an xgb connection, giving up after timeout (a server that
// accepts but never answers would block xgb forever).
func connectX(display string, timeout time.Duration) (*xgb.Conn, error) {
	type result struct {
		c   *xgb.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := xgb.NewConnDisplay(display)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-time.After(timeout):
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, fmt.Errorf("no answer within %v", timeout)
	}
}

// pump drains the xgb connection's events (MappingNotify reaches every
// client; xgb stalls once 5000 are queued) and notices when it closes.
func (x *X11) pump() {
	for {
		ev, xerr := x.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			x.lost(errXLost)
			return
		}
	}
}

// Watcher returns the local-activity watcher.
func (x *X11) Watcher() *LocalActivity { return x.watch }

// Region returns the shared region in screen coordinates.
func (x *X11) Region() image.Rectangle { return x.mapper.Region() }

// SetRegion changes the shared region (a monitor switch). An empty
// rectangle selects the whole screen (the root window, read again now, so
// a RandR resize is picked up); others are clipped to it.
func (x *X11) SetRegion(r image.Rectangle) error {
	g, err := xproto.GetGeometry(x.conn, xproto.Drawable(x.root)).Reply()
	if err != nil {
		return fmt.Errorf("input: reading the screen size: %w", err)
	}
	screen := image.Rect(0, 0, int(g.Width), int(g.Height))
	r = r.Canon()
	if r.Empty() {
		r = screen
	} else if r = r.Intersect(screen); r.Empty() {
		return fmt.Errorf("input: region outside the screen %v", screen)
	}
	return x.mapper.SetRegion(r)
}

// Apply injects one event (see Injector).
func (x *X11) Apply(ev transport.Input) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	if err := x.lostError(); err != nil {
		return err
	}
	if err := x.admit(ev); err != nil {
		return err
	}
	err := x.apply(ev)
	if xerr := takeXError(); xerr != nil {
		if errors.Is(xerr, errXLost) {
			x.lost(xerr)
		}
		if err == nil {
			err = xerr
		}
	}
	return err
}

func (x *X11) apply(ev transport.Input) error {
	switch ev.Kind {
	case transport.InputMove:
		return x.moveTo(x.mapper.Map(ev.X, ev.Y))
	case transport.InputDown, transport.InputUp, transport.InputClick:
		btn, err := robotButton(ev.Button)
		if err != nil {
			return err
		}
		if err := x.moveTo(x.mapper.Map(ev.X, ev.Y)); err != nil {
			return err
		}
		switch {
		case ev.Kind == transport.InputDown:
			x.expect(pressButton, 1)
			x.held[btn] = true
			return robotgo.Toggle(btn)
		case ev.Kind == transport.InputUp:
			delete(x.held, btn)
			return robotgo.Toggle(btn, "up")
		case ev.Double:
			x.expect(pressButton, 2)
			return robotgo.MultiClick(btn, 2)
		default:
			x.expect(pressButton, 1)
			return robotgo.Click(btn)
		}
	case transport.InputWheel:
		dx, dy := clamp(ev.DX, -100, 100), clamp(ev.DY, -100, 100)
		if n := abs(dx) + abs(dy); n > 0 {
			x.expect(pressButton, n)
			// robotgo: y > 0 is button 4 (up), x > 0 button 6 (left);
			// the viewer's DY > 0 is down and DX > 0 right.
			robotgo.Scroll(-dx, -dy, 0)
		}
		return nil
	case transport.InputKey:
		return x.key(ev.Key, ev.Mods)
	case transport.InputText:
		return x.kbd.typeText(ev.Text)
	}
	return fmt.Errorf("input: unknown event kind %q", ev.Kind)
}

func robotButton(b string) (string, error) {
	switch b {
	case "", "left":
		return "left", nil
	case "right":
		return "right", nil
	case "middle":
		return "center", nil
	}
	return "", fmt.Errorf("input: unknown mouse button %q", b)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// moveTo warps the pointer to p and records where the server put it.
func (x *X11) moveTo(p image.Point) error {
	x.st.Lock()
	x.busy++
	x.gen++
	x.addWarp(p)
	x.st.Unlock()
	robotgo.Move(p.X, p.Y) // XWarpPointer + XSync: done when it returns
	actual := p
	rep, err := xproto.QueryPointer(x.conn, x.root).Reply()
	if err == nil {
		actual = image.Pt(int(rep.RootX), int(rep.RootY))
	}
	x.st.Lock()
	x.busy--
	x.gen++
	x.last = actual
	if actual != p {
		x.addWarp(actual) // clamped by the server (or the customer moved)
	}
	x.st.Unlock()
	return err
}

// addWarp announces a move to p. Call with st held.
func (x *X11) addWarp(p image.Point) {
	if len(x.warps) >= maxWarps {
		x.warps = x.warps[1:]
	}
	x.warps = append(x.warps, warp{p, time.Now().Add(pendingFor)})
}

func (x *X11) ownMotion(p image.Point) bool {
	x.st.Lock()
	defer x.st.Unlock()
	now := time.Now()
	for len(x.warps) > 0 && now.After(x.warps[0].until) {
		x.warps = x.warps[1:]
	}
	for i, w := range x.warps {
		if w.p == p {
			x.warps = append(x.warps[:i], x.warps[i+1:]...)
			return true
		}
	}
	// While a move is in flight its final position is not known yet (the
	// server may clamp it): leave the judgement to the poll.
	return x.busy > 0 || p == x.last
}

// key presses a named key or a character with modifiers.
func (x *X11) key(name string, mods []string) error {
	nk, r, err := lookupKey(name)
	if err != nil {
		return err
	}
	ms, err := parseMods(mods)
	if err != nil {
		return err
	}
	if r != 0 {
		// Characters go through the keyboard map (robotgo's character
		// keys assume a US layout: it presses Shift by itself for
		// "!@#..." and maps '<' to ',').
		return x.kbd.tapChar(r, ms)
	}
	if err := x.kbd.refresh(); err != nil {
		return err
	}
	// robotgo looks keys up by keysym and sends keycode 0 for one that is
	// not on the map; check first.
	if !x.kbd.has(nk.sym) {
		return fmt.Errorf("input: key %q is not on the keyboard map", name)
	}
	var flags []string
	for _, m := range ms {
		if !x.kbd.has(m.sym) {
			return fmt.Errorf("input: modifier %q is not on the keyboard map", m.name)
		}
		flags = append(flags, m.robot)
	}
	x.expect(pressKey, 1+len(flags))
	if len(flags) == 0 {
		return robotgo.KeyTap(nk.robot)
	}
	return robotgo.KeyTap(nk.robot, flags)
}

// expect announces n presses about to be injected, for the watcher.
func (x *X11) expect(k pressKind, n int) {
	x.st.Lock()
	defer x.st.Unlock()
	now := time.Now()
	if now.After(x.pendTo[k]) {
		x.pend[k] = 0
	}
	x.pend[k] += n
	x.pendTo[k] = now.Add(pendingFor)
}

func (x *X11) takePress(k pressKind) bool {
	x.st.Lock()
	defer x.st.Unlock()
	if time.Now().After(x.pendTo[k]) {
		x.pend[k] = 0
	}
	if x.pend[k] > 0 {
		x.pend[k]--
		return true
	}
	return false
}

func (x *X11) moveState() moveState {
	x.st.Lock()
	defer x.st.Unlock()
	return moveState{busy: x.busy > 0, gen: x.gen, expected: x.last}
}

// local pauses remote input because the customer used their mouse or
// keyboard, and lets go of the buttons the CSR was holding.
func (x *X11) local(what string) {
	if !x.pause(true) {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.releaseHeld()
}

// releaseHeld releases the mouse buttons we pressed. Call with mu held.
func (x *X11) releaseHeld() {
	if x.closed || x.lostError() != nil {
		return
	}
	for btn := range x.held {
		robotgo.Toggle(btn, "up")
		delete(x.held, btn)
	}
	takeXError()
}

func (x *X11) lost(err error) {
	x.st.Lock()
	defer x.st.Unlock()
	if x.lostErr == nil {
		x.lostErr = fmt.Errorf("input: X display %s lost: %w", x.display, err)
	}
}

func (x *X11) lostError() error {
	x.st.Lock()
	defer x.st.Unlock()
	return x.lostErr
}

// Close stops the watcher, releases held buttons, gives the borrowed
// keycodes back and closes the connections. Another X11 may then be
// opened.
func (x *X11) Close() error {
	x.closeOnce.Do(func() {
		x.watch.Close()
		x.mu.Lock()
		alive := x.lostError() == nil
		if alive {
			x.releaseHeld()
			x.kbd.restore()
			robotgo.CloseMainDisplay()
			takeXError()
		}
		x.closed = true
		x.mu.Unlock()
		x.conn.Close()
		openMu.Lock()
		if openX == x {
			openX = nil
		}
		openMu.Unlock()
	})
	return nil
}

var _ Controller = (*X11)(nil)
