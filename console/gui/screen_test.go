package gui

import (
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

func TestPictureRect(t *testing.T) {
	hd := image.Pt(1920, 1080)
	cases := []struct {
		name    string
		area    fyne.Size
		px      image.Point
		scale   float32
		fit     bool
		pos     fyne.Position
		size    fyne.Size
		noImage bool
	}{
		{name: "fit, bars left and right", area: fyne.NewSize(1000, 400), px: hd, scale: 1, fit: true,
			pos: fyne.NewPos((1000-400*16/9.0)/2, 0), size: fyne.NewSize(400*16/9.0, 400)},
		{name: "fit, bars above and below", area: fyne.NewSize(960, 1000), px: hd, scale: 1, fit: true,
			pos: fyne.NewPos(0, (1000-540)/2), size: fyne.NewSize(960, 540)},
		{name: "fit scales up a small screen", area: fyne.NewSize(640, 400), px: image.Pt(320, 200), scale: 1, fit: true,
			pos: fyne.NewPos(0, 0), size: fyne.NewSize(640, 400)},
		{name: "fit does not depend on the canvas scale", area: fyne.NewSize(960, 1000), px: hd, scale: 2, fit: true,
			pos: fyne.NewPos(0, (1000-540)/2), size: fyne.NewSize(960, 540)},
		{name: "1:1 centred in a larger area", area: fyne.NewSize(2000, 1100), px: hd, scale: 1,
			pos: fyne.NewPos(40, 10), size: fyne.NewSize(1920, 1080)},
		{name: "1:1 at scale 2 is half as many units", area: fyne.NewSize(1200, 800), px: hd, scale: 2,
			pos: fyne.NewPos(120, 130), size: fyne.NewSize(960, 540)},
		{name: "1:1 larger than the area starts at its corner", area: fyne.NewSize(800, 600), px: hd, scale: 1,
			pos: fyne.NewPos(0, 0), size: fyne.NewSize(1920, 1080)},
		{name: "1:1 corner on a whole physical pixel", area: fyne.NewSize(1001, 601), px: image.Pt(1000, 600), scale: 1.5,
			// (1001-666.67)/2*1.5 = 250.75 px → 250 px; (601-400)/2*1.5 = 150.75 → 150
			pos: fyne.NewPos(250/1.5, 150/1.5), size: fyne.NewSize(1000/1.5, 600/1.5)},
		{name: "no picture", area: fyne.NewSize(800, 600), scale: 1, fit: true, noImage: true},
		{name: "no room", area: fyne.NewSize(0, 600), px: hd, scale: 1, fit: true, noImage: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pos, size := pictureRect(c.area, c.px, c.scale, c.fit)
			if c.noImage {
				if size.Width != 0 || size.Height != 0 {
					t.Fatalf("got %v %v, want nothing", pos, size)
				}
				return
			}
			if !near(pos.X, c.pos.X) || !near(pos.Y, c.pos.Y) || !near(size.Width, c.size.Width) || !near(size.Height, c.size.Height) {
				t.Fatalf("got %v %v, want %v %v", pos, size, c.pos, c.size)
			}
			if !c.fit {
				if px := pos.X * c.scale; !near(px, float32(int(px+0.5))) {
					t.Fatalf("corner at %v physical pixels, not a whole pixel", px)
				}
			}
		})
	}
}

func near(a, b float32) bool { return a-b < 0.01 && b-a < 0.01 }

// newTestArea returns an area of the given size holding a picture of px
// pixels, in a test window whose canvas has the given scale.
func newTestArea(t *testing.T, size fyne.Size, px image.Point, scale float32, fit bool) *screenArea {
	t.Helper()
	test.NewTempApp(t)
	a := newScreenArea()
	w := test.NewTempWindow(t, a)
	w.Canvas().(interface{ SetScale(float32) }).SetScale(scale)
	a.SetScale(fit)
	if px != (image.Point{}) {
		a.SetFrame(image.NewRGBA(image.Rectangle{Max: px}))
	}
	a.Resize(size)
	return a
}

func TestToScreen(t *testing.T) {
	type pt struct {
		at   fyne.Position
		x, y int
		ok   bool
	}
	cases := []struct {
		name  string
		size  fyne.Size
		px    image.Point
		scale float32
		fit   bool
		pts   []pt
	}{
		{name: "fit with bars left and right", size: fyne.NewSize(1000, 400), px: image.Pt(1920, 1080), scale: 1, fit: true,
			// the picture is 711.1×400 at x 144.4
			pts: []pt{
				{at: fyne.NewPos(500, 200), x: 960, y: 540, ok: true},
				{at: fyne.NewPos(144.5, 0), x: 0, y: 0, ok: true},
				{at: fyne.NewPos(855.5, 399.9), x: 1919, y: 1079, ok: true},
				{at: fyne.NewPos(10, 200)},  // left bar
				{at: fyne.NewPos(990, 200)}, // right bar
				{at: fyne.NewPos(144, 200)},
				{at: fyne.NewPos(500, 400)}, // just below
				{at: fyne.NewPos(500, -1)},
			}},
		{name: "fit with bars above and below", size: fyne.NewSize(960, 1000), px: image.Pt(1920, 1080), scale: 1, fit: true,
			pts: []pt{
				{at: fyne.NewPos(0, 230), x: 0, y: 0, ok: true},
				{at: fyne.NewPos(480, 500), x: 960, y: 540, ok: true},
				{at: fyne.NewPos(480, 229)},
				{at: fyne.NewPos(480, 770)},
			}},
		{name: "fit scaling up", size: fyne.NewSize(640, 400), px: image.Pt(320, 200), scale: 1, fit: true,
			pts: []pt{
				{at: fyne.NewPos(200, 100), x: 100, y: 50, ok: true},
				{at: fyne.NewPos(639.9, 399.9), x: 319, y: 199, ok: true},
				{at: fyne.NewPos(640, 100)},
			}},
		{name: "1:1 at scale 2, centred", size: fyne.NewSize(1200, 800), px: image.Pt(1920, 1080), scale: 2,
			// 960×540 units at (120, 130): a unit is two pixels
			pts: []pt{
				{at: fyne.NewPos(120, 130), x: 0, y: 0, ok: true},
				{at: fyne.NewPos(120.5, 130.5), x: 1, y: 1, ok: true},
				{at: fyne.NewPos(600, 400), x: 960, y: 540, ok: true},
				{at: fyne.NewPos(1079.9, 669.9), x: 1919, y: 1079, ok: true},
				{at: fyne.NewPos(1080, 400)},
				{at: fyne.NewPos(119.9, 400)},
				{at: fyne.NewPos(600, 670)},
			}},
		{name: "1:1 at scale 1, larger than the window", size: fyne.NewSize(1920, 1080), px: image.Pt(1920, 1080), scale: 1,
			pts: []pt{
				{at: fyne.NewPos(0, 0), x: 0, y: 0, ok: true},
				{at: fyne.NewPos(1234.5, 678.9), x: 1234, y: 678, ok: true},
				{at: fyne.NewPos(1920, 0)},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestArea(t, c.size, c.px, c.scale, c.fit)
			for _, p := range c.pts {
				x, y, ok := a.toScreen(p.at)
				if ok != p.ok || (ok && (x != p.x || y != p.y)) {
					t.Errorf("toScreen(%v) = %d, %d, %v; want %d, %d, %v", p.at, x, y, ok, p.x, p.y, p.ok)
				}
			}
		})
	}
	t.Run("no picture", func(t *testing.T) {
		a := newTestArea(t, fyne.NewSize(640, 400), image.Point{}, 1, true)
		if _, _, ok := a.toScreen(fyne.NewPos(10, 10)); ok {
			t.Fatal("a position on no picture")
		}
	})
}

// The layout puts the picture where toScreen expects it, and the backdrop
// only around it.
func TestLayoutMatchesMapping(t *testing.T) {
	a := newTestArea(t, fyne.NewSize(1200, 800), image.Pt(1920, 1080), 2, false)
	if a.img.Position() != fyne.NewPos(120, 130) || a.img.Size() != fyne.NewSize(960, 540) {
		t.Fatalf("picture at %v size %v", a.img.Position(), a.img.Size())
	}
	if got := a.MinSize(); got != fyne.NewSize(960, 540) {
		t.Fatalf("MinSize at 1:1 %v, want the picture's size in units", got)
	}
	var covered float32
	for _, b := range a.bars {
		if b.Visible() {
			covered += b.Size().Width * b.Size().Height
		}
	}
	// The bars cover the area minus the picture, plus their one-pixel
	// overlap under its edges.
	if want := float32(1200*800 - 960*540); covered < want || covered > want+2*(1200+540)*0.5 {
		t.Fatalf("bars cover %v units², want about %v", covered, want)
	}

	a.SetScale(true)
	if got := a.MinSize(); got != fyne.NewSize(320, 200) {
		t.Fatalf("MinSize in fit mode %v", got)
	}
	if a.img.Size() != a.Size() || a.img.FillMode != canvas.ImageFillContain || a.img.ScaleMode != canvas.ImageScaleFastest {
		t.Fatalf("fit: picture %v of %v, fill %v, scale %v", a.img.Size(), a.Size(), a.img.FillMode, a.img.ScaleMode)
	}
	a.SetScale(false)
	if a.img.ScaleMode != canvas.ImageScalePixels {
		t.Fatalf("1:1 scale mode %v", a.img.ScaleMode)
	}
}

func TestSetFrame(t *testing.T) {
	a := newTestArea(t, fyne.NewSize(640, 400), image.Point{}, 1, true)
	f1 := image.NewRGBA(image.Rect(0, 0, 320, 200))
	if old := a.SetFrame(f1); old != nil {
		t.Fatalf("first frame returned %p", old)
	}
	f2 := image.NewRGBA(image.Rect(0, 0, 320, 200))
	if old := a.SetFrame(f2); old != f1 {
		t.Fatal("the previous frame was not handed back")
	}
	if a.img.Image != f2 {
		t.Fatal("not shown")
	}
	// A sub-image is copied into a tight one: the painter uploads Pix
	// as one block from (0, 0).
	big := image.NewRGBA(image.Rect(0, 0, 100, 100))
	big.Pix[big.PixOffset(10, 20)] = 7
	a.SetFrame(big.SubImage(image.Rect(10, 20, 60, 70)).(*image.RGBA))
	got := a.img.Image.(*image.RGBA)
	if got.Rect != image.Rect(0, 0, 50, 50) || got.Stride != 200 || got.Pix[0] != 7 {
		t.Fatalf("sub-image shown as %v stride %d first %d", got.Rect, got.Stride, got.Pix[0])
	}
	if a.SetFrame(nil) != nil || a.img.Image != got {
		t.Fatal("SetFrame(nil) changed the picture")
	}
}

// recorder collects what the area forwards.
type recorder struct{ got []string }

func (r *recorder) add(f string, a ...any) { r.got = append(r.got, fmt.Sprintf(f, a...)) }
func (r *recorder) take() string {
	s := strings.Join(r.got, "|")
	r.got = nil
	return s
}

func wire(a *screenArea, r *recorder) {
	a.OnClick = func(x, y int, b string) { r.add("click %d,%d %s", x, y, b) }
	a.OnMove = func(x, y int) { r.add("move %d,%d", x, y) }
	a.OnScroll = func(dy int) { r.add("scroll %d", dy) }
	a.OnKey = func(c string) { r.add("key %s", c) }
	a.OnType = func(s string) { r.add("type %s", s) }
	a.OnLeave = func() { r.add("leave") }
}

func mouse(x, y float32, b desktop.MouseButton) *desktop.MouseEvent {
	ev := &desktop.MouseEvent{Button: b}
	ev.Position = fyne.NewPos(x, y)
	return ev
}

// everything drives every kind of input at the area.
func everything(a *screenArea) {
	test.TapAt(a, fyne.NewPos(200, 100))
	test.TapSecondaryAt(a, fyne.NewPos(20, 10))
	a.MouseUp(mouse(30, 30, desktop.MouseButtonTertiary))
	a.MouseIn(mouse(40, 40, 0))
	a.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -10)})
	a.TypedRune('h')
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.TypedShortcut(&fyne.ShortcutSelectAll{})
	a.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF11, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift})
	a.TypedShortcut(&desktop.CustomShortcut{KeyName: leaveKey, Modifier: leaveMod})
}

func TestForwardingRules(t *testing.T) {
	a := newTestArea(t, fyne.NewSize(640, 400), image.Pt(320, 200), 1, true)
	r := &recorder{}
	wire(a, r)

	// Input off (view only, or control left): nothing reaches the
	// customer, the leave shortcut included.
	everything(a)
	if got := r.take(); got != "" {
		t.Fatalf("forwarded with input off: %s", got)
	}
	if a.AcceptsTab() {
		t.Fatal("Tab kept from the console with input off")
	}

	a.input = true
	everything(a)
	want := "click 100,50 left|click 10,5 right|click 15,15 middle|move 20,20|scroll 1|type h|key Return|key ctrl+a|key ctrl+shift+F11|leave"
	if got := r.take(); got != want {
		t.Fatalf("forwarded\n %s\nwant\n %s", got, want)
	}
	if !a.AcceptsTab() {
		t.Fatal("Tab not kept for the customer with input on")
	}

	// The leave shortcut is never sent, even without OnLeave.
	a.OnLeave = nil
	a.TypedShortcut(&desktop.CustomShortcut{KeyName: leaveKey, Modifier: leaveMod})
	if got := r.take(); got != "" {
		t.Fatalf("leave shortcut forwarded: %s", got)
	}

	// Clicks outside the picture go nowhere.
	a.Resize(fyne.NewSize(1000, 400)) // bars left and right
	test.TapAt(a, fyne.NewPos(5, 200))
	a.MouseMoved(mouse(5, 200, 0))
	if got := r.take(); got != "" {
		t.Fatalf("outside the picture: %s", got)
	}
}

func TestShiftWithNamedKeys(t *testing.T) {
	a := newTestArea(t, fyne.NewSize(640, 400), image.Pt(320, 200), 1, true)
	r := &recorder{}
	wire(a, r)
	a.input = true
	a.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	a.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
	a.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftRight})
	a.FocusLost() // the key-up may never come
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
	if got, want := r.take(), "key shift+Tab|key shift+Left|key Tab|key End"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// fakeTimers replaces the area's clock and timers.
type fakeTimers struct {
	now    time.Time
	waits  []time.Duration
	fire   []func()
	timers []*time.Timer
}

func (f *fakeTimers) install(a *screenArea) {
	f.now = time.Unix(1000, 0)
	a.now = func() time.Time { return f.now }
	a.afterFunc = func(d time.Duration, fn func()) *time.Timer {
		f.waits = append(f.waits, d)
		f.fire = append(f.fire, fn)
		t := time.NewTimer(time.Hour) // only for Stop
		f.timers = append(f.timers, t)
		return t
	}
}

func TestMoveThrottled(t *testing.T) {
	a := newTestArea(t, fyne.NewSize(640, 400), image.Pt(320, 200), 1, true)
	r := &recorder{}
	wire(a, r)
	f := &fakeTimers{}
	f.install(a)
	a.input = true

	a.MouseIn(mouse(10, 10, 0)) // first: at once
	f.now = f.now.Add(5 * time.Millisecond)
	a.MouseMoved(mouse(20, 20, 0)) // kept back, timer for the rest of the interval
	f.now = f.now.Add(5 * time.Millisecond)
	a.MouseMoved(mouse(30, 30, 0)) // replaces it, same timer
	if got := r.take(); got != "move 5,5" {
		t.Fatalf("at once: %q", got)
	}
	if len(f.fire) != 1 || f.waits[0] != moveInterval-5*time.Millisecond {
		t.Fatalf("timers %v", f.waits)
	}
	f.now = f.now.Add(25 * time.Millisecond)
	f.fire[0]() // fyne.Do runs it at once in the test driver
	if got := r.take(); got != "move 15,15" {
		t.Fatalf("after the interval: %q", got)
	}
	// The same pixel again is not sent.
	f.now = f.now.Add(time.Second)
	a.MouseMoved(mouse(30.4, 30.4, 0))
	if got := r.take(); got != "" {
		t.Fatalf("same position sent again: %q", got)
	}
	// A click drops a kept-back move: it carries its own position.
	a.MouseMoved(mouse(50, 50, 0))
	f.now = f.now.Add(time.Millisecond)
	a.MouseMoved(mouse(60, 60, 0))
	test.TapAt(a, fyne.NewPos(100, 100))
	f.fire[len(f.fire)-1]()
	if got := r.take(); got != "move 25,25|click 50,50 left" {
		t.Fatalf("click after moves: %q", got)
	}
	// A timer stopped too late (its fyne.Do already queued) does nothing,
	// even with a newer move kept back by a newer timer.
	stale := f.fire[len(f.fire)-1]
	f.now = f.now.Add(time.Second)
	a.MouseMoved(mouse(62, 62, 0))
	f.now = f.now.Add(time.Millisecond)
	a.MouseMoved(mouse(64, 64, 0))
	stale()
	if got := r.take(); got != "move 31,31" {
		t.Fatalf("stale timer: %q", got)
	}
	f.fire[len(f.fire)-1]()
	if got := r.take(); got != "move 32,32" {
		t.Fatalf("newer timer: %q", got)
	}
	// Leaving the area sends the last position.
	f.now = f.now.Add(time.Second)
	a.MouseMoved(mouse(70, 70, 0))
	a.MouseMoved(mouse(80, 80, 0))
	a.MouseOut()
	if got := r.take(); got != "move 35,35|move 40,40" {
		t.Fatalf("leaving: %q", got)
	}
	// With input off nothing moves.
	a.input = false
	f.now = f.now.Add(time.Second)
	a.MouseMoved(mouse(90, 90, 0))
	if got := r.take(); got != "" {
		t.Fatalf("input off: %q", got)
	}
}

func TestButtons(t *testing.T) {
	a := newTestArea(t, fyne.NewSize(640, 400), image.Pt(320, 200), 1, true)
	r := &recorder{}
	wire(a, r)
	f := &fakeTimers{}
	f.install(a)
	a.OnButton = func(x, y int, b string, down bool) {
		state := "up"
		if down {
			state = "down"
		}
		r.add("%s %d,%d %s", state, x, y, b)
	}

	// Input off: nothing.
	a.MouseDown(mouse(10, 10, desktop.MouseButtonPrimary))
	a.MouseUp(mouse(10, 10, desktop.MouseButtonPrimary))
	if got := r.take(); got != "" {
		t.Fatalf("input off: %s", got)
	}

	a.input = true
	// A drag: press, move while pressed (even past the edge: clamped),
	// release outside the picture (clamped). Tapped sends no extra click.
	a.MouseDown(mouse(10, 10, desktop.MouseButtonPrimary))
	f.now = f.now.Add(time.Second)
	a.MouseMoved(mouse(100, 100, desktop.MouseButtonPrimary))
	f.now = f.now.Add(time.Second)
	a.MouseMoved(mouse(700, 100, desktop.MouseButtonPrimary))
	a.MouseUp(mouse(700, 100, desktop.MouseButtonPrimary))
	test.TapAt(a, fyne.NewPos(700, 100))
	if got, want := r.take(), "down 5,5 left|move 50,50|move 319,50|up 319,50 left"; got != want {
		t.Fatalf("drag\n %s\nwant\n %s", got, want)
	}
	// A release without its press (pressed elsewhere) is not sent.
	a.MouseUp(mouse(20, 20, desktop.MouseButtonSecondary))
	// Leaving the area with a button held releases it where it was.
	a.MouseDown(mouse(40, 40, desktop.MouseButtonSecondary))
	a.MouseOut()
	// The leave shortcut releases too.
	a.MouseDown(mouse(60, 60, desktop.MouseButtonTertiary))
	a.TypedShortcut(&desktop.CustomShortcut{KeyName: leaveKey, Modifier: leaveMod})
	if got, want := r.take(), "down 20,20 right|up 20,20 right|down 30,30 middle|up 30,30 middle|leave"; got != want {
		t.Fatalf("releases\n %s\nwant\n %s", got, want)
	}
	// Pressing outside the picture presses nothing.
	a.Resize(fyne.NewSize(1000, 400))
	a.MouseDown(mouse(5, 200, desktop.MouseButtonPrimary))
	a.MouseUp(mouse(5, 200, desktop.MouseButtonPrimary))
	if got := r.take(); got != "" {
		t.Fatalf("outside: %s", got)
	}
}

// At 1:1 the scroll view scrolls with the wheel while input is off, and
// the wheel goes to the customer while it is on.
func TestScrollViewWheel(t *testing.T) {
	test.NewTempApp(t)
	a := newScreenArea()
	sv := a.scrollView()
	if a.scrollView() != sv {
		t.Fatal("a second scroll view")
	}
	w := test.NewTempWindow(t, sv)
	w.Resize(fyne.NewSize(400, 300))
	a.SetScale(false)
	a.SetFrame(image.NewRGBA(image.Rect(0, 0, 1920, 1080)))
	sv.Refresh()
	if a.Size() != fyne.NewSize(1920, 1080) {
		t.Fatalf("the scroll view gave the area %v", a.Size())
	}
	a.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -50)})
	if sv.Offset.Y != 50 {
		t.Fatalf("offset %v after the wheel with input off", sv.Offset)
	}
	r := &recorder{}
	wire(a, r)
	a.input = true
	a.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -50)})
	if got := r.take(); got != "scroll 5" || sv.Offset.Y != 50 {
		t.Fatalf("input on: %q, offset %v", got, sv.Offset)
	}
}
