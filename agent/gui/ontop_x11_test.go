//go:build (linux || freebsd || openbsd || netbsd) && !android

package gui

import (
	"encoding/binary"
	"image"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"lifeline/shared/xvfbtest"
)

// xclient is a plain X client for the tests: it makes windows as GLFW
// would, and plays a window manager.
type xclient struct {
	t    *testing.T
	conn *xgb.Conn
	root xproto.Window
}

func newXClient(t *testing.T, display string) *xclient {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return &xclient{t: t, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
}

func (c *xclient) atom(name string) xproto.Atom {
	r, err := xproto.InternAtom(c.conn, false, uint16(len(name)), name).Reply()
	if err != nil {
		c.t.Fatal(err)
	}
	return r.Atom
}

// window makes an unmapped top-level window with a title and a pid.
func (c *xclient) window(title string, pid uint32, x, y, w, h int) xproto.Window {
	id, err := xproto.NewWindowId(c.conn)
	if err != nil {
		c.t.Fatal(err)
	}
	scr := xproto.Setup(c.conn).DefaultScreen(c.conn)
	if err := xproto.CreateWindowChecked(c.conn, scr.RootDepth, id, c.root, int16(x), int16(y), uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwBackPixel, []uint32{scr.WhitePixel}).Check(); err != nil {
		c.t.Fatal(err)
	}
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, id, c.atom("_NET_WM_NAME"), c.atom("UTF8_STRING"), 8, uint32(len(title)), []byte(title))
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, id, xproto.AtomWmName, xproto.AtomString, 8, uint32(len(title)), []byte(title))
	p := make([]byte, 4)
	binary.LittleEndian.PutUint32(p, pid)
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, id, c.atom("_NET_WM_PID"), xproto.AtomCardinal, 32, 1, p)
	c.conn.Sync()
	return id
}

func (c *xclient) atoms(win xproto.Window, prop string) []xproto.Atom {
	r, err := xproto.GetProperty(c.conn, false, win, c.atom(prop), xproto.GetPropertyTypeAny, 0, 64).Reply()
	if err != nil {
		c.t.Fatal(err)
	}
	var out []xproto.Atom
	for i := 0; i+4 <= len(r.Value); i += 4 {
		out = append(out, xproto.Atom(binary.LittleEndian.Uint32(r.Value[i:])))
	}
	return out
}

// top is the top-most mapped child of the root.
func (c *xclient) top() xproto.Window {
	tree, err := xproto.QueryTree(c.conn, c.root).Reply()
	if err != nil {
		c.t.Fatal(err)
	}
	for i := len(tree.Children) - 1; i >= 0; i-- {
		a, err := xproto.GetWindowAttributes(c.conn, tree.Children[i]).Reply()
		if err == nil && a.MapState == xproto.MapStateViewable {
			return tree.Children[i]
		}
	}
	return 0
}

func TestX11StackerStatesPlacementAndRaise(t *testing.T) {
	d := xvfbtest.Start(t, 1024, 640)
	c := newXClient(t, d.Name)
	pid := uint32(os.Getpid())

	// Another program's window with the same title must not be taken.
	other := c.window(bannerTitle, pid+1, 0, 0, 50, 50)
	xproto.MapWindow(c.conn, other)
	win := c.window(bannerTitle, pid, 300, 8, 400, 44)

	s := &x11Stacker{title: bannerTitle, display: d.Name}
	t.Cleanup(s.close)

	area, ok := s.area()
	if !ok || area != image.Rect(0, 0, 1024, 640) {
		t.Fatalf("area %v %v", area, ok)
	}

	// Before mapping: the states are written as a property.
	s.prepare(win)
	want := []xproto.Atom{c.atom("_NET_WM_STATE_ABOVE"), c.atom("_NET_WM_STATE_STICKY"), c.atom("_NET_WM_STATE_SKIP_TASKBAR"), c.atom("_NET_WM_STATE_SKIP_PAGER")}
	if got := c.atoms(win, "_NET_WM_STATE"); !slices.Equal(got, want) {
		t.Fatalf("_NET_WM_STATE before map = %v, want %v", got, want)
	}
	if got := c.atoms(win, "_NET_WM_DESKTOP"); len(got) != 1 || got[0] != 0xFFFFFFFF {
		t.Fatalf("_NET_WM_DESKTOP before map = %v, want all desktops", got)
	}

	// Mapped, and found by its title (the driver gave no id).
	s.win = 0
	xproto.MapWindow(c.conn, win)
	c.conn.Sync()
	if !s.shown(0) {
		t.Fatal("banner window not found by its title")
	}
	if s.win != win {
		t.Fatalf("found window %d, want %d (not the other program's %d)", s.win, win, other)
	}

	// No window manager: a window mapped over the banner is answered by
	// raising the banner again.
	cover := c.window("a browser", pid+2, 200, 0, 600, 400)
	xproto.MapWindow(c.conn, cover)
	c.conn.Sync()
	deadline := time.Now().Add(5 * time.Second)
	for c.top() != win {
		if time.Now().After(deadline) {
			t.Fatalf("the banner was not raised over a window that covered it (top %d)", c.top())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Hidden: covering it no longer raises it.
	s.hidden()
	xproto.ConfigureWindow(c.conn, cover, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
	c.conn.Sync()
	time.Sleep(300 * time.Millisecond)
	if c.top() != cover {
		t.Fatal("a hidden banner raised itself")
	}
}

func TestX11StackerAsksTheWindowManager(t *testing.T) {
	d := xvfbtest.Start(t, 800, 600)
	wm := newXClient(t, d.Name)
	// Play an EWMH window manager: the check window, _NET_SUPPORTED, and
	// the redirect on the root through which client messages arrive.
	check := wm.window("wm", 1, 0, 0, 1, 1)
	idb := make([]byte, 4)
	binary.LittleEndian.PutUint32(idb, uint32(check))
	xproto.ChangeProperty(wm.conn, xproto.PropModeReplace, wm.root, wm.atom("_NET_SUPPORTING_WM_CHECK"), xproto.AtomWindow, 32, 1, idb)
	xproto.ChangeProperty(wm.conn, xproto.PropModeReplace, check, wm.atom("_NET_SUPPORTING_WM_CHECK"), xproto.AtomWindow, 32, 1, idb)
	sup := make([]byte, 8)
	binary.LittleEndian.PutUint32(sup, uint32(wm.atom("_NET_WM_STATE")))
	binary.LittleEndian.PutUint32(sup[4:], uint32(wm.atom("_NET_WM_STATE_ABOVE")))
	xproto.ChangeProperty(wm.conn, xproto.PropModeReplace, wm.root, wm.atom("_NET_SUPPORTED"), xproto.AtomAtom, 32, 2, sup)
	if err := xproto.ChangeWindowAttributesChecked(wm.conn, wm.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskSubstructureRedirect | xproto.EventMaskSubstructureNotify}).Check(); err != nil {
		t.Fatal(err)
	}

	app := newXClient(t, d.Name)
	win := app.window(bannerTitle, uint32(os.Getpid()), 0, 0, 300, 40)
	xproto.MapWindow(app.conn, win) // redirected to the "window manager": map it as one would
	s := &x11Stacker{title: bannerTitle, display: d.Name}
	t.Cleanup(s.close)
	if !s.shown(win) {
		t.Fatal("shown failed")
	}
	if !s.wmAbove() {
		t.Fatal("the window manager's support of _NET_WM_STATE_ABOVE was not seen")
	}

	var got [][]uint32
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 3 && time.Now().Before(deadline) {
		ev, err := wm.conn.PollForEvent()
		if ev == nil && err == nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if m, ok := ev.(xproto.ClientMessageEvent); ok && m.Window == win && (m.Type == wm.atom("_NET_WM_STATE") || m.Type == wm.atom("_NET_WM_DESKTOP")) {
			got = append(got, m.Data.Data32[:4])
		}
	}
	want := [][]uint32{
		{1, uint32(wm.atom("_NET_WM_STATE_ABOVE")), uint32(wm.atom("_NET_WM_STATE_STICKY")), 1},
		{1, uint32(wm.atom("_NET_WM_STATE_SKIP_TASKBAR")), uint32(wm.atom("_NET_WM_STATE_SKIP_PAGER")), 1},
		{0xFFFFFFFF, 1, 0, 0}, // _NET_WM_DESKTOP: all desktops
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("client messages %v, want %v", got, want)
	}
}
