//go:build linux && cgo

package input

import (
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"lifeline/shared/transport"
	"lifeline/shared/xvfbtest"
)

// The tests need Xvfb, and xterm for the typing test.
const testInstallHint = "apt-get update && apt-get install -y xvfb xterm libx11-dev libxtst-dev"

// customer is the test's own X connection: it reads the pointer back and
// plays the customer (WarpPointer, XTEST key presses).
type customer struct {
	c    *xgb.Conn
	root xproto.Window
}

func startX(t *testing.T, w, h int) (*xvfbtest.Display, *customer) {
	t.Helper()
	d := xvfbtest.Start(t, w, h)
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatalf("connect %s: %v", d.Name, err)
	}
	t.Cleanup(c.Close)
	go func() { // drain: nobody else reads this connection's events
		for {
			if ev, err := c.WaitForEvent(); ev == nil && err == nil {
				return
			}
		}
	}()
	return d, &customer{c, xproto.Setup(c).DefaultScreen(c).Root}
}

func (cu *customer) pointer(t *testing.T) image.Point {
	t.Helper()
	rep, err := xproto.QueryPointer(cu.c, cu.root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return image.Pt(int(rep.RootX), int(rep.RootY))
}

func (cu *customer) warp(x, y int) {
	xproto.WarpPointer(cu.c, 0, cu.root, 0, 0, 0, 0, int16(x), int16(y))
	xproto.GetInputFocus(cu.c).Reply()
}

func open(t *testing.T, d *xvfbtest.Display, region image.Rectangle) *X11 {
	t.Helper()
	x, err := OpenX11(d.Name, region)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func apply(t *testing.T, x *X11, ev transport.Input) {
	t.Helper()
	if err := x.Apply(ev); err != nil {
		t.Fatalf("Apply(%+v): %v", ev, err)
	}
}

func move(x, y int) transport.Input { return transport.Input{Kind: transport.InputMove, X: x, Y: y} }

// Without an X server NewX11 fails cleanly, before robotgo (whose C code
// would kill the process) is reached; the same process then injects into a
// real display.
func TestNoDisplay(t *testing.T) {
	for _, disp := range []string{":1999", "/nonexistent/socket:0", "bogus"} {
		inj, err := NewX11(disp, image.Rectangle{})
		if err == nil || inj != nil || !strings.HasPrefix(err.Error(), "input: no X display") {
			t.Fatalf("NewX11(%q) = %v, %v; want a \"no X display\" error", disp, inj, err)
		}
		t.Logf("NewX11(%q): %v", disp, err)
	}
	t.Setenv("DISPLAY", "")
	if _, err := NewX11("", image.Rectangle{}); err == nil || !strings.Contains(err.Error(), "DISPLAY is not set") {
		t.Fatalf("empty DISPLAY: %v", err)
	}

	d, cu := startX(t, 640, 480)
	x := open(t, d, image.Rectangle{})
	apply(t, x, move(33, 44))
	if p := cu.pointer(t); p != image.Pt(33, 44) {
		t.Fatalf("pointer at %v after the failed opens", p)
	}
	if os.Getenv("DISPLAY") != d.Name {
		t.Errorf("DISPLAY=%q, want %q", os.Getenv("DISPLAY"), d.Name)
	}
	// One injector per process.
	if _, err := OpenX11(d.Name, image.Rectangle{}); err == nil {
		t.Error("a second X11 was opened")
	}
}

// The X server going away mid-session (the customer logs out) gives
// errors, not a dead agent: Xlib's exit-on-IO-error is disarmed. A new
// injector can then be opened on another display.
func TestDisplayGoesAway(t *testing.T) {
	d, _ := startX(t, 320, 240)
	x, err := OpenX11(d.Name, image.Rectangle{})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, x, move(10, 10))
	d.Stop()
	var last error
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		last = x.Apply(move(20, 20))
		if last != nil && strings.Contains(last.Error(), "lost") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if last == nil || !strings.Contains(last.Error(), "lost") {
		t.Fatalf("Apply after the server died: %v", last)
	}
	t.Logf("after the server died: %v", last)
	done := make(chan struct{})
	go func() { x.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs after the server died")
	}

	d2, cu2 := startX(t, 320, 240)
	x2 := open(t, d2, image.Rectangle{})
	apply(t, x2, move(30, 40))
	if p := cu2.pointer(t); p != image.Pt(30, 40) {
		t.Fatalf("new display: pointer at %v", p)
	}
}

func TestMouseMove(t *testing.T) {
	d, cu := startX(t, 800, 600)
	x := open(t, d, image.Rect(0, 0, 800, 600))
	for _, c := range []struct {
		region       image.Rectangle
		x, y         int
		wantX, wantY int
	}{
		{image.Rect(0, 0, 800, 600), 100, 50, 100, 50},
		{image.Rect(0, 0, 800, 600), 799, 599, 799, 599},
		// A "monitor" at 400,300: the viewer's (10,20) is (410,320).
		{image.Rect(400, 300, 800, 600), 10, 20, 410, 320},
		{image.Rect(400, 300, 800, 600), 0, 0, 400, 300},
		{image.Rect(400, 300, 800, 600), 5000, 5000, 799, 599}, // clamped
		{image.Rect(400, 0, 1200, 300), 500, 10, 799, 10},      // region clipped to the screen
		{image.Rectangle{}, 123, 456, 123, 456},                // whole screen
	} {
		if err := x.SetRegion(c.region); err != nil {
			t.Fatal(err)
		}
		apply(t, x, move(c.x, c.y))
		if p := cu.pointer(t); p != image.Pt(c.wantX, c.wantY) {
			t.Errorf("region %v: move(%d,%d) put the pointer at %v, want (%d,%d)", c.region, c.x, c.y, p, c.wantX, c.wantY)
		}
	}
	if err := x.SetRegion(image.Rect(900, 700, 1000, 800)); err == nil {
		t.Error("region outside the screen accepted")
	}
	if x.Paused() {
		t.Error("our own moves paused the injector")
	}
}

// window is a full-screen window of the test's that reports buttons and
// motion, to observe what the injector does.
func (cu *customer) window(t *testing.T, w, h int) chan string {
	t.Helper()
	c, err := xgb.NewConnDisplay(os.Getenv("DISPLAY"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	screen := xproto.Setup(c).DefaultScreen(c)
	wid, _ := xproto.NewWindowId(c)
	mask := uint32(xproto.EventMaskButtonPress | xproto.EventMaskButtonRelease | xproto.EventMaskButtonMotion |
		xproto.EventMaskStructureNotify)
	if err := xproto.CreateWindowChecked(c, screen.RootDepth, wid, screen.Root, 0, 0, uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, screen.RootVisual, xproto.CwBackPixel|xproto.CwEventMask,
		[]uint32{screen.WhitePixel, mask}).Check(); err != nil {
		t.Fatal(err)
	}
	xproto.MapWindow(c, wid)
	evs := make(chan string, 1000)
	mapped := make(chan struct{})
	go func() {
		for {
			ev, xerr := c.WaitForEvent()
			if ev == nil && xerr == nil {
				return
			}
			switch e := ev.(type) {
			case xproto.MapNotifyEvent:
				close(mapped)
			case xproto.ButtonPressEvent:
				evs <- fmt.Sprintf("press %d %d,%d", e.Detail, e.EventX, e.EventY)
			case xproto.ButtonReleaseEvent:
				evs <- fmt.Sprintf("release %d %d,%d", e.Detail, e.EventX, e.EventY)
			case xproto.MotionNotifyEvent:
				if e.State&xproto.KeyButMaskButton1 != 0 {
					evs <- fmt.Sprintf("drag %d,%d", e.EventX, e.EventY)
				}
			}
		}
	}()
	select {
	case <-mapped:
	case <-time.After(5 * time.Second):
		t.Fatal("test window not mapped")
	}
	return evs
}

// collect returns the events seen until none came for quiet.
func collect(evs chan string, quiet time.Duration) []string {
	var out []string
	for {
		select {
		case e := <-evs:
			out = append(out, e)
		case <-time.After(quiet):
			return out
		}
	}
}

func TestButtonsWheelDrag(t *testing.T) {
	d, cu := startX(t, 640, 480)
	t.Setenv("DISPLAY", d.Name)
	evs := cu.window(t, 640, 480)
	x := open(t, d, image.Rect(0, 0, 640, 480))
	check := func(name string, want ...string) {
		t.Helper()
		if got := collect(evs, 200*time.Millisecond); strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}

	apply(t, x, transport.Input{Kind: transport.InputClick, X: 50, Y: 60})
	check("click", "press 1 50,60", "release 1 50,60")
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 70, Y: 80, Double: true})
	check("double click", "press 1 70,80", "release 1 70,80", "press 1 70,80", "release 1 70,80")
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 5, Y: 6, Button: "right"})
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 5, Y: 6, Button: "middle"})
	check("right, middle", "press 3 5,6", "release 3 5,6", "press 2 5,6", "release 2 5,6")

	// Wheel: DY > 0 scrolls down (button 5), DX > 0 right (button 7).
	apply(t, x, transport.Input{Kind: transport.InputWheel, DY: 2})
	apply(t, x, transport.Input{Kind: transport.InputWheel, DY: -1})
	apply(t, x, transport.Input{Kind: transport.InputWheel, DX: 1})
	apply(t, x, transport.Input{Kind: transport.InputWheel, DX: -1})
	check("wheel", "press 5 5,6", "release 5 5,6", "press 5 5,6", "release 5 5,6", "press 4 5,6", "release 4 5,6",
		"press 7 5,6", "release 7 5,6", "press 6 5,6", "release 6 5,6")

	// Drag: down, moves, up.
	apply(t, x, transport.Input{Kind: transport.InputDown, X: 100, Y: 100})
	apply(t, x, move(150, 120))
	apply(t, x, move(200, 200))
	apply(t, x, transport.Input{Kind: transport.InputUp, X: 210, Y: 205})
	check("drag", "press 1 100,100", "drag 150,120", "drag 200,200", "drag 210,205", "release 1 210,205")

	if err := x.Apply(transport.Input{Kind: transport.InputClick, Button: "fourth"}); err == nil {
		t.Error("unknown button accepted")
	}
	if x.Paused() {
		t.Error("our own clicks paused the injector")
	}
}

// startXterm runs xterm at the top-left corner with a shell that reads
// two lines and writes them, joined by "|", to the returned file.
func startXterm(t *testing.T, d *xvfbtest.Display, cu *customer) string {
	t.Helper()
	if _, err := exec.LookPath("xterm"); err != nil {
		msg := "xterm is not installed; install with: " + testInstallHint
		if os.Getenv(xvfbtest.RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := filepath.Join(t.TempDir(), "out")
	cmd := d.Command("xterm", "-geometry", "80x24+0+0", "-e", "sh", "-c",
		`read -r a; read -r b; printf '%s|%s' "$a" "$b" > "$0"`, out)
	cmd.Env = append(cmd.Env, "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Wait for its window.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tree, err := xproto.QueryTree(cu.c, cu.root).Reply()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tree.Children {
			if a, err := xproto.GetWindowAttributes(cu.c, w).Reply(); err == nil && a.MapState == xproto.MapStateViewable {
				return out
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("xterm window did not appear")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			time.Sleep(50 * time.Millisecond) // let printf finish
			b, _ = os.ReadFile(path)
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatal("the shell in xterm wrote nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A click in xterm, then text (non-ASCII included), Return, ctrl+u and
// more text reach a real X client.
func TestTypeIntoXterm(t *testing.T) {
	d, cu := startX(t, 800, 600)
	out := startXterm(t, d, cu)
	x := open(t, d, image.Rectangle{})
	// There is no window manager: focus follows the pointer, and the
	// click (as the CSR would do) puts it in the window.
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 200, Y: 150})
	apply(t, x, transport.Input{Kind: transport.InputText, Text: "hello wörld ✓"})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "Return"})

	// Second line: typed garbage erased with ctrl+u (the tty's kill
	// character), then every shifted ASCII symbol, key events for single
	// characters, and more scripts than there are spare keycodes, some
	// repeated, to recycle the scratch keys.
	apply(t, x, transport.Input{Kind: transport.InputText, Text: "garbage"})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "u", Mods: []string{"ctrl"}})
	line2 := "Grüße ~`!@#$%^&*()_+{}|:\"<>? €ñ Ωμέγα Привет 日本語 çàéè ÆØÅ ĳ ŝ ❤ 😀"
	apply(t, x, transport.Input{Kind: transport.InputText, Text: line2})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "!"})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "z", Mods: []string{"shift"}})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "BackSpace"})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "space"})
	apply(t, x, transport.Input{Kind: transport.InputText, Text: "Ωμέγα 日本語 ok"})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "Return"})

	want := "hello wörld ✓|" + line2 + "! Ωμέγα 日本語 ok"
	if got := waitFile(t, out); got != want {
		t.Fatalf("xterm got\n %q\nwant\n %q", got, want)
	}
	if x.Paused() {
		t.Error("our own typing paused the injector")
	}
	for _, k := range []transport.Input{
		{Kind: transport.InputKey, Key: "NoSuchKey"},
		{Kind: transport.InputKey, Key: "a", Mods: []string{"hyper"}},
		{Kind: transport.InputKey, Key: "F24"}, // not on Xvfb's map: robotgo would send keycode 0
	} {
		if err := x.Apply(k); err == nil {
			t.Errorf("%+v accepted", k)
		}
	}
	// The borrowed keycodes are given back.
	x.Close()
	km, err := xproto.GetKeyboardMapping(cu.c, xproto.Setup(cu.c).MinKeycode,
		byte(int(xproto.Setup(cu.c).MaxKeycode)-int(xproto.Setup(cu.c).MinKeycode)+1)).Reply()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range km.Keysyms {
		if s&0xff000000 == 0x01000000 {
			t.Fatalf("keysym %#x left on the keyboard map", s)
		}
	}
}

func TestLocalActivity(t *testing.T) {
	d, cu := startX(t, 640, 480)
	x := open(t, d, image.Rectangle{})
	locals := make(chan struct{}, 10)
	var resumes atomic.Int32
	x.OnLocal(func() { locals <- struct{}{} })
	x.OnResume(func() { resumes.Add(1) })
	waitLocal := func(what string) {
		t.Helper()
		select {
		case <-locals:
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: the watcher did not notice", what)
		}
		if !x.Paused() {
			t.Fatalf("%s: not paused", what)
		}
	}
	noLocal := func(what string) {
		t.Helper()
		select {
		case <-locals:
			t.Fatalf("%s paused the injector", what)
		case <-time.After(300 * time.Millisecond):
		}
	}

	// Our own moves, clicks and keys are not local activity.
	for i := 0; i < 20; i++ {
		apply(t, x, move(10+i*5, 10+i*3))
		time.Sleep(5 * time.Millisecond)
	}
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 300, Y: 200})
	apply(t, x, transport.Input{Kind: transport.InputText, Text: "abc ✓"})
	apply(t, x, transport.Input{Kind: transport.InputKey, Key: "Tab", Mods: []string{"ctrl", "shift"}})
	noLocal("our own input")

	// The customer moves the mouse.
	cu.warp(400, 300)
	waitLocal("WarpPointer")
	if err := x.Apply(move(50, 50)); !errors.Is(err, ErrPaused) {
		t.Fatalf("move while paused: %v", err)
	}
	if p := cu.pointer(t); p != image.Pt(400, 300) {
		t.Fatalf("a paused move moved the pointer to %v", p)
	}
	if err := x.Apply(transport.Input{Kind: transport.InputText, Text: "x"}); !errors.Is(err, ErrPaused) {
		t.Fatalf("text while paused: %v", err)
	}
	// The CSR clicks in the viewer: that resumes, and the click is applied.
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 20, Y: 30})
	if x.Paused() || resumes.Load() != 1 {
		t.Fatalf("click did not resume (paused=%v, resumes=%d)", x.Paused(), resumes.Load())
	}
	if p := cu.pointer(t); p != image.Pt(20, 30) {
		t.Fatalf("resuming click went to %v", p)
	}
	noLocal("the resuming click")

	// The rest needs X RECORD (Xvfb has it).
	if !x.Watcher().Keyboard() {
		if os.Getenv(xvfbtest.RequireEnv) == "1" {
			t.Fatalf("keyboard not watched: %v", x.Watcher().KeyboardErr())
		}
		t.Skipf("keyboard not watched: %v", x.Watcher().KeyboardErr())
	}

	// The customer moves while the CSR is moving continuously: RECORD
	// reports the customer's motion even when the CSR's next move hides it
	// from the poll.
	stop := make(chan struct{})
	paused := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				paused <- nil
				return
			default:
			}
			if err := x.Apply(move(100+i%50, 100)); err != nil {
				paused <- err
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	time.Sleep(200 * time.Millisecond)
	for i := 0; i < 30; i++ { // a hand on the mouse: motion over ~300 ms
		cu.warp(500+i, 400)
		time.Sleep(10 * time.Millisecond)
	}
	waitLocal("motion during remote motion")
	close(stop)
	if err := <-paused; !errors.Is(err, ErrPaused) {
		t.Fatalf("the CSR's moves went on: %v", err)
	}

	// The customer types (an XTEST key press from another client stands
	// for the real keyboard).
	apply(t, x, transport.Input{Kind: transport.InputDown, X: 10, Y: 10})
	apply(t, x, transport.Input{Kind: transport.InputUp, X: 10, Y: 10})
	noLocal("down/up")
	if err := xtest.Init(cu.c); err != nil {
		t.Fatal(err)
	}
	xtest.FakeInput(cu.c, xproto.KeyPress, 50, 0, cu.root, 0, 0, 0) // Shift_L
	xtest.FakeInput(cu.c, xproto.KeyRelease, 50, 0, cu.root, 0, 0, 0)
	xproto.GetInputFocus(cu.c).Reply()
	waitLocal("a key press")

	// A button the CSR holds is released when the customer takes over.
	apply(t, x, transport.Input{Kind: transport.InputDown, X: 10, Y: 10})
	xtest.FakeInput(cu.c, xproto.ButtonPress, 3, 0, cu.root, 0, 0, 0)
	xtest.FakeInput(cu.c, xproto.ButtonRelease, 3, 0, cu.root, 0, 0, 0)
	xproto.GetInputFocus(cu.c).Reply()
	waitLocal("a button press")
	time.Sleep(100 * time.Millisecond)
	rep, err := xproto.QueryPointer(cu.c, cu.root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mask&xproto.KeyButMaskButton1 != 0 {
		t.Error("button 1 still held after the customer took over")
	}

	// The customer taking over stops a long paste in the middle.
	apply(t, x, transport.Input{Kind: transport.InputClick, X: 10, Y: 10})
	res := make(chan error, 1)
	go func() { res <- x.Apply(transport.Input{Kind: transport.InputText, Text: strings.Repeat("a", 4000)}) }()
	time.Sleep(30 * time.Millisecond)
	cu.warp(600, 450)
	waitLocal("motion during a paste")
	if err := <-res; !errors.Is(err, ErrPaused) {
		t.Fatalf("the paste went on: %v", err)
	}
}
