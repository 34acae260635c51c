//go:build (linux || freebsd || openbsd || netbsd) && !android

package gui

// Keeping the banner on top of every window on X11.
//
// What is done, in order:
//
//  1. Fyne's desktop.Window.RequestAlwaysOnTop (banner.go) makes the GLFW
//     window "floating": GLFW writes _NET_WM_STATE_ABOVE on the window
//     before mapping it when the window manager announces that state in
//     _NET_SUPPORTED, and sends the state change otherwise.
//  2. Before the banner is mapped again (its X window survives Hide), the
//     _NET_WM_STATE property is written directly — ABOVE, STICKY (all
//     workspaces), SKIP_TASKBAR, SKIP_PAGER — as EWMH says a client does for
//     a window in the Withdrawn state, and _NET_WM_DESKTOP = 0xFFFFFFFF. The first time, Fyne creates and maps
//     the window in one step, so there is no moment to do it.
//  3. Once mapped, the same four states are sent as _NET_WM_STATE client
//     messages to the root window (what EWMH says for a mapped window;
//     the window manager applies them), with _NET_WM_DESKTOP = all
//     desktops, which is how some window managers (Openbox) do sticky.
//  4. The window is placed top centre of the primary monitor (RandR 1.5
//     monitors, else the whole screen) with desktop.Window.RequestPosition.
//  5. With no EWMH window manager (bare Xvfb, a kiosk X session, twm), no one
//     reads those states: the banner listens for VisibilityNotify on its own
//     window and raises itself whenever another window covers it (at most
//     ten times a second, so two such programs cannot spin), and again right
//     after the agent's window is brought to the front for a request.
//
// The window is the one the driver names (driver.NativeWindow's X11
// context); failing that, the top-level window whose _NET_WM_NAME (or
// WM_NAME) is the banner's title and whose _NET_WM_PID, if set, is this
// process, among the root's children and their children (window managers
// reparent clients into frames).
//
// Limits: a window manager may still put its own panels, full-screen
// windows, lock screens or on-screen keyboards above an "above" window;
// Wayland sessions give clients no way to stay on top (Fyne's Wayland
// build only asks); VisibilityNotify is not sent under a compositing
// manager, but such a manager is a window manager that honours ABOVE. An
// X client with the rights to do so can always unmap or cover the banner —
// the banner informs, it does not defend against programs on the
// customer's own desktop.

import (
	"encoding/binary"
	"image"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// raiseInterval is the least time between two raises of the banner.
const raiseInterval = 100 * time.Millisecond

// keepStates are the _NET_WM_STATE atoms the banner asks for.
var keepStates = []string{"_NET_WM_STATE_ABOVE", "_NET_WM_STATE_STICKY", "_NET_WM_STATE_SKIP_TASKBAR", "_NET_WM_STATE_SKIP_PAGER"}

type x11Stacker struct {
	title   string
	display string // "" for $DISPLAY

	mu        sync.Mutex
	tried     bool
	conn      *xgb.Conn
	root      xproto.Window
	atoms     map[string]xproto.Atom
	win       xproto.Window
	visible   bool
	lastRaise time.Time
}

func newStacker(title string) stacker { return &x11Stacker{title: title} }

// open connects on first use; false when X is not there (Wayland, or no
// display), and then everything is a no-op.
func (s *x11Stacker) open() bool {
	if s.tried {
		return s.conn != nil
	}
	s.tried = true
	conn, err := xgb.NewConnDisplay(s.display)
	if err != nil {
		fyne.LogError("banner: cannot keep the banner on top (no X connection)", err)
		return false
	}
	s.conn = conn
	s.root = xproto.Setup(conn).DefaultScreen(conn).Root
	s.atoms = map[string]xproto.Atom{}
	for _, name := range append([]string{"_NET_WM_STATE", "_NET_SUPPORTED", "_NET_SUPPORTING_WM_CHECK", "_NET_WM_NAME", "_NET_WM_PID", "_NET_WM_DESKTOP", "UTF8_STRING"}, keepStates...) {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			fyne.LogError("banner: X atom "+name, err)
			conn.Close()
			s.conn = nil
			return false
		}
		s.atoms[name] = r.Atom
	}
	go s.events(conn)
	return true
}

// area is the primary monitor, else the first, else the whole screen.
func (s *x11Stacker) area() (image.Rectangle, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return image.Rectangle{}, false
	}
	if randr.Init(s.conn) == nil {
		if r, err := randr.GetMonitors(s.conn, s.root, true).Reply(); err == nil && len(r.Monitors) > 0 {
			m := r.Monitors[0]
			for _, mm := range r.Monitors {
				if mm.Primary {
					m = mm
					break
				}
			}
			return image.Rect(int(m.X), int(m.Y), int(m.X)+int(m.Width), int(m.Y)+int(m.Height)), true
		}
	}
	scr := xproto.Setup(s.conn).DefaultScreen(s.conn)
	return image.Rect(0, 0, int(scr.WidthInPixels), int(scr.HeightInPixels)), true
}

// windowOf is the X window of a Fyne window, 0 if not known yet. Call on
// the Fyne thread (the driver's window is read there).
func windowOf(w fyne.Window) xproto.Window {
	var id uintptr
	if nw, ok := w.(driver.NativeWindow); ok {
		nw.RunNative(func(ctx any) {
			if c, ok := ctx.(driver.X11WindowContext); ok {
				id = c.WindowHandle
			}
		})
	}
	return xproto.Window(id)
}

func (s *x11Stacker) beforeShow(w fyne.Window) { s.prepare(windowOf(w)) }

// prepare writes the states on the window (id, or the one found before)
// while it is unmapped.
func (s *x11Stacker) prepare(id xproto.Window) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != 0 {
		s.win = id
	}
	if s.win == 0 || !s.open() {
		return // first show: the window does not exist yet
	}
	s.setStateProperty(s.win)
}

// setStateProperty writes _NET_WM_STATE on an unmapped window, waiting for
// the server to have done it (the map comes on another connection).
func (s *x11Stacker) setStateProperty(win xproto.Window) {
	if a, err := xproto.GetWindowAttributes(s.conn, win).Reply(); err != nil || a.MapState != xproto.MapStateUnmapped {
		return
	}
	data := make([]byte, 4*len(keepStates))
	for i, name := range keepStates {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(s.atoms[name]))
	}
	xproto.ChangeProperty(s.conn, xproto.PropModeReplace, win, s.atoms["_NET_WM_DESKTOP"],
		xproto.AtomCardinal, 32, 1, []byte{0xff, 0xff, 0xff, 0xff})
	if err := xproto.ChangePropertyChecked(s.conn, xproto.PropModeReplace, win, s.atoms["_NET_WM_STATE"],
		xproto.AtomAtom, 32, uint32(len(keepStates)), data).Check(); err != nil {
		fyne.LogError("banner: setting _NET_WM_STATE", err)
	}
}

func (s *x11Stacker) afterShow(w fyne.Window) {
	id := windowOf(w)
	go s.shown(id)
}

// shown keeps the mapped window (id, or found by its title) on top.
func (s *x11Stacker) shown(id xproto.Window) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return false
	}
	if id != 0 {
		s.win = id
	}
	if s.win == 0 {
		s.win = s.find(s.title)
	}
	if s.win == 0 {
		fyne.LogError("banner: window \""+s.title+"\" not found: it is not kept on top", nil)
		return false
	}
	s.visible = true
	s.sendStates(s.win)
	xproto.ChangeWindowAttributes(s.conn, s.win, xproto.CwEventMask,
		[]uint32{xproto.EventMaskVisibilityChange | xproto.EventMaskStructureNotify})
	s.raiseLocked()
	return true
}

// sendStates asks the window manager for the states of a mapped window,
// and for all desktops (some window managers, such as Openbox, do sticky
// through _NET_WM_DESKTOP rather than _NET_WM_STATE_STICKY).
func (s *x11Stacker) sendStates(win xproto.Window) {
	const add, fromApplication, allDesktops = 1, 1, 0xFFFFFFFF
	for i := 0; i < len(keepStates); i += 2 {
		s.clientMessage(win, "_NET_WM_STATE", add, uint32(s.atoms[keepStates[i]]), uint32(s.atoms[keepStates[i+1]]), fromApplication, 0)
	}
	s.clientMessage(win, "_NET_WM_DESKTOP", allDesktops, fromApplication, 0, 0, 0)
}

func (s *x11Stacker) clientMessage(win xproto.Window, typ string, data ...uint32) {
	ev := xproto.ClientMessageEvent{
		Format: 32, Window: win, Type: s.atoms[typ],
		Data: xproto.ClientMessageDataUnionData32New(data),
	}
	xproto.SendEvent(s.conn, false, s.root,
		xproto.EventMaskSubstructureNotify|xproto.EventMaskSubstructureRedirect, string(ev.Bytes()))
}

// find looks for a top-level window of this process by its title.
func (s *x11Stacker) find(title string) xproto.Window {
	tree, err := xproto.QueryTree(s.conn, s.root).Reply()
	if err != nil {
		return 0
	}
	for _, top := range tree.Children {
		if s.is(top, title) {
			return top
		}
		sub, err := xproto.QueryTree(s.conn, top).Reply()
		if err != nil {
			continue
		}
		for _, c := range sub.Children {
			if s.is(c, title) {
				return c
			}
		}
	}
	return 0
}

func (s *x11Stacker) is(win xproto.Window, title string) bool {
	name := s.prop(win, s.atoms["_NET_WM_NAME"])
	if name == nil {
		name = s.prop(win, xproto.AtomWmName)
	}
	if string(name) != title {
		return false
	}
	if pid := s.prop(win, s.atoms["_NET_WM_PID"]); len(pid) == 4 {
		return binary.LittleEndian.Uint32(pid) == uint32(os.Getpid())
	}
	return true
}

func (s *x11Stacker) prop(win xproto.Window, atom xproto.Atom) []byte {
	r, err := xproto.GetProperty(s.conn, false, win, atom, xproto.GetPropertyTypeAny, 0, 1024).Reply()
	if err != nil || r.ValueLen == 0 {
		return nil
	}
	return r.Value
}

// wmAbove reports whether a running EWMH window manager supports
// _NET_WM_STATE_ABOVE.
func (s *x11Stacker) wmAbove() bool {
	check := s.prop(s.root, s.atoms["_NET_SUPPORTING_WM_CHECK"])
	if len(check) != 4 {
		return false
	}
	child := xproto.Window(binary.LittleEndian.Uint32(check))
	if again := s.prop(child, s.atoms["_NET_SUPPORTING_WM_CHECK"]); len(again) != 4 || xproto.Window(binary.LittleEndian.Uint32(again)) != child {
		return false // a stale property of a window manager that is gone
	}
	sup := s.prop(s.root, s.atoms["_NET_SUPPORTED"])
	for i := 0; i+4 <= len(sup); i += 4 {
		if xproto.Atom(binary.LittleEndian.Uint32(sup[i:])) == s.atoms["_NET_WM_STATE_ABOVE"] {
			return true
		}
	}
	return false
}

func (s *x11Stacker) hidden() {
	s.mu.Lock()
	s.visible = false
	s.mu.Unlock()
}

func (s *x11Stacker) raise() {
	go func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.raiseLocked()
	}()
}

func (s *x11Stacker) raiseLocked() {
	if s.conn == nil || s.win == 0 || !s.visible {
		return
	}
	if d := time.Until(s.lastRaise.Add(raiseInterval)); d > 0 {
		time.Sleep(d)
	}
	s.lastRaise = time.Now()
	xproto.ConfigureWindow(s.conn, s.win, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
	s.conn.Sync()
}

// events raises the banner when it gets covered and no window manager
// keeps it above.
func (s *x11Stacker) events(conn *xgb.Conn) {
	for {
		ev, err := conn.WaitForEvent()
		if ev == nil && err == nil {
			return // connection closed
		}
		v, ok := ev.(xproto.VisibilityNotifyEvent)
		if !ok || v.State == xproto.VisibilityUnobscured {
			continue
		}
		s.mu.Lock()
		if v.Window == s.win && s.visible && !s.wmAbove() {
			s.raiseLocked()
		}
		s.mu.Unlock()
	}
}

func (s *x11Stacker) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}
